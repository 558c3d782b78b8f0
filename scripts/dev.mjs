// `npm run dev`: the API server (port 4000, restarted on change) and the dashboard's Vite dev server
// (port 5173, hot reload; it proxies /graphql, WebSockets included, /api and /healthz to the API) side by side.
// Ctrl-C stops both; if either one exits, the other is stopped too.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// The dashboard's server-side API calls vouch for the browser's address with a secret both processes share.
const internal = { OSCAR_INTERNAL_SECRET: process.env.OSCAR_INTERNAL_SECRET || randomBytes(32).toString('base64url') };
const color = process.stdout.isTTY ? { FORCE_COLOR: '1' } : {};

/** The two processes: name, command line, working directory and extra environment. */
const services = [
  {
    name: 'api',
    args: ['--import', 'tsx', '--watch', 'server/main.ts'],
    cwd: root,
    env: { PORT: '4000' },
  },
  {
    name: 'web',
    // SvelteKit reads its config from the working directory, so Vite runs inside web/.
    args: [fileURLToPath(new URL('../node_modules/vite/bin/vite.js', import.meta.url)), 'dev', '--port', '5173', '--strictPort'],
    cwd: fileURLToPath(new URL('../web/', import.meta.url)),
    env: {},
  },
];

const width = Math.max(...services.map((s) => s.name.length));
let stopping = false;
let exitCode = 0;

const children = services.map(({ name, args, cwd, env }) => {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, ...color, ...internal, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${name.padEnd(width)}] `;
  createInterface({ input: child.stdout }).on('line', (line) => process.stdout.write(prefix + line + '\n'));
  createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(prefix + line + '\n'));
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${prefix}exited (${signal ?? `code ${code}`}); stopping the other`);
      exitCode = code ?? 1;
      stop('SIGTERM');
    }
    if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  });
  return child;
});

/** Sends `signal` to every child still running. */
function stop(signal) {
  stopping = true;
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) {
      // A second Ctrl-C: do not wait any longer.
      stop('SIGKILL');
      process.exit(130);
    }
    stop(signal);
  });
}
