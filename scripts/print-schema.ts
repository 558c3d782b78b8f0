// Writes the printed SDL of the Pothos schema to schema/schema.graphql (what codegen and clients read).
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from '../schema/index.ts';

/** The SDL as committed (the builder sorts it), with a trailing newline. */
export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  writeFileSync(new URL('../schema/schema.graphql', import.meta.url), printedSchema());
  console.log('wrote schema/schema.graphql');
}
