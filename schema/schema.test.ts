import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../scripts/print-schema.ts';

describe('the committed SDL', () => {
  it('matches the Pothos schema (run `npm run schema` after changing it)', () => {
    const committed = readFileSync(new URL('./schema.graphql', import.meta.url), 'utf8');
    expect(committed).toBe(printedSchema());
  });
});
