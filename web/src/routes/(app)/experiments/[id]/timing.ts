// User timings of the Trials panel's work, `oscar:<name>` in DevTools' performance panel and in the
// dashboard benchmark's profile (`npm run bench:dashboard -- --profile`).

/** Runs `work` and keeps its duration as the `oscar:<name>` user timing (the latest run's only). */
export function timed<T>(name: string, work: () => T): T {
  const start = performance.now();
  const result = work();
  performance.clearMeasures(`oscar:${name}`);
  performance.measure(`oscar:${name}`, { start, end: performance.now() });
  return result;
}
