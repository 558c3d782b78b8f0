/**
 * How the agent hands a trial's parameters to a command (environment variables, a JSON file, `{name}`
 * in its arguments) and reads the result back from its output.
 */

import type { Parameter } from '../optimizer/space.ts';

/** A parameter's value, as the server sends it. */
export type ParamValue = string | number | boolean;

/** The environment variable of a parameter: OSCAR_PARAM_ and its name in capitals, other characters as `_`. */
export function paramVariable(name: string): string {
  return `OSCAR_PARAM_${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;
}

/**
 * Why some of these parameters cannot each have their own environment variable (two names that
 * {@link paramVariable} maps to the same one, as `lr` and `LR`, or `a-b` and `a_b`), or null when each can.
 */
export function variableClash(names: Iterable<string>): string | null {
  const byVariable = new Map<string, string[]>();
  for (const name of names) {
    const variable = paramVariable(name);
    byVariable.set(variable, [...(byVariable.get(variable) ?? []), name]);
  }
  const clashes = [...byVariable].filter(([, same]) => same.length > 1);
  if (clashes.length === 0) return null;
  const described = clashes.map(([variable, same]) => {
    const quoted = same.map((name) => JSON.stringify(name));
    return `${quoted.slice(0, -1).join(', ')} and ${quoted.at(-1)!} would both be ${variable}`;
  });
  return `parameters ${described.join('; ')}: rename one (each parameter needs its own environment variable)`;
}

/** A parameter of a parsed space as far as {@link spaceVariableClash} needs it: its name and the choice it depends on. */
export type SpaceParameter = Pick<Parameter, 'name' | 'condition'>;

/**
 * {@link variableClash} for the parameters that some trial can hold together: two sub-parameters under
 * different choices of one parameter are never active at once and may share a variable (`lr` under
 * `adam`, `LR` under `sgd`), but a top-level parameter and a sub-parameter (or two under choices that
 * can be drawn together) may not. So a space whose every trial would be refused is refused at once.
 */
export function spaceVariableClash(parameters: readonly SpaceParameter[]): string | null {
  const byName = new Map(parameters.map((parameter) => [parameter.name, parameter]));
  /** The choices a parameter needs, by the parameter that makes them (its own condition and its parents'). */
  const needs = (parameter: SpaceParameter): Map<string, ReadonlySet<string>> => {
    const found = new Map<string, ReadonlySet<string>>();
    for (let at: SpaceParameter | undefined = parameter; at?.condition && !found.has(at.condition.parent); at = byName.get(at.condition.parent)) {
      found.set(at.condition.parent, new Set(at.condition.values.map(String)));
    }
    return found;
  };
  const together = (a: SpaceParameter, b: SpaceParameter): boolean => {
    const needsA = needs(a);
    for (const [parent, values] of needs(b)) {
      const other = needsA.get(parent);
      if (other && ![...values].some((value) => other.has(value))) return false;
    }
    return true;
  };
  const byVariable = new Map<string, SpaceParameter[]>();
  for (const parameter of parameters) {
    const variable = paramVariable(parameter.name);
    const same = byVariable.get(variable);
    if (same) same.push(parameter);
    else byVariable.set(variable, [parameter]);
  }
  const clashing: string[] = [];
  for (const same of byVariable.values()) {
    if (same.length < 2) continue;
    const involved = same.filter((a) => same.some((b) => b !== a && together(a, b)));
    clashing.push(...involved.map((parameter) => parameter.name));
  }
  return variableClash(clashing);
}

/** The text of a value in the environment and in arguments. */
function text(value: ParamValue): string {
  return typeof value === 'string' ? value : String(value);
}

/**
 * The command's arguments with each `{name}` of a parameter replaced by its value (others kept). In a
 * conditional space, an argument that names a parameter of the space (`parameters`) that the trial
 * lacks, one its choices leave inactive, is left out: write `--C={C}` as one argument.
 */
export function substitute(args: readonly string[], params: Readonly<Record<string, ParamValue>>, parameters: ReadonlySet<string> = new Set()): string[] {
  const placeholder = /\{([^{}]+)\}/g;
  return args
    .filter((arg) => ![...arg.matchAll(placeholder)].some(([, name]) => parameters.has(name!) && !Object.hasOwn(params, name!)))
    .map((arg) => arg.replace(placeholder, (whole, name: string) => (Object.hasOwn(params, name) ? text(params[name]!) : whole)));
}

/**
 * The `{name}` placeholders of the command that name no parameter of the space (a typo such as `{lr}`
 * for `learning_rate`), each once, in order: {@link substitute} leaves them as written. Only names a
 * parameter could have are counted, and none written `${name}` (a shell variable) or holding spaces,
 * quotes or colons (code or JSON in an argument).
 */
export function unknownPlaceholders(args: readonly string[], parameters: ReadonlySet<string>): string[] {
  return placeholders(args, parameters, (dollar, known) => !dollar && !known);
}

/**
 * The parameters the command names shell-style, `${lr}`: the command runs without a shell, so its
 * `{lr}` becomes the value and the `$` stays before it (`$0.01`). Each once, in order.
 */
export function dollarPlaceholders(args: readonly string[], parameters: ReadonlySet<string>): string[] {
  return placeholders(args, parameters, (dollar, known) => dollar && known);
}

/** The names of the `{name}` placeholders that `pick` keeps, given whether `$` precedes each and whether it names a parameter. */
function placeholders(args: readonly string[], parameters: ReadonlySet<string>, pick: (dollar: boolean, known: boolean) => boolean): string[] {
  const names = new Set<string>();
  for (const arg of args) {
    for (const match of arg.matchAll(/(\$?)\{([A-Za-z_][\w.-]*)\}/g)) {
      if (pick(match[1] === '$', parameters.has(match[2]!))) names.add(match[2]!);
    }
  }
  return [...names];
}

/**
 * The variables a trial's command gets beside the agent's own environment; OSCAR_CHECKPOINT holds the
 * trial's latest checkpoint record as JSON when it has one (a trial handed back, or offered again).
 * The parameters' names must not clash ({@link variableClash}).
 */
export function trialEnvironment(
  params: Readonly<Record<string, ParamValue>>,
  trial: { id: string; number: number; checkpoint?: unknown },
  paramsFile: string,
): Record<string, string> {
  const env: Record<string, string> = { OSCAR_TRIAL_ID: trial.id, OSCAR_TRIAL_NUMBER: String(trial.number), OSCAR_PARAMS_FILE: paramsFile };
  if (trial.checkpoint !== null && trial.checkpoint !== undefined) env.OSCAR_CHECKPOINT = JSON.stringify(trial.checkpoint);
  for (const [name, value] of Object.entries(params)) env[paramVariable(name)] = text(value);
  return env;
}

/**
 * The checkpoint record on a line of a command's output, `{"checkpoint": {...}}` (a JSON object with
 * that one key, holding an object), or null for any other line.
 */
export function readCheckpoint(line: string): Record<string, unknown> | null {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.includes('"checkpoint"')) return null;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    const keys = Object.keys(parsed);
    const record = (parsed as { checkpoint?: unknown }).checkpoint;
    if (keys.length !== 1 || typeof record !== 'object' || record === null || Array.isArray(record)) return null;
    return record as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** Splits a stream's text into lines as it arrives; a line longer than `limit` characters is dropped. */
export class Lines {
  private partial = '';
  private overlong = false;
  constructor(
    private readonly limit: number,
    private readonly onLine: (line: string) => void,
  ) {}

  /** Adds a chunk; calls `onLine` for each line it completes. */
  push(chunk: string): void {
    const parts = chunk.split('\n');
    for (let i = 0; i < parts.length; i++) {
      const last = i === parts.length - 1;
      if (!this.overlong) this.partial += parts[i]!;
      if (this.partial.length > this.limit) {
        this.partial = '';
        this.overlong = true;
      }
      if (last) break;
      if (!this.overlong) this.onLine(this.partial);
      this.partial = '';
      this.overlong = false;
    }
  }
}

/** What a command's output says: a result to send, or why there is none. */
export type Outcome = { readonly kind: 'result'; readonly result: Record<string, unknown> } | { readonly kind: 'none'; readonly why: string };

/** How a result line looks, for the messages that say one is missing. */
const RESULT_FORM = 'a JSON object such as {"loss": 0.12}, or a number';

/**
 * The result on the last non-empty line of a command's output: a JSON object (`loss`, or the experiment's
 * objectives, and any metrics; `error` fails the trial), passed on for the server to judge, or a bare
 * number (the loss). Without `loss` or `error`, a step line (an object with a `step` key) or a checkpoint
 * line is not a result; with either it is, as it always was.
 * `NaN` and infinities are passed on for the server to judge.
 */
export function readResult(stdout: string): Outcome {
  const line = stdout.trimEnd().split('\n').at(-1)?.trim() ?? '';
  if (line === '') return { kind: 'none', why: `the command printed nothing (its last line must be the result: ${RESULT_FORM})` };
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(line) || /^[-+]?(nan|inf|infinity)$/i.test(line)) {
    const loss = Number(line.replace(/^([-+]?)inf(inity)?$/i, '$1Infinity').replace(/^[-+]?nan$/i, 'NaN'));
    return { kind: 'result', result: { loss: Number.isFinite(loss) ? loss : String(loss) } };
  }
  // Python's json.dumps writes NaN and Infinity bare: if plain JSON fails, they travel as strings, for the server to judge.
  for (const text of [line, line.replace(/(?<=[:,[]\s*)(-?Infinity|NaN)(?=\s*[,}\]])/g, '"$1"')]) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) break;
      // A line with `loss` or `error` is a result as it always was (a last step line with its loss included).
      const final = Object.hasOwn(parsed, 'loss') || Object.hasOwn(parsed, 'error');
      if (!final && (Object.hasOwn(parsed, 'step') || readCheckpoint(text) !== null)) {
        const kind = Object.hasOwn(parsed, 'step') ? 'an intermediate value ({"step": ...})' : 'a checkpoint';
        return { kind: 'none', why: `the last line of output is ${kind}, not the result: print the result (${RESULT_FORM}) after it: ${JSON.stringify(line.slice(0, 200))}` };
      }
      return { kind: 'result', result: parsed as Record<string, unknown> };
    } catch {
      // Not JSON: try the next reading, or say so below.
    }
  }
  return { kind: 'none', why: `the last line of output is not a result (${RESULT_FORM}): ${JSON.stringify(line.slice(0, 200))}` };
}

/** Keeps the last `limit` characters of a stream's text: what the agent needs of any command's output. */
export class Tail {
  private text = '';
  constructor(private readonly limit: number) {}

  /** Adds a chunk, dropping what falls out of the window. */
  push(chunk: string): void {
    this.text = (this.text + chunk).slice(-this.limit);
  }

  /** The kept text. */
  toString(): string {
    return this.text;
  }
}
