/**
 * `oscar export` and `oscar import`: clients of a running server (like `oscar run`), with the API
 * token. Export downloads an experiment's trials as CSV or JSON; import sends finished trials from a
 * CSV or JSON export, or from an Optuna study, through `importTrials` in batches, every batch checked
 * (a dry run) before any is stored.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream, existsSync, renameSync, rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { graphql, graphqlUrl, OscarError, type ServerOptions } from './graphql-client.ts';
import { readExperimentSpec } from './run.ts';
import { readTrialFile, spaceOf, TrialFileError, type FileTrial } from './trial-files.ts';

/** `oscar export --help`. */
export const EXPORT_USAGE = `Usage:
  oscar export --experiment NAME [--format csv|json] [--out FILE] [--url URL] [--token TOKEN]

Writes every trial of the experiment (its current version) as CSV (a column per parameter and per
metric) or JSON (the experiment's spec and every trial) to FILE, or to standard output.
Server: --url or OSCAR_URL (default http://localhost:4000/graphql); token: --token or OSCAR_TOKEN.`;

/** `oscar import --help`. */
export const IMPORT_USAGE = `Usage:
  oscar import --experiment NAME|SPEC.json FILE.csv|FILE.json|FILE.db [--study STUDY] [--again] [--url URL] [--token TOKEN]

Loads finished trials into the experiment, so its optimizer learns from them: COMPLETED and FAILED
rows of a CSV or JSON file as \`oscar export\` writes them, or the COMPLETE trials of an Optuna study
(FILE.db, its SQLite storage; --study when it holds several). The experiment is NAME (created from a
JSON export's or the study's space when it does not exist), or SPEC.json (as \`oscar run\` takes it;
created on first use). Every row is checked before any is stored; a bad one is named by its line.
The same trials imported again into the same experiment (a second run, or the rest of a run that
was cut off) are stored once, for 7 days; --again stores them again.
Server: --url or OSCAR_URL (default http://localhost:4000/graphql); token: --token or OSCAR_TOKEN.`;

/** A mistake in how a command was called: shown with its usage. */
export class TransferUsageError extends Error {
  constructor(
    message: string,
    readonly usage: string,
  ) {
    super(message);
  }
}

/** Trials sent per `importTrials` call, and the most JSON text one call carries (the server takes 1 MiB bodies). */
const BATCH_TRIALS = 500;
const BATCH_BYTES = 768 * 1024;

function server(values: { url?: string; token?: string }, usage: string, env: NodeJS.ProcessEnv): ServerOptions {
  const token = values.token ?? env.OSCAR_TOKEN;
  if (!token) throw new TransferUsageError('an API token is needed: --token TOKEN or OSCAR_TOKEN', usage);
  const url = values.url ?? env.OSCAR_URL ?? 'http://localhost:4000/graphql';
  try {
    graphqlUrl(url);
  } catch (error) {
    throw new TransferUsageError((error as Error).message, usage);
  }
  return { url, token };
}

const EXPERIMENT = `query Experiment($name: String!, $format: ExportFormat!) {
  experiment(name: $name) { id name version trialCount parameters export(format: $format) { url fileName } }
}`;

/** `oscar export`: resolves with the exit code. */
export async function exportMain(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { experiment: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, url: { type: 'string' }, token: { type: 'string' } },
  });
  if (positionals.length) throw new TransferUsageError(`unexpected argument "${positionals[0]}"`, EXPORT_USAGE);
  if (!values.experiment) throw new TransferUsageError('--experiment NAME is required', EXPORT_USAGE);
  const format = (values.format ?? 'csv').toLowerCase();
  if (format !== 'csv' && format !== 'json') throw new TransferUsageError(`--format must be csv or json, but got "${values.format}"`, EXPORT_USAGE);
  const target = server(values, EXPORT_USAGE, env);
  const data = await graphql<{ experiment: { id: string; name: string; trialCount: number; export: { url: string; fileName: string } } | null }>(target, EXPERIMENT, {
    name: values.experiment,
    format: format.toUpperCase(),
  });
  if (!data.experiment) throw new OscarError(`no experiment named "${values.experiment}"`, 'NOT_FOUND');
  const url = new URL(data.experiment.export.url, graphqlUrl(target.url));
  const response = await fetch(url, { headers: { authorization: `Bearer ${target.token}` } });
  if (!response.ok || !response.body) {
    const body = await response.text();
    let message = body.slice(0, 300);
    try {
      message = (JSON.parse(body) as { errors: { message: string }[] }).errors[0]!.message;
    } catch {
      // Not the server's JSON: quoted as it came.
    }
    throw new OscarError(`download of ${url.pathname} failed (HTTP ${response.status}): ${message}`, null);
  }
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  if (!values.out) {
    try {
      await pipeline(body, process.stdout, { end: false });
    } catch (error) {
      // The reader went away (`oscar export ... | head`): what it wanted it has; not an error to report.
      if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
    }
    return 0;
  }
  // Written beside the file and moved in place once whole: an interrupted export leaves no half file.
  const partial = `${values.out}.partial`;
  try {
    await pipeline(body, createWriteStream(partial));
    renameSync(partial, values.out);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
  process.stderr.write(`Exported ${data.experiment.trialCount} trials of "${data.experiment.name}" to ${values.out}\n`);
  return 0;
}

