import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter, type RouterError } from '../../src/index.js';
import { redisQuota } from '../../src/redis/index.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { hostPort, startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { connect, deleteKeys, eventually, REDIS_URL, testPrefix } from './redis-env.js';

const hi = [{ role: 'user' as const, content: 'hi' }];

/**
 * A Redis latency spike: the reserve script runs in Redis, but its reply reaches the client after
 * `commandTimeoutMs` (a proxy delays every reply). The router fell back to a local lease; the slot the
 * script took in Redis must not stay taken until its lease expires (a minute), or every instance
 * queues on a key that nobody uses.
 */
describe.skipIf(!REDIS_URL)('a reserve whose reply came too late', () => {
  const prefix = testPrefix('late-reserve');
  let proxy: TcpProxy;
  let client: Redis;
  let admin: Redis;

  beforeAll(async () => {
    const { host, port } = hostPort(REDIS_URL!, 6379);
    proxy = await startTcpProxy(host, port);
    client = new Redis({ host: '127.0.0.1', port: proxy.port, maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    admin = connect();
  });
  afterAll(async () => {
    client.disconnect();
    await proxy.close();
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  it('maxConcurrent 4, four slow replies: the slots come back at once, no QUEUE_TIMEOUT afterwards', async () => {
    const errors: RouterError[] = [];
    const quota = redisQuota({
      client,
      prefix,
      commandTimeoutMs: 100,
      outageRetryMs: 50,
      onError: (e) => errors.push(e),
    });
    // Calls 1–4 (after the warm-up) hang until their callers give up; the others answer.
    const mock = mockProvider({
      name: 'mock',
      respond: (_call, index) => (index >= 1 && index <= 4 ? { hang: true } : undefined),
      fallback: { text: 'ok', delayMs: 30 },
    });
    const router = new ModelRouter({
      catalog: {
        providers: [{ id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'sk-test', maxConcurrent: 4 }] }],
        models: [{ providerId: 'p', modelId: 'm' }],
      },
      adapters: { mock },
      quota,
      timeouts: { queueWaitMs: 300 },
    });
    const leases = `${prefix}{p}:k:l`;
    try {
      // Warm: the scripts are loaded, the key exists in Redis.
      await router.complete({ model: 'p/m', messages: hi });

      proxy.delayReplies(400);
      const callers = Array.from({ length: 4 }, () => new AbortController());
      const slow = callers.map((c) =>
        router
          .complete({ model: 'p/m', messages: hi }, { signal: c.signal })
          .catch((e: RouterError) => e.code),
      );
      // Served from the local fallback meanwhile: the four calls reach the provider.
      await eventually(() => mock.calls.length === 5, 5_000, 'four calls on local leases');
      expect(errors.length).toBeGreaterThan(0);
      proxy.delayReplies(0);
      // The four scripts did run in Redis: while the requests they stand for run, the slots stay taken
      // (the other instances must count them) …
      expect(await admin.zcard(leases)).toBe(4);
      for (const c of callers) c.abort();
      expect(await Promise.all(slow)).toEqual(['ABORTED', 'ABORTED', 'ABORTED', 'ABORTED']);
      // … and once they end, the slots are released without waiting for the lease TTL.
      await eventually(async () => (await admin.zcard(leases)) === 0, 5_000, 'the orphaned slots released');

      // Back on Redis: four at a time fit again, on this instance and any other.
      const before = Number(await admin.hget(`${prefix}{p}:k`, 'req'));
      await eventually(
        async () => {
          await router.complete({ model: 'p/m', messages: hi });
          return Number(await admin.hget(`${prefix}{p}:k`, 'req')) > before;
        },
        5_000,
        'requests reserving in Redis again',
      );
      const again = await Promise.allSettled(
        Array.from({ length: 4 }, () => router.complete({ model: 'p/m', messages: hi })),
      );
      expect(again.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as RouterError).code))).toEqual([
        'ok',
        'ok',
        'ok',
        'ok',
      ]);
      expect(router.stats().leases).toMatchObject({ outstanding: 0, doubleReleases: 0 });
    } finally {
      proxy.delayReplies(0);
      await router.close();
    }
  });
});
