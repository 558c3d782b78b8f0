// A GraphQL proxy for tests: passes requests on, answers them itself, or loses the server's answer.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * What the proxy does with one request: pass it on, answer it itself, pass it on and lose the answer, or
 * hold it until a promise settles and then pass it on (a request in flight for as long as a test needs).
 */
export type ProxyAction = 'forward' | 'drop-answer' | { status: number; headers?: Record<string, string>; body: unknown } | { hold: Promise<void> };

/**
 * An HTTP proxy in front of a test server's GraphQL endpoint (`serverUrl`) that records each request's
 * body and lets a test decide, request by request, what happens to it: a client's retries meet a real
 * lost answer.
 */
export async function startGraphqlProxy(serverUrl: string, decide: (body: { query: string; variables: Record<string, unknown> }, index: number) => ProxyAction) {
  const target = new URL(serverUrl);
  const bodies: { query: string; variables: Record<string, unknown> }[] = [];
  const answers: unknown[] = [];
  const proxy: Server = createServer((inbound: IncomingMessage, outbound: ServerResponse) => {
    const chunks: Buffer[] = [];
    inbound.on('data', (chunk: Buffer) => chunks.push(chunk));
    inbound.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = JSON.parse(raw.toString());
      const action = decide(body, bodies.length);
      bodies.push(body);
      if (typeof action === 'object' && 'hold' in action) {
        // Passed on once released, whether or not the client still waits for it.
        void action.hold.then(() => forward('forward'));
        return;
      }
      if (typeof action === 'object') {
        outbound.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
        outbound.end(JSON.stringify(action.body));
        return;
      }
      forward(action);
    });
    const forward = (action: 'forward' | 'drop-answer') => {
      const raw = Buffer.concat(chunks);
      const forwarded = request(
        { host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { ...inbound.headers, host: target.host } },
        (response) => {
          const parts: Buffer[] = [];
          response.on('data', (chunk: Buffer) => parts.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(parts).toString();
            answers.push(JSON.parse(text));
            // The server did the work and answered; the answer never reaches the client.
            if (action === 'drop-answer') return inbound.socket.destroy();
            outbound.writeHead(response.statusCode ?? 502, response.headers);
            outbound.end(text);
          });
        },
      );
      forwarded.end(raw);
    };
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    bodies,
    answers,
    close: () => new Promise<void>((resolve) => proxy.close(() => resolve())),
  };
}

