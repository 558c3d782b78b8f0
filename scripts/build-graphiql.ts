// `npm run build`, after the dashboard: GraphiQL's assets as static, precompressed, content-hashed files.
import { GRAPHIQL_DIR, writeGraphiqlAssets } from '../server/http/graphiql.ts';

const started = Date.now();
await writeGraphiqlAssets();
console.log(`GraphiQL assets written to ${GRAPHIQL_DIR} in ${Date.now() - started} ms`);