const CURRENT = `query Current($name: String!) { experiment(name: $name) { id name parameters } }`;
const IMPORT = `mutation Import($experiment: ExperimentInput, $experimentId: ID, $trials: [ImportedTrialInput!]!, $dryRun: Boolean!, $requestId: String) {
  importTrials(experiment: $experiment, experimentId: $experimentId, trials: $trials, dryRun: $dryRun, requestId: $requestId) { imported repeated experiment { id name trialCount } }
}`;

/** How far ahead of this machine's clock a file's time may be (the server allows 5 minutes against its own). */
const CLOCK_LEAD_MS = 60_000;

/**
 * The trials with the times the server would refuse left out (so one bad time does not refuse the
 * file): later than now, before 1970, or an end before the start, as a study written in another time
 * zone (Optuna keeps local time, without a zone) or across a clock change gives. `dropped` counts them.
 */
export function usableTimes(trials: readonly FileTrial[], now: number): { trials: FileTrial[]; dropped: number } {
  let dropped = 0;
  const usable = (time: string | null | undefined) => time == null || (Date.parse(time) >= 0 && Date.parse(time) <= now + CLOCK_LEAD_MS);
  const kept = trials.map((trial) => {
    const ordered = trial.createdAt == null || trial.completedAt == null || Date.parse(trial.createdAt) <= Date.parse(trial.completedAt);
    if (usable(trial.createdAt) && usable(trial.completedAt) && ordered) return trial;
    dropped++;
    return { ...trial, createdAt: null, completedAt: null };
  });
  return { trials: kept, dropped };
}

/** A file's trial as `importTrials` takes it. */
function sentTrial(trial: FileTrial) {
  return { params: trial.params, result: trial.result, worker: trial.worker ?? null, createdAt: trial.createdAt ?? null, completedAt: trial.completedAt ?? null };
}

