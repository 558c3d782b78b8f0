/**
 * `oscar run`: tunes any program without a client. For each trial it asks the server for parameters,
 * runs the command with them (environment, JSON file, `{name}` in its arguments), reads the result
 * from the command's last line of output and sends it; heartbeats keep the trial's lease while the
 * command runs; a command that fails is reported as a failed trial with the end of its stderr (its stderr
 * is passed through to the agent's as it comes). A command that cannot be started, or too many failures in
 * a row, ends the run. Ctrl-C stops the running commands and leaves their trials to be offered again.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { canonicalSpace, parseSearchSpace } from '../optimizer/space.ts';
import { ExperimentStart } from './experiment-start.ts';
import { printable, storableText } from '../text.ts';
import { reasonLine } from './failure-reason.ts';
import { graphql, graphqlUrl, OscarError, type ServerOptions } from './graphql-client.ts';
import { Lines, readResult, spaceVariableClash, substitute, Tail, trialEnvironment, unknownPlaceholders, dollarPlaceholders, variableClash, type ParamValue, type SpaceParameter } from './trial-command.ts';
import { TrialMessages } from './trial-messages.ts';

/** Failed trials in a row after which `oscar run` gives up, unless --max-failures says otherwise. */
export const DEFAULT_MAX_FAILURES = 5;

/** What `oscar run --help` prints (and a usage error ends with). */
export const AGENT_USAGE = `Usage:
  oscar run --experiment SPEC.json|NAME [--trials N] [--parallel K] [--max-failures F] [--url URL] [--token TOKEN] -- COMMAND [ARGS...]

Runs COMMAND once per trial (until --trials N have run, or Ctrl-C), K at a time. It stops at once (exit
code 1) when COMMAND cannot be started at all; after F trials in a row failed (default ${DEFAULT_MAX_FAILURES}; 0: never)
it starts no more and ends (exit code 1) when the running ones have. Each run gets the
parameters as environment variables (OSCAR_PARAM_<NAME>), as a JSON file named by OSCAR_PARAMS_FILE,
and in its arguments where they say {name} (with conditional parameters, only the active ones: an
argument naming an inactive one is left out); its last line of output is the result: a JSON object with
"loss" or the experiment's objectives (and any metrics), or a number. A line {"step": N, "loss": X}
reports an intermediate value (printed last, it is also the result, with "step" kept as a metric):
when the experiment's pruner stops the trial, the command is ended (SIGTERM) and the trial is PRUNED. A line {"checkpoint": {...}} saves a checkpoint
record with the trial; a trial that comes back (after Ctrl-C, a crash, a lost machine) gets it as
OSCAR_CHECKPOINT. SPEC.json is the experiment: {"name": ..., "parameters": {...}} and optionally
description, algorithm ("grid": every point of the grid once; the run ends, exit code 0, once all have run),
seed, lease_seconds, max_trials (the experiment's trial budget: the run ends, exit code 0, once it is spent),
max_retries (how often a trial lost with no progress is offered again; default 3), resume (false: afresh once, at the run's first trial),
pruner, objectives, constraints; or give the NAME of an existing experiment to join it (its space read
from the server, its settings kept). COMMAND's stderr is passed through to oscar's.
Server: --url or OSCAR_URL (default http://localhost:4000/graphql); token: --token or OSCAR_TOKEN.`;

/** Codes with which the server refuses a trial's failure, after which the run goes on (others stop it). */
const REFUSALS: ReadonlySet<string> = new Set(['BAD_USER_INPUT', 'CONFLICT', 'NOT_FOUND']);

/** A mistake in how `oscar run` was called: shown with the usage. */
export class AgentUsageError extends Error {}

const SUGGEST = `mutation Suggest($experiment: ExperimentInput!, $worker: String, $instance: String, $requestId: String) {
  suggest(experiment: $experiment, worker: $worker, instance: $instance, requestId: $requestId) { id number params checkpoint experiment { name leaseSeconds parameters } }
}`;
const UPDATE = `mutation Update($trialId: ID!, $result: JSON!) { update(trialId: $trialId, result: $result) { id number state loss } }`;
const FAIL = `mutation Fail($trialId: ID!, $error: String!) { fail(trialId: $trialId, error: $error) { id number state } }`;
const HEARTBEAT = `mutation Heartbeat($trialId: ID!) { heartbeat(trialId: $trialId) { id } }`;
const RELEASE = `mutation Release($trialId: ID!) { release(trialId: $trialId) { id state } }`;
/** How long, at most, the agent waits for the server to take back a trial it gives up (Ctrl-C: the user is waiting). */
const RELEASE_WAIT_MS = 5000;
/**
 * How long a suggest in flight at Ctrl-C may still take, so the trial it brings is released (an
 * optimizer's answer alone may take 5 s to get a thread and 5 s to run); a failed attempt is not
 * retried meanwhile. A second Ctrl-C quits at once.
 */
