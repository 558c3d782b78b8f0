import { graphql } from '$lib/graphql/generated';

/** The signed-in user's API tokens, revoked ones too: read on the server, and again after each change. */
export const ApiTokens = graphql(`
  query ApiTokens {
    apiTokens {
      id
      name
      prefix
      createdAt
      lastUsedAt
      revokedAt
    }
  }
`);

/** What the page's load depends on: `invalidate(API_TOKENS)` reads the tokens again after a change. */
export const API_TOKENS = 'oscar:api-tokens';
