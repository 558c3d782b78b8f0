import { badInput } from '../errors.ts';
import { nameProblem, textProblem } from '../text.ts';
import { parseSearchSpace, type SearchSpace } from '../optimizer/space.ts';
import { SearchSpaceError } from '../optimizer/space/spec.ts';
import { optimizerNames } from '../optimizer/registry.ts';
import { parsePruner, type PrunerConfig } from '../pruners/pruner-config.ts';
import { MAX_RETRIES } from '../trials/lost-trials.ts';
import { parseConstraints, parseObjectives, type Constraint, type Objectives } from '../objectives/objectives-config.ts';

/** The raw `ExperimentInput` as GraphQL delivers it. */
export interface ExperimentInputArgs {
  readonly name: string;
  readonly description?: string | null;
  readonly parameters?: unknown;
  readonly resume?: boolean | null;
  readonly algorithm?: string | null;
  readonly seed?: number | null;
  readonly leaseSeconds?: number | null;
  readonly maxTrials?: number | null;
  readonly maxRetries?: number | null;
  readonly pruner?: unknown;
  readonly objectives?: unknown;
  readonly constraints?: unknown;
}

/** Who is asking for a suggestion, as `suggest`'s arguments give it. */
export interface WorkerArgs {
  readonly worker?: string | null;
  readonly instance?: string | null;
  readonly requestId?: string | null;
}

/** A validated request for a suggestion, with its parameter space. */
export interface SuggestInput {
  readonly name: string;
  readonly description: string | null;
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly space: SearchSpace;
  readonly resume: boolean;
  /** null: keep the experiment's algorithm ("auto" for a new one). */
  readonly algorithm: string | null;
  readonly seed: number | null;
  /** null: keep the experiment's lease (the default for a new one). */
  readonly leaseSeconds: number | null;
  /** null: keep the experiment's trial budget (none for a new one). */
  readonly maxTrials: number | null;
  /** null: keep the experiment's limit on losses in a row (3 for a new one; server/trials/lost-trials.ts). */
  readonly maxRetries: number | null;
  /** null: keep the experiment's pruner (the median pruner for a new one). */
  readonly pruner: PrunerConfig | null;
  /** null: keep the experiment's objectives (minimise `loss` for a new one). */
  readonly objectives: Objectives | null;
  /** null: keep the experiment's constraints (none for a new one). */
  readonly constraints: readonly Constraint[] | null;
  readonly worker: string | null;
  readonly instance: string | null;
  readonly requestId: string | null;
  /**
   * True when the client named only an experiment (`{"name": "Square"}`): it joins the current one of
   * that name, in the space that one has, and never creates one (see `withStoredSpace`).
   */
  readonly joined?: boolean;
}

/**
 * A validated request as a client sent it: its parameters and space are null when it named only an
 * existing experiment (`{"name": "Square"}`), to be joined in the space it has (see `withStoredSpace`).
 */
export type ExperimentRequest = Omit<SuggestInput, 'parameters' | 'space'> & {
  readonly parameters: Readonly<Record<string, unknown>> | null;
  readonly space: SearchSpace | null;
};

/** The longest experiment name. */
export const MAX_NAME = 200;

/**
 * An experiment's name as stored, from a name as a client wrote it (surrounding spaces dropped):
 * `suggest`, lookups by name and renames all read names through it, so ` Spaced ` finds `Spaced`.
 */
export function experimentName(raw: string): string {
  return raw.trim();
}
const MAX_DESCRIPTION = 10_000;
const MAX_WORKER = 200;
const MAX_ID = 100;
const MIN_LEASE = 2;
const MAX_LEASE = 7 * 24 * 3600;
/** The largest trial budget (`maxTrials`) an experiment takes: far past any run, well within an Int. */
export const MAX_TRIAL_BUDGET = 1_000_000_000;

function optionalName(field: string, value: string | null | undefined, max: number): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  const problem = nameProblem(trimmed, max);
  if (problem !== null) throw badInput(field, `${field} ${problem}`);
  return trimmed;
}

/** A worker's name (`worker` of suggest, or of an imported trial), trimmed and validated; null when none is given. */
export function parseWorkerName(value: string | null | undefined, field = 'worker'): string | null {
  return optionalName(field, value, MAX_WORKER);
}

