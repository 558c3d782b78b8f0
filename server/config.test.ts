import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE_URL, readConfig } from './config.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('readConfig', () => {
  it("defaults to the project's data/oscar.db, wherever the process was started", () => {
    expect(readConfig({}).databaseUrl).toBe(`file:${join(ROOT, 'data', 'oscar.db')}`);
    // Read again by a process started in another directory (as `npx oscar token create` from a subfolder).
    const elsewhere = mkdtempSync(join(tmpdir(), 'oscar-config-'));
    try {
      const tsx = join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs');
      const script = `import(${JSON.stringify(join(ROOT, 'server', 'config.ts'))}).then((m) => process.stdout.write(m.readConfig({}).databaseUrl))`;
      const read = spawnSync(process.execPath, ['--import', tsx, '--input-type=module', '-e', script], { cwd: elsewhere, encoding: 'utf8' });
      expect(read.stderr).toBe('');
      expect(read.stdout).toBe(DEFAULT_DATABASE_URL);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('keeps an explicit DATABASE_URL as given, a relative one too', () => {
    expect(readConfig({ DATABASE_URL: 'file:./elsewhere.db' }).databaseUrl).toBe('file:./elsewhere.db');
    expect(readConfig({ DATABASE_URL: 'postgresql://oscar@db:5432/oscar' }).databaseUrl).toBe('postgresql://oscar@db:5432/oscar');
  });
});
