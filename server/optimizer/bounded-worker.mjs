// Worker thread for bounded.test.ts: runs one property check (TypeScript, loaded through tsx) and reports.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { runProperty } = await import('./bounded-properties.ts');
try {
  parentPort.postMessage({ ok: true, stats: runProperty(workerData) });
} catch (error) {
  // fast-check puts the counterexample in the message and the property's own error in `cause`.
  const cause = error instanceof Error && error.cause instanceof Error ? `\n${error.cause.message}` : '';
  parentPort.postMessage({ ok: false, message: `${error instanceof Error ? error.message : String(error)}${cause}` });
}
