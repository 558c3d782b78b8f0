import { EventEmitter, once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { applyConnectionLimits, DEFAULT_CONNECTION_LIMITS } from './request-limits.ts';

const limits = { ...DEFAULT_CONNECTION_LIMITS, connectionsPerAddress: 2 };
let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  if (server) await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

async function listening(): Promise<number> {
  server = createServer((_req, res) => res.end('ok'));
  // Idle connections stay open however slow the machine: the cap, not a keep-alive timeout, must close the third.
  server.keepAliveTimeout = 0;
  applyConnectionLimits(server, limits, false);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Opens a connection from `localAddress` and says whether the server kept it (answers a request) or closed it. */
async function kept(port: number, localAddress: string): Promise<boolean> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  sockets.push(socket);
  socket.on('error', () => undefined); // a reset from the server shows as the close below
  await once(socket, 'connect');
  socket.write('GET / HTTP/1.1\r\nhost: x\r\n\r\n');
  return new Promise((resolve) => {
    socket.once('data', () => resolve(true));
    socket.once('close', () => resolve(false));
  });
}

/** A stand-in for an accepted socket from an address loopback cannot give (other IPv6 networks). */
function fakeSocket(remoteAddress: string): EventEmitter & { remoteAddress: string; destroyed: boolean; destroy(): void } {
  const socket = Object.assign(new EventEmitter(), {
    remoteAddress,
    destroyed: false,
    destroy() {
      socket.destroyed = true;
    },
  });
  return socket;
}

describe('connections per address', () => {
  it('closes a client\'s connection over its cap, keeps other clients\', and gives the place back on close', async () => {
    const port = await listening();
    expect(await kept(port, '127.0.0.1')).toBe(true);
    expect(await kept(port, '127.0.0.1')).toBe(true);
    expect(await kept(port, '127.0.0.1')).toBe(false);
    expect(await kept(port, '127.0.0.2')).toBe(true);
    const first = sockets[0];
    first?.destroy();
    if (first) await once(first, 'close');
    // The server sees the close a moment later; a new connection is kept once it has.
    await expect.poll(() => kept(port, '127.0.0.1'), { timeout: 10_000 }).toBe(true);
  });

  it('counts IPv6 clients by their /64: rotating addresses in one network does not get more places', () => {
    server = createServer();
    applyConnectionLimits(server, limits, false);
    const same = ['2001:db8:1:2::1', '2001:db8:1:2::ffff', '2001:db8:1:2:abcd::9'].map(fakeSocket);
    for (const socket of same) server.emit('connection', socket);
    expect(same.map((socket) => socket.destroyed)).toEqual([false, false, true]);
    const other = fakeSocket('2001:db8:1:3::1');
    server.emit('connection', other);
    expect(other.destroyed).toBe(false);
    same[0]?.emit('close');
    const again = fakeSocket('2001:db8:1:2::77');
    server.emit('connection', again);
    expect(again.destroyed).toBe(false);
  });
});
