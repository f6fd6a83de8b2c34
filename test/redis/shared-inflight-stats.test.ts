import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter } from '../../src/index.js';
import { redisQuota } from '../../src/redis/index.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { connect, deleteKeys, eventually, REDIS_URL, testPrefix } from './redis-env.js';

const hi = [{ role: 'user' as const, content: 'hi' }];
const catalog = {
  providers: [{ id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'sk-test', maxConcurrent: 4 }] }],
  models: [{ providerId: 'p', modelId: 'm' }],
};

/**
 * Two instances share a key through Redis. B holds a slot while A serves a request (so A's last
 * Redis reply counted B's slot); B then ends its request. A's `stats()` must not keep showing B's
 * slot forever: it follows Redis without A sending any request.
 */
describe.skipIf(!REDIS_URL)('stats() of a shared key follows other instances', () => {
  const prefix = testPrefix('shared-inflight');
  let clients: Redis[];

  beforeAll(() => {
    clients = [connect(), connect()];
  });
  afterAll(async () => {
    await deleteKeys(clients[0]!, prefix);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it("A's inFlight drops to 0 after B releases the last slot", async () => {
    const router = (client: Redis, mock = mockProvider({ name: 'mock' })) =>
      new ModelRouter({
        catalog,
        adapters: { mock },
        quota: redisQuota({ client, prefix, pollIntervalMs: 20 }),
      });
    const holding = mockProvider({ name: 'mock', script: [{ hang: true }] });
    const a = router(clients[0]!);
    const b = router(clients[1]!, holding);
    try {
      const controller = new AbortController();
      const held = b.complete({ model: 'p/m', messages: hi }, { signal: controller.signal });
      await eventually(() => holding.calls.length === 1, 5_000, 'B holding a slot');
      await a.complete({ model: 'p/m', messages: hi });
      expect(a.stats().keys[0]).toMatchObject({ keyId: 'k', inFlight: 1 }); // B's slot, as Redis said

      controller.abort();
      await expect(held).rejects.toMatchObject({ code: 'ABORTED' });
      expect(b.stats().keys[0]).toMatchObject({ inFlight: 0 });
      await eventually(() => a.stats().keys[0]?.inFlight === 0, 5_000, "A's view of B's release");
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
