import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 (random port) in front of a real service (Postgres, Redis), for hostile
 * network tests that must never touch the shared service itself. It can:
 * - `delayReplies(ms)`: hold every server → client chunk for `ms` (order kept per connection);
 * - `loseReplyContaining(text, times)`: the next `times` server → client chunks containing `text`
 *   are swallowed and their connection cut — the server did the work, the client never hears of it;
 * - `cut()`: destroy every relayed connection now; `refuse(true)`: accept and destroy new ones.
 */
export interface TcpProxy {
  readonly port: number;
  /** `target` rewritten to go through the proxy (for URLs such as `postgres://…`, `redis://…`). */
  url(target: string): string;
  delayReplies(ms: number): void;
  loseReplyContaining(text: string, times?: number): void;
  /** How many replies `loseReplyContaining` swallowed so far. */
  readonly lost: number;
  cut(): void;
  refuse(on: boolean): void;
  /** Open relayed connections. */
  readonly connections: number;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  upstream: net.Socket;
  /** Server → client chunks waiting for their delay, written in order. */
  queue: Buffer[];
  draining: boolean;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<Pair>();
  let delayMs = 0;
  let refusing = false;
  let loseText: Buffer | undefined;
  let loseLeft = 0;
  let lost = 0;

  const destroy = (pair: Pair) => {
    pair.client.destroy();
    pair.upstream.destroy();
    pairs.delete(pair);
  };

  const drain = async (pair: Pair) => {
    if (pair.draining) return;
    pair.draining = true;
    while (pair.queue.length > 0) {
      // A real delay is the point of this mode: the reply reaches the client late.
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      const chunk = pair.queue.shift()!;
      if (!pair.client.destroyed) pair.client.write(chunk);
    }
    pair.draining = false;
  };

  const server = net.createServer((client) => {
    if (refusing) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    const pair: Pair = { client, upstream, queue: [], draining: false };
    pairs.add(pair);
    for (const socket of [client, upstream]) {
      socket.on('error', () => destroy(pair)).on('close', () => destroy(pair));
    }
    client.on('data', (chunk: Buffer) => {
      if (!upstream.destroyed) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (loseLeft > 0 && loseText !== undefined && chunk.includes(loseText)) {
        loseLeft -= 1;
        lost += 1;
        destroy(pair);
        return;
      }
      pair.queue.push(chunk);
      void drain(pair);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url(target: string) {
      const u = new URL(target);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    delayReplies(ms: number) {
      delayMs = ms;
    },
    loseReplyContaining(text: string, times = 1) {
      loseText = Buffer.from(text);
      loseLeft = times;
    },
    get lost() {
      return lost;
    },
    cut() {
      for (const pair of [...pairs]) destroy(pair);
    },
    refuse(on: boolean) {
      refusing = on;
    },
    get connections() {
      return pairs.size;
    },
    async close() {
      refusing = true;
      for (const pair of [...pairs]) destroy(pair);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Host and port of a service URL (`postgres://…`, `redis://…`). */
export function hostPort(target: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(target);
  return { host: u.hostname || '127.0.0.1', port: Number(u.port || defaultPort) };
}
