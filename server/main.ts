import { buildApp } from './app.ts';
import { readConfig } from './config.ts';
import { prisma, tuneDatabase } from './db.ts';
import { applyMigrations } from './db/migrate.ts';
import { loadDashboard } from './dashboard.ts';
import { clientAddress, internalSecret } from './http/client-address.ts';

/** After SIGTERM or SIGINT, in-flight requests get this long; the process is gone within SHUTDOWN_LIMIT_MS. */
const SHUTDOWN_GRACE_MS = 7_000;
const SHUTDOWN_LIMIT_MS = 10_000;

const config = readConfig();
const applied = await applyMigrations(config.databaseUrl);
if (applied.length) console.log(`Applied ${applied.length} database migration(s): ${applied.join(', ')}`);
await tuneDatabase();

const policy = { trustProxy: config.trustProxy, internalSecret: internalSecret() };
const dashboard = await loadDashboard({ trustProxy: config.trustProxy, clientAddress: (req) => clientAddress(req, policy) });
const app = buildApp({
  dashboard,
  rateLimitPerMinute: config.rateLimitPerMinute,
  trustProxy: config.trustProxy,
  connectionLimits: config.connectionLimits,
});
const port = await app.start(config.port, config.host);
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
      .then(() => prisma.$disconnect())
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error('Shutdown failed:', error);
          process.exit(1);
        },
      );
  });
}
