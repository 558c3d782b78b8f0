import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * GraphQL Code Generator: typed documents for the dashboard, read from the committed SDL
 * (`npm run schema` prints it). Run with `npm run codegen`.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['web/src/**/*.{ts,svelte}', '!web/src/lib/graphql/generated/**'],
  ignoreNoDocuments: true,
  generates: {
    'web/src/lib/graphql/generated/': {
      preset: 'client',
      config: {
        scalars: { JSON: 'unknown', DateTime: 'string' },
        defaultScalarType: 'unknown',
        useTypeImports: true,
        enumsAsTypes: true,
      },
    },
  },
};

export default config;
