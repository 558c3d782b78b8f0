import { Kind, type GraphQLError } from 'graphql';

/**
 * What a page's arguments (`first`, `last`, `after`, `before`) got wrong, as BAD_USER_INPUT names it:
 * the argument and a message that does not echo a long cursor; null for any other error. Pothos checks
 * the arguments of a connection (`Experiment.trials`) before its resolver runs and throws its own
 * validation error, which names no field and quotes the whole cursor.
 */
export function connectionArgumentProblem(error: GraphQLError): { readonly field: string; readonly message: string } | null {
  const original = error.originalError ?? error;
  if (original.name !== 'PothosValidationError') return null;
  const argument = /^Argument "(first|last)" (must be a non-negative integer|can only be used .*)$/.exec(original.message);
  if (argument) return { field: argument[1]!, message: `${argument[1]} ${argument[2]}` };
  const together = /^Arguments "(\w+)" and "(\w+)" are not supported at the same time$/.exec(original.message);
  if (together) return { field: together[2]!, message: `${together[2]} cannot be given with ${together[1]}` };
  if (!/cursor|base64/i.test(original.message)) return null;
  const field = cursorArgument(error) ?? 'after';
  return { field, message: `${field} is not a cursor this API gave: pass a page's endCursor (or startCursor, to page back) as it came` };
}

/** Which of `after` and `before` the field the error is about was given (the first found), or null. */
function cursorArgument(error: GraphQLError): string | null {
  for (const node of error.nodes ?? []) {
    if (node.kind !== Kind.FIELD) continue;
    const given = node.arguments?.find((argument) => argument.name.value === 'after' || argument.name.value === 'before');
    if (given) return given.name.value;
  }
  return null;
}
