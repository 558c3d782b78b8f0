/** Stable codes for expected optimizer failures; the GraphQL layer can expose them as `extensions.code`. */
export type OptimizerErrorCode = 'INVALID_SEARCH_SPACE' | 'INVALID_TRIAL' | 'UNSUPPORTED_SPACE' | 'UNKNOWN_OPTIMIZER';

/** Base of every expected failure in `server/optimizer/`; anything else thrown is a bug. */
export abstract class OptimizerError extends Error {
  /** What went wrong, stable across releases. */
  abstract readonly code: OptimizerErrorCode;
}

/**
 * The optimizer cannot work on this search space (e.g. a GP on a space with only
 * categorical parameters). Not the user's fault: fall back to `random`.
 */
export class UnsupportedSpaceError extends OptimizerError {
  /** @inheritdoc */
  override readonly code = 'UNSUPPORTED_SPACE';
  override readonly name = 'UnsupportedSpaceError';

  /** @param optimizer the optimizer that gave up; @param reason why, in a user's words. */
  constructor(
    readonly optimizer: string,
    reason: string,
  ) {
    super(`optimizer "${optimizer}" does not support this search space: ${reason}`);
  }
}

/**
 * A trial given to an optimizer does not fit the search space (a parameter is
 * missing, of the wrong type, or not one of its choices). The experiment's
 * history is inconsistent with its space; retrying will not help.
 */
export class InvalidTrialError extends OptimizerError {
  /** @inheritdoc */
  override readonly code = 'INVALID_TRIAL';
  override readonly name = 'InvalidTrialError';

  /** @param parameter the parameter at fault; @param problem what is wrong with its value. */
  constructor(
    readonly parameter: string,
    problem: string,
  ) {
    super(`trial parameter ${JSON.stringify(parameter)}: ${problem}`);
  }
}

/** An optimizer name that the registry does not know. */
export class UnknownOptimizerError extends OptimizerError {
  /** @inheritdoc */
  override readonly code = 'UNKNOWN_OPTIMIZER';
  override readonly name = 'UnknownOptimizerError';

  /** @param requested the name asked for; @param known every name the registry accepts. */
  constructor(
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    super(
      `unknown optimizer ${JSON.stringify(requested)}; known optimizers are ${known.map((n) => JSON.stringify(n)).join(', ')}`,
    );
  }
}
