import type { WebSocket, WebSocketServer } from 'ws';
import { map, pipe } from 'graphql-yoga';
import { userError } from './errors.ts';
import { prisma } from './db.ts';
import type { Viewer } from './auth.ts';

/** Whether the token or dashboard session behind a viewer is still valid (not revoked, not signed out). */
export async function viewerIsValid(viewer: Viewer): Promise<boolean> {
  if (viewer.tokenId) {
    return (await prisma.apiToken.count({ where: { id: viewer.tokenId, revokedAt: null } })) > 0;
  }
  if (viewer.sessionId) {
    return (await prisma.session.count({ where: { id: viewer.sessionId, expiresAt: { gt: new Date() } } })) > 0;
  }
  return true;
}

/** Passes a subscription's events on while its viewer's token or session stays valid; ends it with UNAUTHENTICATED after. */
export function whileValid<T>(viewer: Viewer, events: AsyncIterable<T>): AsyncIterable<T> {
  return pipe(
    events,
    map(async (event: T) => {
      if (await viewerIsValid(viewer)) return event;
      throw userError('UNAUTHENTICATED', 'The token or session of this subscription has been revoked');
    }),
  );
}

/** WebSocket close code for a connection whose credentials were revoked. */
export const REVOKED_CLOSE_CODE = 4403;

/**
 * Closes open graphql-ws connections whose token or session has been revoked (also by another process,
 * such as `oscar token revoke`), checking every `intervalMs`. Returns a stop function.
 */
export function startRevocationSweeper(
  wss: WebSocketServer,
  viewerOf: (socket: WebSocket) => Viewer | null | undefined,
  intervalMs = 1000,
): () => void {
  let running = false;
  const sweep = async () => {
    const sockets = [...wss.clients].map((socket) => ({ socket, viewer: viewerOf(socket) }));
    const tokenIds = [...new Set(sockets.flatMap(({ viewer }) => (viewer?.tokenId ? [viewer.tokenId] : [])))];
    const sessionIds = [...new Set(sockets.flatMap(({ viewer }) => (viewer?.sessionId ? [viewer.sessionId] : [])))];
    if (!tokenIds.length && !sessionIds.length) return;
    const [tokens, sessions] = await Promise.all([
      prisma.apiToken.findMany({ where: { id: { in: tokenIds }, revokedAt: null }, select: { id: true } }),
      prisma.session.findMany({ where: { id: { in: sessionIds }, expiresAt: { gt: new Date() } }, select: { id: true } }),
    ]);
    const valid = new Set([...tokens, ...sessions].map((row) => row.id));
    for (const { socket, viewer } of sockets) {
      const credential = viewer?.tokenId ?? viewer?.sessionId;
      if (credential && !valid.has(credential)) socket.close(REVOKED_CLOSE_CODE, 'Forbidden: credentials revoked');
    }
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sweep()
      .catch((error: unknown) => console.error('revocation sweep failed:', error))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
