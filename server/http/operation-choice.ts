import { GraphQLError, Kind, type DocumentNode } from 'graphql';
import type { Plugin, YogaInitialContext } from 'graphql-yoga';

/** At most this many of a document's operation names are listed in an error. */
const NAMES_LISTED = 10;
/** A name in an error is cut to this many characters. */
const NAME_SHOWN = 100;

/** A name as JSON (escaped), cut to {@link NAME_SHOWN} characters. */
function quoted(name: string): string {
  return name.length > NAME_SHOWN ? `${JSON.stringify(name.slice(0, NAME_SHOWN))}...` : JSON.stringify(name);
}

/**
 * Why `operationName` picks no operation of `document`, or null when it picks one: the operation it
 * names is missing, or the document has several and none is named, or it has none (fragments only).
 * Names are quoted as JSON (escaped) and cut, and at most {@link NAMES_LISTED} are listed.
 */
export function operationChoiceProblem(document: DocumentNode, operationName: string | null | undefined): string | null {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const listed = () => {
    const names = operations.slice(0, NAMES_LISTED).map((operation) => (operation.name ? quoted(operation.name.value) : 'an unnamed one'));
    return `${names.join(', ')}${operations.length > NAMES_LISTED ? `, and ${operations.length - NAMES_LISTED} more` : ''}`;
  };
  if (operations.length === 0) return 'the document has no operation to run (only fragments): add a query, mutation or subscription';
  if (operationName !== undefined && operationName !== null) {
    if (operations.some((operation) => operation.name?.value === operationName)) return null;
    return `operationName ${quoted(operationName)} names no operation of the document (it has ${listed()})`;
  }
  if (operations.length > 1) return `the document has ${operations.length} operations (${listed()}): operationName must say which to run`;
  return null;
}

/**
 * Answers an HTTP request whose `operationName` picks no operation of its document with a 400 that
 * says why (OPERATION_RESOLUTION_FAILURE, as graphql-yoga's own check, whose message is only "Could
 * not determine what operation to execute."). Registered before yoga's check, so it runs first;
 * graphql-ws requests (no `request`) are left to graphql-js, whose messages name the operation.
 */
export function operationChoicePlugin(): Plugin<YogaInitialContext> {
  return {
    onParse() {
      return ({ result, context }) => {
        // graphql-ws's context has no `request` (and `params` may be missing, as yoga's own check allows).
        const { request, params } = context as Partial<YogaInitialContext>;
        if (!request || result instanceof Error || !result) return;
        const operationName: unknown = params?.operationName;
        if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') {
          throw new GraphQLError('operationName must be a string (the name of an operation of the document) or absent', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
        const problem = operationChoiceProblem(result as DocumentNode, params?.operationName);
        if (problem !== null) {
          throw new GraphQLError(problem, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
        }
      };
    },
  };
}