const IN_FLIGHT_WAIT_MS = 15_000;
/** How often a run whose experiment's budget is spent asks again while trials still run elsewhere (one may be given up). */
const BUDGET_POLL_MS = Number(process.env.OSCAR_BUDGET_POLL_MS) > 0 ? Number(process.env.OSCAR_BUDGET_POLL_MS) : 10_000;
const CHECKPOINT = `mutation Checkpoint($trialId: ID!, $data: JSON!) { checkpoint(trialId: $trialId, data: $data) { id } }`;
const REPORT = `mutation Report($trialId: ID!, $step: Int!, $value: Float!, $metrics: JSON) {
  report(trialId: $trialId, step: $step, value: $value, metrics: $metrics) { shouldStop trial { state } }
}`;

/** The experiment spec's keys (the Python client's spelling) and their GraphQL names. */
const SPEC_FIELDS: Readonly<Record<string, string>> = {
  name: 'name',
  description: 'description',
  parameters: 'parameters',
  resume: 'resume',
  algorithm: 'algorithm',
  seed: 'seed',
  lease_seconds: 'leaseSeconds',
  max_trials: 'maxTrials',
  max_retries: 'maxRetries',
  pruner: 'pruner',
  objectives: 'objectives',
  constraints: 'constraints',
};
/** Characters of a failed command's stderr sent with its trial. */
const ERROR_TAIL = 2000;
/** Characters of each output stream the agent keeps (the result is the last line). */
const OUTPUT_TAIL = 64 * 1024;
/** After SIGTERM, a command has this long to end before SIGKILL. */
const KILL_GRACE_MS = 5000;
/** Trials shown in the summary table. */
const SUMMARY_ROWS = 5;

/** How the agent was asked to run. */
export interface AgentOptions {
  readonly server: ServerOptions;
  /** The spec sent with every suggest (for an experiment joined by name, its name and the space it had at the start). */
  readonly experiment: Readonly<Record<string, unknown>>;
  /** Set when --experiment named an existing experiment rather than a spec file: its space is still to be read. */
  readonly joinByName?: boolean;
  /** Set once such an experiment was read: suggests send its name alone, so one deleted meanwhile is NOT_FOUND, not created again. */
  readonly joined?: boolean;
  readonly command: readonly string[];
  /** Trials to run in all; null: until stopped. */
  readonly trials: number | null;
  readonly parallel: number;
  /** Failed trials in a row (no trial that ended otherwise between them) after which the run gives up; 0: never. */
  readonly maxFailures: number;
  /** The worker name (OSCAR_WORKER or the host name; `-2`, `-3` ... for the other parallel slots). */
  readonly worker: string;
}

interface Finished {
  readonly number: number;
  readonly state: string;
  /** The step at which the pruner stopped it. */
  readonly prunedAt?: number;
  readonly loss: number | null;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Why it FAILED, as sent to the server. */
  readonly error?: string;
}

