// What the client needs from where it runs (Node, a browser, or another runtime with fetch), found
// without importing anything a bundler would have to resolve for the browser.

/** The parts of Node's `process` the client reads, when there is one. */
interface NodeProcess {
  readonly env?: Record<string, string | undefined>;
  readonly versions?: { readonly node?: string };
  getBuiltinModule?(id: 'node:os'): { hostname(): string } | undefined;
}

const nodeProcess = (globalThis as { process?: NodeProcess }).process;

/** Whether this is Node.js (or a runtime that says it is). */
export const IS_NODE = typeof nodeProcess?.versions?.node === 'string';

/** An environment variable, in Node; undefined elsewhere or when empty. */
export function environmentVariable(name: string): string | undefined {
  const value = nodeProcess?.env?.[name];
  return value ? value : undefined;
}

/** `bytes` random bytes as hex, from Web Crypto (there in Node 20 and in every browser, secure context or not). */
export function randomHex(bytes = 16): string {
  const values = globalThis.crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(values, (value) => value.toString(16).padStart(2, '0')).join('');
}

/** The host name in Node; a name kept in localStorage in a browser, so that a reloaded page is the same worker. */
function machineName(): string {
  try {
    const hostname = nodeProcess?.getBuiltinModule?.('node:os')?.hostname();
    if (hostname) return hostname;
  } catch {
    // getBuiltinModule is missing or refused: fall through.
  }
  const fromEnvironment = environmentVariable('HOSTNAME') ?? environmentVariable('COMPUTERNAME');
  if (fromEnvironment) return fromEnvironment;
  const key = 'oscar-worker';
  try {
    const storage = (globalThis as { localStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void } }).localStorage;
    if (storage) {
      const kept = storage.getItem(key);
      if (kept) return kept;
      const made = `browser-${randomHex(4)}`;
      storage.setItem(key, made);
      return made;
    }
  } catch {
    // Storage is blocked (a sandboxed frame, private mode): a name for this page only.
  }
  return `${IS_NODE ? 'node' : 'browser'}-${randomHex(4)}`;
}

let clientsCreated = 0;

/**
 * The worker name of a new client: `worker`, else `OSCAR_WORKER`, else the machine's name; the second
 * and later clients created in one process get `-2`, `-3` ... (as the Python client does), so that
 * clients sharing an experiment are told apart and a restarted process gets the same names back.
 */
export function defaultWorker(worker: string | undefined): string {
  clientsCreated += 1;
  if (worker) return worker;
  const base = environmentVariable('OSCAR_WORKER') ?? machineName();
  return clientsCreated === 1 ? base : `${base}-${clientsCreated}`;
}

/** A WebSocket constructor as graphql-ws uses it. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

/**
 * The WebSocket implementation: the one given, else the global one (browsers, Deno, Bun, Node 22+),
 * else the `ws` package (Node 20), imported only then and hidden from bundlers.
 */
export async function webSocketImplementation(given: WebSocketConstructor | undefined): Promise<WebSocketConstructor> {
  if (given) return given;
  const global = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (global) return global;
  const name = 'ws';
  const module = (await import(/* @vite-ignore */ /* webpackIgnore: true */ name)) as { default?: WebSocketConstructor; WebSocket?: WebSocketConstructor };
  const implementation = module.WebSocket ?? module.default;
  if (!implementation) throw new Error('the ws package has no WebSocket export');
  return implementation;
}

/** Resolves after `ms`, or rejects with `signal`'s reason when it is aborted first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Lets Node exit while only this timer is pending (a no-op in browsers). */
export function unref(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}
