import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.ts';
import { ROOT } from './harness.ts';

describe("the dashboard's generated GraphQL types", () => {
  it('match the committed SDL and the documents in web/src (run `npm run codegen` after changing either)', async () => {
    const files = await generate({ ...config, cwd: ROOT, silent: true, errorsOnly: true }, false);
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      expect(readFileSync(join(ROOT, file.filename), 'utf8'), file.filename).toBe(file.content);
    }
  });
});
