import type { CodegenConfig } from '@graphql-codegen/cli';

/** How the committed SDL's scalars and enums appear in TypeScript, for every target. */
const typescript = {
  scalars: { JSON: 'unknown', DateTime: 'string' },
  defaultScalarType: 'unknown',
  useTypeImports: true,
  enumsAsTypes: true,
} as const;

/**
 * GraphQL Code Generator: typed documents for the dashboard and for the TypeScript client, read from
 * the committed SDL (`npm run schema` prints it). Run with `npm run codegen`.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: true,
  generates: {
    'web/src/lib/graphql/generated/': {
      documents: ['web/src/**/*.{ts,svelte}', '!web/src/lib/graphql/generated/**'],
      preset: 'client',
      config: typescript,
    },
    // The client sends its documents as strings (no GraphQL parser at run time, in Node or a browser).
    'clients/ts/src/generated/': {
      documents: ['clients/ts/src/**/*.ts', '!clients/ts/src/generated/**'],
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: { ...typescript, documentMode: 'string', importExtension: '.js' },
    },
  },
};

export default config;
