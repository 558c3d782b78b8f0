import type { IncomingMessage, Server, ServerOptions, ServerResponse } from 'node:http';
import { decrementCount } from '../counter-map.ts';
import { addressGroup } from './client-address.ts';

/** Largest request body accepted (the API's, and the dashboard's forms). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Limits on connections and on request bodies waiting to arrive, so slow or idle clients cannot exhaust memory. */
export interface ConnectionLimits {
  /** Open TCP connections, all clients together (OSCAR_MAX_CONNECTIONS); more are refused by the kernel's accept. */
  readonly maxConnections: number;
  /** Open TCP connections from one client address (not applied behind a trusted proxy, where the proxy limits). */
  readonly connectionsPerAddress: number;
  /** Declared bytes of request bodies still arriving, all clients together. */
  readonly bodyBytesInFlight: number;
  /** The same, per client address. */
  readonly bodyBytesInFlightPerAddress: number;
  /** Milliseconds for a request's headers to arrive. */
  readonly headersTimeoutMs: number;
  /** Milliseconds for a whole request (headers and body) to arrive. */
  readonly requestTimeoutMs: number;
}

/** Defaults: 4,096 connections, 256 per address; 64 MiB of bodies in flight, 8 MiB per address; 15 s for headers, 30 s for a request. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 4096,
  connectionsPerAddress: 256,
  bodyBytesInFlight: 64 * 1024 * 1024,
  bodyBytesInFlightPerAddress: 8 * 1024 * 1024,
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
};

/** Server options that enforce the limits: timeouts are checked every second (Node checks every 30 s by default). */
export function serverOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs / 2),
    // Longer than clients' idle keep-alive, so a reused connection is never closed under a request.
    keepAliveTimeout: 65_000,
  };
}

/**
 * Applies the connection caps to a server: all clients together, and, unless a trusted proxy makes
 * every client look alike, each client address (an IPv6 client by its /64), so one client cannot take
 * every place.
 */
export function applyConnectionLimits(server: Server, limits: ConnectionLimits, trustProxy: boolean): void {
  server.maxConnections = limits.maxConnections;
  if (trustProxy) return;
  const open = new Map<string, number>();
  server.on('connection', (socket) => {
    const address = addressGroup(socket.remoteAddress ?? 'unknown');
    const count = (open.get(address) ?? 0) + 1;
    if (count > limits.connectionsPerAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count);
    socket.once('close', () => decrementCount(open, address));
  });
}

/**
 * A body over the limit but at most this large is refused at once and then read and dropped on the
 * open connection: closing it while the client still sent its body broke the upload (EPIPE) before the
 * client read the answer. A larger one is refused and its connection closed.
 */
const DRAINED_OVERSIZE_BYTES = 16 * 1024 * 1024;

/** Bodies this small are admitted outside the in-flight budgets: slow large bodies cannot starve ordinary API calls. */
const SMALL_BODY_BYTES = 64 * 1024;

function refuse(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}, close = true): false {
  res.writeHead(status, { 'content-type': 'application/json', ...(close ? { connection: 'close' } : {}), ...headers });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
  return false;
}

/**
 * Admits API request bodies: each must declare its length (411 LENGTH_REQUIRED), at most
 * {@link MAX_BODY_BYTES} (413 PAYLOAD_TOO_LARGE), and, when over 64 KiB, fit in what is left of the
 * in-flight budgets (503 SERVER_BUSY with Retry-After), whose bytes are given back when the body is in.
 * A body refused with 503, or with 413 up to 16 MiB, is read and dropped on the open connection, so the
 * client reads the answer before the connection ends.
 */
export class BodyAdmission {
  private total = 0;
  private readonly byAddress = new Map<string, number>();

  constructor(private readonly limits: ConnectionLimits) {}

  /** Bytes of admitted bodies still in flight. */
  get inFlight(): number {
    return this.total;
  }

  /** True when the request may go on; otherwise it has been answered (and drained). */
  admit(req: IncomingMessage, res: ServerResponse, address: string): boolean {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return true;
    const declared = req.headers['content-length'];
    if (declared === undefined) {
      req.resume();
      return refuse(res, 411, 'LENGTH_REQUIRED', 'Requests with a body must declare Content-Length');
    }
    const bytes = Number(declared);
    if (!(bytes <= MAX_BODY_BYTES)) {
      req.resume();
      const drained = bytes <= DRAINED_OVERSIZE_BYTES;
      return refuse(res, 413, 'PAYLOAD_TOO_LARGE', `Request body of ${declared} bytes is over the limit of ${MAX_BODY_BYTES} bytes`, {}, !drained);
    }
    if (bytes <= SMALL_BODY_BYTES) return true;
    const mine = this.byAddress.get(address) ?? 0;
    if (this.total + bytes > this.limits.bodyBytesInFlight || mine + bytes > this.limits.bodyBytesInFlightPerAddress) {
      // Read and dropped on the open connection, as a drained oversize body: closing it while the client
      // still sends would reset the connection, often before the client has read the answer.
      req.resume();
      return refuse(res, 503, 'SERVER_BUSY', 'Too many request bodies are still arriving; retry shortly', { 'retry-after': '2' }, false);
    }
    this.total += bytes;
    this.byAddress.set(address, mine + bytes);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.total -= bytes;
      const left = (this.byAddress.get(address) ?? bytes) - bytes;
      if (left > 0) this.byAddress.set(address, left);
      else this.byAddress.delete(address);
    };
    // Released once the body is in (or the request is abandoned): what it costs from then on is the handler's.
    req.once('end', release);
    req.once('close', release);
    return true;
  }
}