/** A client's id for one call (`requestId` of suggest, enqueue and importTrials), validated; null when none is given. */
export function parseRequestId(value: string | null | undefined): string | null {
  return optionalName('requestId', value, MAX_ID);
}

/**
 * Validates an experiment and worker once, at the boundary; throws BAD_USER_INPUT naming the field.
 * `parameters` may be left out to name an existing experiment only.
 */
export function parseExperimentRequest(input: ExperimentInputArgs, who: WorkerArgs = {}): ExperimentRequest {
  const name = experimentName(input.name);
  const nameIssue = nameProblem(name, MAX_NAME);
  if (nameIssue !== null) throw badInput('experiment.name', `experiment.name ${nameIssue}`);
  const descriptionIssue = input.description == null ? null : textProblem(input.description, MAX_DESCRIPTION);
  if (descriptionIssue !== null) throw badInput('experiment.description', `experiment.description ${descriptionIssue}`);
  const algorithm = input.algorithm ?? null;
  if (algorithm !== null && !optimizerNames.includes(algorithm)) {
    throw badInput(
      'experiment.algorithm',
      `experiment.algorithm must be one of ${optimizerNames.map((n) => `"${n}"`).join(', ')}, but got "${algorithm}"`,
    );
  }
  const lease = input.leaseSeconds ?? null;
  if (lease !== null && (lease < MIN_LEASE || lease > MAX_LEASE)) {
    throw badInput('experiment.leaseSeconds', `experiment.leaseSeconds must be between ${MIN_LEASE} and ${MAX_LEASE}, but got ${lease}`);
  }
  const maxTrials = input.maxTrials ?? null;
  if (maxTrials !== null && (!Number.isSafeInteger(maxTrials) || maxTrials < 1 || maxTrials > MAX_TRIAL_BUDGET)) {
    throw badInput('experiment.maxTrials', `experiment.maxTrials must be a whole number from 1 to ${MAX_TRIAL_BUDGET}, but got ${maxTrials}`);
  }
  const maxRetries = input.maxRetries ?? null;
  if (maxRetries !== null && (!Number.isSafeInteger(maxRetries) || maxRetries < 0 || maxRetries > MAX_RETRIES)) {
    throw badInput('experiment.maxRetries', `experiment.maxRetries must be a whole number from 0 to ${MAX_RETRIES}, but got ${maxRetries}`);
  }
  let space: SearchSpace | null = null;
  try {
    if (input.parameters !== undefined && input.parameters !== null) space = parseSearchSpace(input.parameters);
  } catch (error) {
    if (error instanceof SearchSpaceError) {
      const field = error.parameter === null ? 'experiment.parameters' : `experiment.parameters.${error.parameter}`;
      throw badInput(field, error.message);
    }
    throw error;
  }
  return {
    name,
    description: input.description ?? null,
    parameters: space === null ? null : (input.parameters as Readonly<Record<string, unknown>>),
    space,
    resume: input.resume ?? true,
    algorithm,
    seed: input.seed ?? null,
    leaseSeconds: lease,
    maxTrials,
    maxRetries,
    pruner: input.pruner === undefined || input.pruner === null ? null : parsePruner(input.pruner),
    objectives: input.objectives === undefined || input.objectives === null ? null : parseObjectives(input.objectives),
    constraints: input.constraints === undefined || input.constraints === null ? null : parseConstraints(input.constraints),
    worker: parseWorkerName(who.worker),
    instance: optionalName('instance', who.instance, MAX_ID),
    requestId: parseRequestId(who.requestId),
  };
}

/** {@link parseExperimentRequest} for a request that must give its parameters (BAD_USER_INPUT on `experiment.parameters` otherwise). */
export function parseExperimentInput(input: ExperimentInputArgs, who: WorkerArgs = {}): SuggestInput {
  const request = parseExperimentRequest(input, who);
  if (request.parameters === null || request.space === null) {
    throw badInput('experiment.parameters', 'experiment.parameters is required: parameter name to spec, e.g. {"x": {"min": -10, "max": 10}}');
  }
  return { ...request, parameters: request.parameters, space: request.space };
}
