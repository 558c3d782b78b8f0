const queues = new Map<string, Promise<unknown>>();

/**
 * Runs `fn` after every earlier call for the same experiment has settled, so that handing out trials
 * and recording results for one experiment happen one at a time in this process: the optimizer then
 * always sees every running trial, and a trial's result is counted once.
 */
export async function withExperimentLock<T>(experimentId: string, fn: () => Promise<T>): Promise<T> {
  const previous = queues.get(experimentId) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  queues.set(experimentId, settled);
  try {
    return await run;
  } finally {
    if (queues.get(experimentId) === settled) queues.delete(experimentId);
  }
}
