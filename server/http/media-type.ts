import type { Plugin } from 'graphql-yoga';

/**
 * Answers a POST whose body no request parser reads (a `Content-Type` such as `text/plain`) with
 * 415 and a JSON error carrying `extensions.code` UNSUPPORTED_MEDIA_TYPE: graphql-yoga answers it
 * with an empty body. Registered after yoga's parsers, so it sees whether one of them took the request.
 */
export function unsupportedMediaTypePlugin(): Plugin {
  return {
    onRequestParse({ request, requestParser, endResponse, fetchAPI }) {
      if (request.method !== 'POST' || requestParser !== undefined) return;
      const type = request.headers.get('content-type');
      const message =
        `A POST to the GraphQL API must be application/json (or application/graphql, multipart/form-data, application/x-www-form-urlencoded), ` +
        `but its Content-Type is ${type === null ? 'missing' : JSON.stringify(type.slice(0, 100))}`;
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' } }] }), {
          status: 415,
          headers: { 'content-type': 'application/json; charset=utf-8' },
        }),
      );
    },
  };
}
