import { buildApp } from './app.ts';
import { readConfig } from './config.ts';
import { tuneDatabase } from './db.ts';
import { applyMigrations } from './db/migrate.ts';
import { loadDashboard } from './dashboard.ts';

const config = readConfig();
const applied = await applyMigrations(config.databaseUrl);
if (applied.length) console.log(`Applied ${applied.length} database migration(s): ${applied.join(', ')}`);
await tuneDatabase();

const app = buildApp(await loadDashboard(), { rateLimitPerMinute: config.rateLimitPerMinute });
const port = await app.start(config.port, config.host);
console.log(`Oscar listening on http://${config.host}:${port}/graphql`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.stop().then(() => process.exit(0));
  });
}