/** The batches a file's trials are sent in: at most BATCH_TRIALS each, and BATCH_BYTES of JSON. */
function batches(trials: readonly FileTrial[]): FileTrial[][] {
  const out: FileTrial[][] = [];
  let current: FileTrial[] = [];
  let bytes = 0;
  for (const trial of trials) {
    const size = Buffer.byteLength(JSON.stringify(sentTrial(trial))) + 2;
    if (current.length && (current.length >= BATCH_TRIALS || bytes + size > BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(trial);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}

/**
 * The request id of a batch, from what it holds: the experiment's name, its place in the file and its
 * trials. A run of the same file into the same experiment sends the same ids, so the server stores
 * each batch once (for the days it keeps request ids, while that version is current), whether the
 * earlier run finished or was cut off.
 */
export function batchRequestId(experiment: string, index: number, batch: readonly FileTrial[]): string {
  const content = JSON.stringify([experiment, index, batch.map(sentTrial)]);
  return `import-${createHash('sha256').update(content).digest('hex')}`;
}

/** A server error about one row of a batch (`trials[3]...`), told by its place in the file instead. */
function rowError(error: unknown, batch: readonly FileTrial[], file: string): unknown {
  if (!(error instanceof OscarError) || error.field === null) return error;
  const match = /^trials\[(\d+)\]/.exec(error.field);
  const trial = match ? batch[Number(match[1])] : undefined;
  if (!trial) return error;
  const message = error.message.replace(/^trials\[\d+\] \(trial \d+ of this batch\): /, '');
  return new OscarError(`${file} ${trial.where}: ${message}`, error.code, error.field);
}

/** `oscar import`: resolves with the exit code. */
export async function importMain(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: { experiment: { type: 'string' }, study: { type: 'string' }, again: { type: 'boolean' }, url: { type: 'string' }, token: { type: 'string' } },
  });
  if (!values.experiment) throw new TransferUsageError('--experiment NAME (or SPEC.json) is required', IMPORT_USAGE);
  if (positionals.length !== 1) throw new TransferUsageError('name one file to import: FILE.csv, FILE.json (as oscar export writes them) or an Optuna FILE.db', IMPORT_USAGE);
  const file = positionals[0]!;
  const target = server(values, IMPORT_USAGE, env);

  // The experiment: a spec file (created on first use), or a name (an existing one, or created from the file's space).
  const fromSpec = /\.json$/i.test(values.experiment) && existsSync(values.experiment);
  let spec: Record<string, unknown> | null = null;
  let experimentId: string | null = null;
  let name = values.experiment;
  if (fromSpec) {
    try {
      spec = readExperimentSpec(values.experiment);
    } catch (error) {
      throw new TransferUsageError((error as Error).message, IMPORT_USAGE);
    }
    name = String(spec.name);
  } else {
    const found = await graphql<{ experiment: { id: string; parameters: unknown } | null }>(target, CURRENT, { name });
    if (found.experiment) {
      experimentId = found.experiment.id;
      spec = { parameters: found.experiment.parameters };
    }
  }
  let read;
  try {
    read = readTrialFile(file, { study: values.study ?? null, space: spec ? spaceOf(spec.parameters) : null });
  } catch (error) {
    if (error instanceof TrialFileError) throw new OscarError(error.message, 'BAD_USER_INPUT');
    throw error;
  }
  let experiment: Record<string, unknown> | null = fromSpec ? spec : null;
  if (!fromSpec && experimentId === null) {
    if (!read.experiment) {
      throw new OscarError(`no experiment named "${name}": to create it, pass --experiment SPEC.json ({"name": ..., "parameters": {...}}, as oscar run takes it)`, 'NOT_FOUND');
    }
    experiment = { ...read.experiment, name };
  }
  for (const note of read.notes) process.stderr.write(`${file}: ${note}\n`);
  const skipped = [...read.skipped].map(([reason, count]) => `${count} with ${reason}`).join(', ');
  if (read.trials.length === 0) {
    process.stderr.write(`${file}: no finished trials to import${skipped ? ` (skipped ${skipped})` : ''}\n`);
    return 1;
  }
  const timed = usableTimes(read.trials, Date.now());
  if (timed.dropped > 0) {
    process.stderr.write(
      `${file}: the start and end times of ${timed.dropped} ${timed.dropped === 1 ? 'trial' : 'trials'} left out (later than this machine's clock, or ending before they start: ` +
        `another machine's time zone or clock?); imported with the time of the import\n`,
    );
  }
  const sent = batches(timed.trials);
  // One id per batch: a batch resent after a lost answer (graphql() retries) is stored once, and so is
  // one sent again by a later run. A spec that starts afresh (resume: false) starts a new version each
  // run, which takes the trials anew; --again asks for that too.
  const fresh = values.again === true || (spec !== null && fromSpec && spec.resume === false);
  const ids = sent.map((batch, index) => (fresh ? randomUUID() : batchRequestId(name.trim(), index, batch)));
  const variables = (index: number, dryRun: boolean) => ({
    experiment,
    experimentId,
    trials: sent[index]!.map(sentTrial),
    dryRun,
    requestId: ids[index],
  });
  type Answer = { importTrials: { imported: number; repeated: boolean; experiment: { id: string; name: string; trialCount: number } | null } };
  // Every batch is checked before any is stored, so a bad row anywhere in the file stores nothing. A
  // batch an earlier run stored is answered so (repeated), unchecked.
  const earlier = new Set<number>();
  for (const [index, batch] of sent.entries()) {
    const checked = await graphql<Answer>(target, IMPORT, variables(index, true)).catch((error: unknown) => {
      throw rowError(error, batch, file);
    });
    if (checked.importTrials.repeated) earlier.add(index);
  }
  let imported = 0;
  let before = 0;
  let last: Answer['importTrials'] | null = null;
  for (const [index, batch] of sent.entries()) {
    // Every batch is sent, those an earlier run stored too: the server answers them from their ids
    // without storing them again, or, when their version was archived since, stores them in the current one.
    try {
      last = (await graphql<Answer>(target, IMPORT, variables(index, false))).importTrials;
    } catch (error) {
      const failure = rowError(error, batch, file) as Error;
      if (imported > 0) failure.message += ` (${imported} trials were imported before this batch)`;
      throw failure;
    }
    // Repeated when an earlier run stored it (so its dry run said), else this run's own, resent after a lost answer.
    if (last.repeated && earlier.has(index)) before += last.imported;
    else imported += last.imported;
    // Later batches go to the experiment the first one reached (a spec with resume: false restarts once).
    if (last.experiment) {
      experiment = null;
      experimentId = last.experiment.id;
    }
  }
  const again = before > 0 ? `; ${before} had been imported by an earlier run and were not stored again (--again stores them)` : '';
  process.stdout.write(
    `Imported ${imported} trials into "${last?.experiment?.name ?? name}" (${last?.experiment?.trialCount ?? imported} trials now)${again}${skipped ? `; skipped ${skipped}` : ''}\n`,
  );
  return 0;
}