/** Reads and checks the experiment spec file. @throws {AgentUsageError} naming the problem. */
export function readExperimentSpec(path: string): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AgentUsageError(`cannot read the experiment spec ${path}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new AgentUsageError(`${path} must hold a JSON object: {"name": ..., "parameters": {...}}`);
  const spec: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = SPEC_FIELDS[key];
    if (!field) throw new AgentUsageError(`${path}: unknown key "${key}" (allowed: ${Object.keys(SPEC_FIELDS).join(', ')})`);
    spec[field] = value;
  }
  if (typeof spec.name !== 'string' || spec.parameters === undefined) throw new AgentUsageError(`${path} needs "name" and "parameters"`);
  return spec;
}

/**
 * Each parameter needs its own variable: any two that some trial can hold together are checked before
 * any trial is asked for (sub-parameters under different choices of one parameter may share one).
 * @throws {AgentUsageError} naming `source` (the spec file or the experiment).
 */
function checkVariables(experiment: Readonly<Record<string, unknown>>, source: string): void {
  const clash = spaceVariableClash(spaceParameters(experiment.parameters));
  if (clash !== null) throw new AgentUsageError(`${source}: ${clash}`);
}

const SPACE = `query Space($name: String!) { experiment(name: $name) { name parameters } }`;

/**
 * The options with an experiment joined by name given its space, read from the server (as it is now;
 * the experiment's settings are kept). @throws {AgentUsageError} when there is no such experiment.
 */
export async function joinedExperiment(options: AgentOptions): Promise<AgentOptions> {
  if (!options.joinByName) return options;
  const name = String(options.experiment.name);
  const { experiment } = await graphql<{ experiment: { name: string; parameters: unknown } | null }>(options.server, SPACE, { name });
  if (experiment === null) {
    throw new AgentUsageError(`no experiment named "${printable(name)}", and no spec file of that name: give SPEC.json to create one`);
  }
  const spec = { name: experiment.name, parameters: experiment.parameters };
  checkVariables(spec, `experiment "${printable(name)}"`);
  return { ...options, experiment: spec, joinByName: false, joined: true };
}

/** Parses `oscar run`'s arguments. @throws {AgentUsageError} */
export function parseAgentArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): AgentOptions {
  const split = argv.indexOf('--');
  if (split === -1 || split === argv.length - 1) throw new AgentUsageError('the command to run goes after "--"');
  const { values } = parseArgs({
    args: argv.slice(0, split),
    options: {
      experiment: { type: 'string' },
      trials: { type: 'string' },
      parallel: { type: 'string' },
      'max-failures': { type: 'string' },
      url: { type: 'string' },
      token: { type: 'string' },
    },
  });
  if (!values.experiment) throw new AgentUsageError('--experiment SPEC.json or NAME is required');
  const count = (name: string, text: string | undefined, fallback: number | null, max: number, min = 1): number | null => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text.trim() === '' || !Number.isSafeInteger(value) || value < min || value > max) throw new AgentUsageError(`--${name} must be a whole number from ${min} to ${max}, but got "${text}"`);
    return value;
  };
  const token = values.token ?? env.OSCAR_TOKEN;
  if (!token) throw new AgentUsageError('an API token is needed: --token TOKEN or OSCAR_TOKEN');
  const url = values.url ?? env.OSCAR_URL ?? 'http://localhost:4000/graphql';
  try {
    graphqlUrl(url);
  } catch (error) {
    throw new AgentUsageError((error as Error).message);
  }
  // A spec file, or else (not a .json file that is there) an existing experiment's name.
  const joinByName = !/\.json$/i.test(values.experiment) && !existsSync(values.experiment);
  const experiment = joinByName ? { name: values.experiment } : readExperimentSpec(values.experiment);
  if (!joinByName) checkVariables(experiment, values.experiment);
  return {
    server: { url, token },
    experiment,
    joinByName,
    command: argv.slice(split + 1),
    trials: count('trials', values.trials, null, 1_000_000),
    parallel: count('parallel', values.parallel, 1, 256)!,
    maxFailures: count('max-failures', values['max-failures'], DEFAULT_MAX_FAILURES, 1_000_000, 0)!,
    worker: env.OSCAR_WORKER || hostname(),
  };
}

/** How a trial's command ended, and the tails of its output. */
interface Ran {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stopped: boolean;
  readonly spawnError: Error | null;
}

/** A command the agent did not start. */
const NOT_RUN: Ran = { code: null, signal: null, stdout: '', stderr: '', stopped: false, spawnError: null };

/**
 * Runs one command for a trial; resolves with its exit and the tails of its output. Its stderr is also
 * written to `echo` as it comes, the command held back while `echo` has not taken the last chunk.
 */
function runCommand(
  command: readonly string[],
  env: Record<string, string>,
  stopping: AbortSignal,
  groups: Set<number>,
  onLine: (line: string) => void,
  echo: NodeJS.WritableStream,
): Promise<Ran> {
  return new Promise((resolve) => {
    const stdout = new Tail(OUTPUT_TAIL);
    const stderr = new Tail(OUTPUT_TAIL);
    // Its own process group, so Ctrl-C reaches it only through the agent, and reaches its children too.
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(command[0]!, command.slice(1), { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    } catch (error) {
      // Refused before any process (arguments too long, a NUL byte in a value): this trial's, not the run's.
      resolve({ ...NOT_RUN, spawnError: error as Error });
      return;
    }
    if (child.pid !== undefined) groups.add(child.pid);
    let spawnError: Error | null = null;
    let stopped = false;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    let closeTimer: NodeJS.Timeout | undefined;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // Already gone.
      }
    };
    const stop = () => {
      if (exit !== null) return; // it had ended: its result stands
      stopped = true;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    if (stopping.aborted) stop();
    else stopping.addEventListener('abort', stop, { once: true });
    const lines = new Lines(OUTPUT_TAIL, onLine);
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout.push(chunk);
      lines.push(chunk);
    });
    const errors = child.stderr!.setEncoding('utf8');
    errors.on('data', (chunk: string) => {
      stderr.push(chunk);
      // At most one chunk waits in `echo` for each command: a slow terminal slows the command, not memory.
      if (!echo.write(chunk, () => errors.isPaused() && errors.resume())) errors.pause();
    });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      if (child.pid !== undefined) groups.delete(child.pid);
      stopping.removeEventListener('abort', stop);
      clearTimeout(killTimer);
      clearTimeout(closeTimer);
      resolve({ code: exit?.code ?? null, signal: exit?.signal ?? null, stdout: stdout.toString(), stderr: stderr.toString(), stopped, spawnError });
    };
    child.on('error', (error) => {
      spawnError = error;
      finish();
    });
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      // Whatever it left behind in its group (data loaders, say) ends with it; its output is in once
      // the pipes close, or after the grace period if a leftover still holds them.
      signalGroup('SIGTERM');
      closeTimer = setTimeout(() => {
        signalGroup('SIGKILL');
        finish();
      }, KILL_GRACE_MS);
      closeTimer.unref();
    });
    child.on('close', finish);
  });
}

/** What a spawn failure says of the run's command itself: no such file, not executable, not a file. */
const CANNOT_START = new Set(['ENOENT', 'EACCES', 'ENOTDIR', 'EISDIR']);

/**
 * Whether a spawn failure of `command` is the run's and not the trial's: one of {@link CANNOT_START}
 * for the program as `written` (a program named by a parameter, `./{model}.sh`, may be missing for one
 * value only: that trial fails, as one whose parameters cannot run).
 */
function cannotStart(error: Error, command: readonly string[], written: readonly string[]): boolean {
  return CANNOT_START.has((error as NodeJS.ErrnoException).code ?? '') && command[0] === written[0];
}

/** The names of the spec's parameters as trials key them (sub-parameters included); none when the server is left to refuse the spec. */
function parameterNames(parameters: unknown): ReadonlySet<string> {
  return new Set(spaceParameters(parameters).map((param) => param.name));
}

/** A space as text that two equal spaces share (null when it does not parse). */
function spaceKey(parameters: unknown): string | null {
  try {
    return canonicalSpace(parseSearchSpace(parameters));
  } catch {
    return null;
  }
}

/** The parameters of a space, or none when it does not parse (the server says why when asked). */
function spaceParameters(parameters: unknown): readonly SpaceParameter[] {
  try {
    return parseSearchSpace(parameters).parameters;
  } catch {
    return [];
  }
}

function formatValue(value: ParamValue): string {
  return typeof value === 'number' ? String(Number(value.toPrecision(6))) : String(value);
}

/**
 * A signal that aborts `graceMs` after `signal` does (a timer started only then, never keeping the
 * process alive); `done()` takes its listener off `signal` once the call it guards has ended, so none
 * piles up over a long run.
 */
function afterStop(signal: AbortSignal, graceMs: number): { readonly signal: AbortSignal; done(): void } {
  const later = new AbortController();
  const abort = () => setTimeout(() => later.abort(signal.reason), graceMs).unref();
  if (signal.aborted) abort();
  else signal.addEventListener('abort', abort, { once: true });
  return { signal: later.signal, done: () => signal.removeEventListener('abort', abort) };
}

/** Runs the agent until its trials are done or it is stopped; resolves with the process's exit code. */
export async function runAgent(options: AgentOptions, out: NodeJS.WritableStream = process.stdout, log: NodeJS.WritableStream = process.stderr): Promise<number> {
  const stopping = new AbortController();
  // Asking for trials stops at Ctrl-C; results already in hand are still sent.
  const asking: ServerOptions = { ...options.server, signal: stopping.signal };
  const reporting = options.server;
  /** The process groups of the running commands. */
  const groups = new Set<number>();
  const instance = randomUUID();
  const parameters = parameterNames(options.experiment.parameters);
  const unknown = parameters.size === 0 ? [] : unknownPlaceholders(options.command, parameters);
  if (unknown.length > 0) {
    // Said once, before any trial: a typo would otherwise reach every command as written.
    const names = unknown.slice(0, 10).map((name) => `{${printable(name)}}`).join(', ') + (unknown.length > 10 ? ', ...' : '');
    const known = [...parameters].slice(0, 20).map((name) => printable(name)).join(', ') + (parameters.size > 20 ? ', ...' : '');
    log.write(`oscar: warning: ${names} in the command name${unknown.length === 1 ? 's' : ''} no parameter of the experiment (${known}); passed to the command as written\n`);
  }
  for (const name of dollarPlaceholders(options.command, parameters).slice(0, 10)) {
    const shown = printable(name);
    log.write(`oscar: warning: \${${shown}} in the command becomes $ and the value (the command runs without a shell): write {${shown}}\n`);
  }
  // Joined by name: the space its command was checked against (substitutions, variables) at the start.
  const joinedSpace = options.joined ? spaceKey(options.experiment.parameters) : null;
  const experiment = new ExperimentStart(options.joined ? { name: options.experiment.name } : options.experiment);
  const files = mkdtempSync(join(tmpdir(), 'oscar-run-'));
  const finished: Finished[] = [];
  let started = 0;
  let running = 0;
  let best = null as Finished | null;
  let fatal = null as Error | null; // set by a slot that fails
  /** Trials that FAILED since the last one that ended otherwise. */
  let failedInARow = 0;
  /** Why the run gave up (a command that cannot be started, too many failures in a row): no trial is started after it. */
  let gaveUp = null as string | null;
  let interrupted: NodeJS.Signals | null = null;
  /** Set once the experiment's trial budget is spent and none of its trials runs: the run ends well. */
  let budgetSpent: string | null = null;
  /** Whether the run said it gave up on a suggest in flight at the stop (once, however many slots waited on it). */
  let inFlightSaid = false;
  /** Whether the run said it waits for trials running elsewhere (once). */
  let waitingSaid = false;
  const onInterrupt = (signal: NodeJS.Signals) => {
    if (interrupted) {
      for (const group of groups) {
        try {
          process.kill(-group, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      rmSync(files, { recursive: true, force: true });
      process.exit(signal === 'SIGTERM' ? 143 : 130);
    }
    interrupted = signal;
    log.write('\noscar: stopping: the running commands are ended and their trials left to be offered again (Ctrl-C again to quit at once)\n');
    stopping.abort();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  /**
   * Gives a trial this run will not finish back to the server, so its parameters are offered again at
   * once rather than when its lease runs out; said, not fatal, when the server cannot be told (an older
   * server without `release`, or none reachable): the lease then runs out as before.
   */
  const release = async (trialId: string, number: number): Promise<boolean> => {
    try {
      await graphql({ ...reporting, maxWaitMs: RELEASE_WAIT_MS, signal: AbortSignal.timeout(RELEASE_WAIT_MS) }, RELEASE, { trialId });
      return true;
    } catch (error) {
      log.write(`oscar: trial ${number} not released (it is offered again once its lease runs out): ${(error as Error).message}\n`);
      return false;
    }
  };

  const slot = async (index: number): Promise<void> => {
    const worker = options.parallel > 1 && index > 0 ? `${options.worker}-${index + 1}` : options.worker;
    while (!stopping.signal.aborted && gaveUp === null && budgetSpent === null && (options.trials === null || started < options.trials)) {
      started++;
      // A suggest in flight at Ctrl-C may already hold a trial on the server: it gets a few seconds to
      // answer, so that trial can be released below rather than left RUNNING until its lease runs out.
      const grace = afterStop(stopping.signal, IN_FLIGHT_WAIT_MS);
      // Not retried once stopped: an attempt that failed brought no trial.
      const inFlight = { ...asking, signal: grace.signal, retryUntil: stopping.signal };
      const asked = await experiment
        .suggest((input) => {
          // Stopped while this slot waited its turn (the run's first suggest): nothing is asked for.
          if (stopping.signal.aborted) throw stopping.signal.reason;
          return graphql<{
            suggest: {
              id: string;
              number: number;
              params: Record<string, ParamValue>;
              checkpoint: unknown;
              experiment: { name: string; leaseSeconds: number; parameters: unknown };
            };
          }>(inFlight, SUGGEST, { experiment: input, worker, instance, requestId: randomUUID() });
        })
        .catch((error: unknown) => {
          if (grace.signal.aborted && !inFlightSaid) {
            inFlightSaid = true;
            log.write(`oscar: a suggest still unanswered ${IN_FLIGHT_WAIT_MS / 1000} s after the stop was given up; a trial it started on the server is offered again once its lease runs out\n`);
          }
          if (!(error instanceof OscarError) || error.code !== 'TRIAL_BUDGET_SPENT') throw error;
          const elsewhere = error.extensions['running'];
          // Grid search's grid used up answers the same, naming the algorithm rather than the budget.
          return { spent: true, running: typeof elsewhere === 'number' ? elsewhere : 0, grid: error.extensions['field'] === 'experiment.algorithm' } as const;
        })
        .finally(() => grace.done());
      if ('spent' in asked) {
        started--;
        if (asked.running > 0 && !stopping.signal.aborted) {
          // The budget is spent, but trials still run (here or elsewhere): one lost or given up is offered
          // again, and run here, rather than never. Asked again in a while.
          if (!waitingSaid) log.write(`oscar: the experiment's ${asked.grid ? 'grid is used up' : 'trial budget is spent'}; ${asked.running} trials still run: waiting in case one is given up\n`);
          waitingSaid = true;
          // Cut short by a stop (its listener goes with the timer: none piles up over hours of polling).
          await sleep(BUDGET_POLL_MS, undefined, { signal: stopping.signal }).catch(() => undefined);
          continue;
        }
        // Spent, and nothing runs any more: the experiment has run them all.
        budgetSpent ??= asked.grid
          ? 'the experiment has tried every point of its grid (algorithm grid); resume it with another algorithm to go on'
          : 'the experiment has run its trial budget (max_trials); resume it with a larger max_trials to go on';
        return;
      }
      const { suggest } = asked;
      if (stopping.signal.aborted) {
        // Stopped while it was asked for: not started, given back at once.
        await release(suggest.id, suggest.number);
        started--;
        return;
      }
      if (options.joined && spaceKey(suggest.experiment.parameters) !== joinedSpace) {
        // Started afresh in another space since: the command's {name}s and variables were checked
        // against the old one. This trial is released (it goes to another worker) and no other is
        // started; commands already running go on to their results (kept by the version they ran in).
        await release(suggest.id, suggest.number);
        started--;
        if (gaveUp === null) {
          gaveUp = `experiment "${printable(suggest.experiment.name)}" was started afresh in another parameter space since this run began; run oscar run again to join it as it is now`;
          if (running > 0) log.write(`oscar: experiment started afresh in another space: no more trials are started; waiting for the ${running} running to end (Ctrl-C to stop them)\n`);
        }
        return;
      }
      running++;
      const paramsFile = join(files, `trial-${suggest.number}.json`);
      writeFileSync(paramsFile, JSON.stringify(suggest.params));
      const beat = (suggest.experiment.leaseSeconds * 1000) / 3;
      let beating = false;
      const heartbeat = setInterval(() => {
        if (beating) return; // one at a time, each retried for at most a beat
        beating = true;
        graphql({ ...asking, maxWaitMs: beat }, HEARTBEAT, { trialId: suggest.id })
          .catch((error: Error) => {
            if (!stopping.signal.aborted) log.write(`oscar: heartbeat for trial ${suggest.number} failed: ${error.message}\n`);
          })
          .finally(() => (beating = false));
      }, beat);
      // Reports and checkpoints the command prints go out in order; a stop from the pruner ends it.
      const pruning = new AbortController();
      // A stop for a trial that is not PRUNED: its lease ran out and another worker took its parameters.
      let takenOver = false;
      const messages = new TrialMessages(
        {
          report: async ({ step, value, metrics }) => {
            try {
              const { report } = await graphql<{ report: { shouldStop: boolean; trial: { state: string } } }>({ ...reporting, maxWaitMs: beat }, REPORT, { trialId: suggest.id, step, value, metrics });
              if (report.shouldStop && report.trial.state !== 'PRUNED') takenOver = true;
              return report.shouldStop ? 'stop' : 'continue';
            } catch (error) {
              log.write(`oscar: step ${step} of trial ${suggest.number} not reported: ${(error as Error).message}\n`);
              return error instanceof OscarError && error.code !== 'CONNECTION_ERROR' ? 'refused' : 'unsent';
            }
          },
          checkpoint: async (data) => {
            try {
              await graphql({ ...reporting, maxWaitMs: beat }, CHECKPOINT, { trialId: suggest.id, data });
            } catch (error) {
              log.write(`oscar: checkpoint for trial ${suggest.number} not saved: ${(error as Error).message}\n`);
            }
          },
        },
        () => pruning.abort(),
        (problem) => log.write(`oscar: trial ${suggest.number}: ${problem}\n`),
      );
      let outcome: Finished | undefined;
      try {
        // Checked at start-up for any two a trial can hold; again on the parameters the server sent,
        // in case its space is not the spec's (a spec the agent could not parse, left to the server).
        const clash = variableClash(Object.keys(suggest.params));
        const command = substitute(options.command, suggest.params, parameters);
        const ran =
          clash !== null
            ? NOT_RUN
            : await runCommand(
                command,
                trialEnvironment(suggest.params, suggest, paramsFile),
                AbortSignal.any([stopping.signal, pruning.signal]),
                groups,
                (line) => messages.line(line),
                log,
              );
        clearInterval(heartbeat);
        messages.ended();
        await messages.settled();
        if (takenOver && ran.stopped) {
          // Not ours any more: another worker runs its parameters, and its result will count.
          log.write(`oscar: trial ${suggest.number}: its lease ran out and another worker took its parameters; stopped here\n`);
          started--; // not one of this run's --trials: it ran here to no outcome
          continue; // this slot goes on with a trial of its own
        }
        if (messages.prunedAt !== null && ran.stopped) {
          // Ended by the agent because the pruner stopped its trial: PRUNED on the server already.
          outcome = { number: suggest.number, state: 'PRUNED', loss: null, params: suggest.params, prunedAt: messages.prunedAt };
        } else if (ran.stopped) {
          // Ended by Ctrl-C or a stop of the run: given back, so its parameters are offered again at once.
          await release(suggest.id, suggest.number);
          return;
        } else if (clash === null && ran.spawnError !== null && cannotStart(ran.spawnError, command, options.command)) {
          // The command cannot start (no such file, not executable): the run's fault, not its parameters'.
          // The trial is given back, as at Ctrl-C, so its parameters are offered again; the run stops.
          const reason = `cannot run ${options.command[0]}: ${ran.spawnError.message}`;
          if (gaveUp === null) gaveUp = `stopped: ${reason}`;
          stopping.abort();
          if (await release(suggest.id, suggest.number)) log.write(`oscar: trial ${suggest.number} not run (${reason}): given back to be offered again\n`);
          started--; // not one of this run's --trials: it never ran
          return;
        }
        if (outcome === undefined) {
          // Its result; one that ends by itself after a stop is still sent (kept as the PRUNED trial's final value).
          const tail = storableText(ran.stderr.slice(-ERROR_TAIL)).trim();
          const result = readResult(ran.stdout);
          let error: string | null = null;
          if (clash !== null) error = `not run: ${clash}`;
          else if (ran.spawnError !== null) error = `cannot run ${command[0]}: ${ran.spawnError.message}`;
          else if (ran.code !== 0) error = `${ran.signal ? `killed by ${ran.signal}` : `exit code ${ran.code}`}${tail ? `: ${tail}` : ''}`;
          else if (result.kind === 'none') error = `${result.why}${tail ? `\nstderr: ${tail}` : ''}`;
          if (error === null && result.kind === 'result') {
            try {
              const { update } = await graphql<{ update: { state: string; loss: number | null } }>(reporting, UPDATE, { trialId: suggest.id, result: result.result });
              outcome = { number: suggest.number, state: update.state, loss: update.loss, params: suggest.params };
              // A result {"error": ...} fails its trial on the server: that is its reason.
              const stated = result.result.error;
              if (update.state === 'FAILED') outcome = { ...outcome, error: typeof stated === 'string' ? stated : String(JSON.stringify(stated)) };
            } catch (refused) {
              if (!(refused instanceof OscarError) || refused.code === 'CONNECTION_ERROR') throw refused;
              error = `the result was refused: ${refused.message}`;
            }
          }
          if (error !== null) {
            try {
              await graphql(reporting, FAIL, { trialId: suggest.id, error: storableText(error.slice(0, 9000)) });
            } catch (refused) {
              // Refused (finished or pruned meanwhile, say): said, and the run goes on; the trial is failed here.
              if (!(refused instanceof OscarError) || !REFUSALS.has(refused.code ?? '')) throw refused;
              log.write(`oscar: trial ${suggest.number}: the server refused its failure: ${printable(refused.message)}\n`);
            }
            outcome = { number: suggest.number, state: 'FAILED', loss: null, params: suggest.params, error };
          }
        }
      } finally {
        clearInterval(heartbeat);
        rmSync(paramsFile, { force: true });
        running--;
      }
      if (outcome === undefined) throw new Error(`trial ${suggest.number}: no outcome`);
      finished.push(outcome);
      if (outcome.loss !== null && (best === null || outcome.loss < best.loss!)) best = outcome;
      const failed = finished.filter((f) => f.state === 'FAILED').length;
      log.write(
        `oscar: trial ${outcome.number} ${outcome.state}${outcome.prunedAt === undefined ? '' : ` at step ${outcome.prunedAt}`}${outcome.loss === null ? '' : ` loss ${formatValue(outcome.loss)}`}` +
          `${outcome.error === undefined ? '' : ` (${reasonLine(outcome.error)})`}` +
          ` | best here ${best ? `${formatValue(best.loss!)} (trial ${best.number})` : '-'}` +
          ` | ${finished.length}${options.trials === null ? '' : `/${options.trials}`} done, ${running} running, ${failed} failed\n`,
      );
      failedInARow = outcome.state === 'FAILED' ? failedInARow + 1 : 0;
      if (gaveUp !== null || outcome.state !== 'FAILED') continue;
      if (options.maxFailures > 0 && failedInARow >= options.maxFailures) {
        gaveUp = `stopped after ${failedInARow} failed trials in a row (--max-failures ${options.maxFailures}); the last: ${reasonLine(outcome.error ?? '')}`;
        if (running > 0) log.write(`oscar: ${failedInARow} failed trials in a row: no more are started; waiting for the ${running} running to end (Ctrl-C to stop them)\n`);
      }
    }
  };

  try {
    await Promise.all(
      Array.from({ length: options.parallel }, (_, i) =>
        slot(i).catch((error: Error) => {
          if (stopping.signal.aborted) {
            // A request cut short by the stop is expected; anything else is said.
            if (error.name !== 'AbortError') log.write(`oscar: ${error.message}\n`);
            return;
          }
          fatal ??= error;
          stopping.abort(); // the other slots stop too
        }),
      ),
    );
  } finally {
    process.off('SIGINT', onInterrupt);
    process.off('SIGTERM', onInterrupt);
    rmSync(files, { recursive: true, force: true });
  }
  out.write(summary(options, finished));
  if (fatal) {
    log.write(`oscar: ${fatal.message}\n`);
    return 1;
  }
  if (gaveUp !== null) {
    log.write(`oscar: ${gaveUp}\n`);
    return 1;
  }
  if (budgetSpent !== null && interrupted === null) {
    log.write(`oscar: ${budgetSpent}\n`);
    return 0;
  }
  return interrupted === 'SIGTERM' ? 143 : interrupted ? 130 : 0;
}

