/**
 * The experiment as each of `oscar run`'s suggests sends it. `resume: false` archives the experiment's
 * trials, so it goes with the run's first suggest only (whichever parallel slot makes it); the other
 * suggests wait for that one to be answered, then continue the new version. The clients do the same,
 * once per client object and experiment name.
 */

/** An experiment spec as `suggest` takes it (GraphQL field names). */
export type ExperimentInput = Readonly<Record<string, unknown>>;

/** Hands each suggest of one run the experiment to send: the spec as written first, then resuming. */
export class ExperimentStart {
  /** The suggest that restarts the experiment (kept: its failure is every later suggest's). */
  private first: Promise<unknown> | null = null;
  /** Whether later suggests continue the experiment (no restart asked, or it was done). */
  private started: boolean;
  private readonly continuing: ExperimentInput;

  constructor(private readonly spec: ExperimentInput) {
    this.started = spec.resume !== false;
    this.continuing = this.started ? spec : { ...spec, resume: true };
  }

  /**
   * Makes a suggest through `send` with the experiment as it should go now: a restart is sent once, and
   * suggests made meanwhile wait for its answer. If it fails (its own retries spent), they and every later
   * suggest fail with its error: a second restart could archive again what the first one, answered but
   * lost on the way back, had started.
   */
  async suggest<T>(send: (experiment: ExperimentInput) => Promise<T>): Promise<T> {
    if (this.started) return send(this.continuing);
    if (this.first === null) {
      this.first = send(this.spec).then((answer) => {
        this.started = true;
        return answer;
      });
      return this.first as Promise<T>;
    }
    await this.first;
    return send(this.continuing);
  }
}
