// `npm start`: one Oscar process (a replica, when several share PostgreSQL and Redis).
import { schema } from '../schema/index.ts';
import { readConfig } from './config.ts';
import { applyMigrations } from './db/migrate.ts';
import { buildApp } from './http/app.ts';
import { clientAddress, internalSecret } from './http/client-address.ts';
import { loadDashboard } from './http/dashboard.ts';
import { suggestTimeoutMs } from './optimizer/pool/compute-pool.ts';
import { createRuntime } from './runtime/runtime.ts';

/** After SIGTERM or SIGINT, in-flight requests get this long; the process is gone within SHUTDOWN_LIMIT_MS. */
const SHUTDOWN_GRACE_MS = 7_000;
const SHUTDOWN_LIMIT_MS = 10_000;

const config = readConfig();
const applied = await applyMigrations(config.databaseUrl);
if (applied.length) console.log(`Applied ${applied.length} database migration(s): ${applied.join(', ')}`);

const runtime = await createRuntime({
  databaseUrl: config.databaseUrl,
  redisUrl: config.redisUrl,
  redisPrefix: config.redisPrefix,
  rateLimitPerMinute: config.rateLimitPerMinute,
  eventBytesPerSecond: config.eventBytesPerSecond,
  suggestTimeoutMs: suggestTimeoutMs(),
});
const policy = { trustProxy: config.trustProxy, internalSecret: internalSecret() };
const dashboard = await loadDashboard({ trustProxy: config.trustProxy, clientAddress: (req) => clientAddress(req, policy) });
const app = buildApp({ runtime, schema, dashboard, policy, connectionLimits: config.connectionLimits });
const port = await app.start(config.port, config.host).catch(async (error: NodeJS.ErrnoException) => {
  // A port taken (often an Oscar still running) or not ours to take: one line saying what to do, not a stack.
  const why: Record<string, string> = {
    EADDRINUSE: `port ${config.port} on ${config.host} is already in use (another Oscar still running?): stop it, or set PORT to another port`,
    EACCES: `this user may not listen on port ${config.port} of ${config.host}${config.port > 0 && config.port < 1024 ? ': set PORT to a port above 1023' : ''}`,
    EADDRNOTAVAIL: `HOST ${config.host} is not an address of this machine: set HOST to one that is (127.0.0.1 by default)`,
  };
  if (error.code === undefined || why[error.code] === undefined) throw error;
  console.error(`Oscar cannot start: ${why[error.code]}`);
  // Its connections closed if that is quick; the exit does not wait on a database or Redis that hangs.
  await Promise.race([runtime.close().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 2000).unref())]);
  process.exit(1);
});
runtime.start();
console.log(`Oscar listening on http://${config.host}:${port}/graphql`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.log(`${signal}: finishing in-flight requests (at most ${SHUTDOWN_GRACE_MS / 1000} s), then stopping`);
    setTimeout(() => {
      console.error(`Shutdown took over ${SHUTDOWN_LIMIT_MS / 1000} s: exiting anyway`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    void app
      .stop(SHUTDOWN_GRACE_MS)
      .then(() => runtime.close())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('Shutdown failed:', error);
          process.exit(1);
        },
      );
  });
}