/** The table printed at the end: the best trials of this run, and the counts. */
function summary(options: AgentOptions, finished: readonly Finished[]): string {
  const name = String(options.experiment.name);
  const completed = finished.filter((f) => f.loss !== null).sort((a, b) => a.loss! - b.loss!);
  const failed = finished.filter((f) => f.state === 'FAILED').length;
  const pruned = finished.filter((f) => f.state === 'PRUNED').length;
  const lines = [
    `\nExperiment "${name}": ${finished.length} trial${finished.length === 1 ? '' : 's'} run here, ${completed.length} with a loss, ${failed} failed${pruned ? `, ${pruned} stopped early by the pruner` : ''}.`,
  ];
  if (completed.length > 0) {
    const names = [...new Set(completed.slice(0, SUMMARY_ROWS).flatMap((f) => Object.keys(f.params)))].sort();
    const rows = [['trial', 'loss', ...names], ...completed.slice(0, SUMMARY_ROWS).map((f) => [String(f.number), formatValue(f.loss!), ...names.map((n) => (f.params[n] === undefined ? '' : formatValue(f.params[n]!)))])];
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    lines.push(`Best ${Math.min(SUMMARY_ROWS, completed.length)}:`);
    for (const row of rows) lines.push(`  ${row.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd()}`);
  }
  return `${lines.join('\n')}\n`;
}

/** `oscar run ...`: parses the arguments, runs the agent, sets the exit code. */
export async function agentMain(argv: readonly string[]): Promise<number> {
  return runAgent(await joinedExperiment(parseAgentArgs(argv)));
}
