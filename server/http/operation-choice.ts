import { GraphQLError, Kind, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** At most this many of a document's operation names are listed in an error. */
const NAMES_LISTED = 10;

/**
 * Why `operationName` picks no operation of `document`, or null when it picks one: the operation it
 * names is missing, or the document has several and none is named, or it has none (fragments only).
 * Names are quoted as JSON (escaped) and at most {@link NAMES_LISTED} are listed.
 */
export function operationChoiceProblem(document: DocumentNode, operationName: string | null | undefined): string | null {
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  const names = operations.map((operation) => (operation.name ? JSON.stringify(operation.name.value) : 'an unnamed one'));
  const listed = `${names.slice(0, NAMES_LISTED).join(', ')}${names.length > NAMES_LISTED ? `, and ${names.length - NAMES_LISTED} more` : ''}`;
  if (operations.length === 0) return 'the document has no operation to run (only fragments): add a query, mutation or subscription';
  if (operationName !== undefined && operationName !== null) {
    if (operations.some((operation) => operation.name?.value === operationName)) return null;
    return `operationName ${JSON.stringify(operationName.slice(0, 200))} names no operation of the document (it has ${listed})`;
  }
  if (operations.length > 1) return `the document has ${operations.length} operations (${listed}): operationName must say which to run`;
  return null;
}

/**
 * Answers an HTTP request whose `operationName` picks no operation of its document with a 400 that
 * says why (OPERATION_RESOLUTION_FAILURE, as graphql-yoga's own check, whose message is only "Could
 * not determine what operation to execute."). Registered before yoga's check, so it runs first;
 * graphql-ws requests (no `request`) are left to graphql-js, whose messages name the operation.
 */
export function operationChoicePlugin(): Plugin {
  return {
    onParse() {
      return ({ result, context }) => {
        const { request, params } = context as { request?: Request; params?: { operationName?: string | null } };
        if (!request || result instanceof Error || !result) return;
        const problem = operationChoiceProblem(result as DocumentNode, params?.operationName);
        if (problem !== null) {
          throw new GraphQLError(problem, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } });
        }
      };
    },
  };
}
