import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuotaKey } from '../../src/quota/quota-store.js';
import { redisQuota } from '../../src/redis/index.js';
import { hostPort, startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { connect, deleteKeys, eventually, REDIS_URL, testPrefix } from './redis-env.js';

/**
 * Fail-open across an outage: what one instance reserved locally while Redis was unreachable (the
 * proxy cuts and refuses its connections) counts in Redis once it is back, so that the instance never
 * sends more than the key's rpm in a sliding minute.
 */
describe.skipIf(!REDIS_URL)('fail-open does not overshoot rpm across an outage', () => {
  const prefix = testPrefix('outage-carry');
  let proxy: TcpProxy;
  let client: Redis;
  let admin: Redis;

  beforeAll(async () => {
    const { host, port } = hostPort(REDIS_URL!, 6379);
    proxy = await startTcpProxy(host, port);
    client = new Redis({
      host: '127.0.0.1',
      port: proxy.port,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 20,
    });
    client.on('error', () => {});
    admin = connect();
  });
  afterAll(async () => {
    client.disconnect();
    await proxy.close();
    await deleteKeys(admin, prefix);
    await admin.quit();
  });

  it('rpm 20: 20 served locally during the outage, none more from Redis in the same minute', async () => {
    const key: QuotaKey = { providerId: 'p', keyId: 'k', rpm: 20 };
    const quota = redisQuota({ client, prefix, commandTimeoutMs: 200, outageRetryMs: 50, onError: () => {} });
    const reserve = async () => {
      const result = await quota.reserve({ keys: [key], tokens: 10 });
      if (result.ok) await quota.settle(result.lease, { tokens: 7 });
      return result.ok;
    };
    try {
      expect(await reserve()).toBe(true); // one through Redis before the outage
      proxy.refuse(true);
      proxy.cut();
      await eventually(() => client.status !== 'ready', 5_000, 'the client to see the outage');
      let local = 0;
      for (let i = 0; i < 25; i++) if (await reserve()) local += 1;
      // What Redis counted before the outage is taken off the local limit: 1 + 19.
      expect(local).toBe(19);

      proxy.refuse(false);
      let fromRedis = 0;
      const hash = `${prefix}{p}:k`;
      await eventually(
        async () => {
          if (await reserve()) fromRedis += 1;
          return client.status === 'ready' && Number(await admin.hget(hash, 'req')) >= 20;
        },
        5_000,
        'the outage counted in Redis',
      );
      expect(fromRedis).toBe(0);
      expect(Number(await admin.hget(hash, 'req'))).toBe(20);
      expect(Number(await admin.hget(hash, 'tok'))).toBe(20 * 7);
      const refused = await quota.reserve({ keys: [key], tokens: 10 });
      expect(refused).toMatchObject({ ok: false, blocked: [{ reason: 'rpm' }] });
      // What the router sees (headroom, stats): the 20, not 20 in Redis plus the 19 counted here too.
      expect(quota.view(key)).toMatchObject({ requestsInWindow: 20, tokensInWindow: 20 * 7, inFlight: 0 });
      expect(quota.accounting()).toMatchObject({ outstanding: 0, doubleReleases: 0 });
    } finally {
      proxy.refuse(false);
      await quota.close();
    }
  });

  it('a slot this instance holds in Redis still counts while it serves from the local fallback', async () => {
    const key: QuotaKey = { providerId: 'p', keyId: 'slots', maxConcurrent: 1 };
    const quota = redisQuota({ client, prefix, commandTimeoutMs: 200, outageRetryMs: 50, onError: () => {} });
    try {
      const held = await quota.reserve({ keys: [key], tokens: 0 });
      if (!held.ok) throw new Error('expected a lease from Redis');
      proxy.refuse(true);
      proxy.cut();
      await eventually(() => client.status !== 'ready', 5_000, 'the client to see the outage');
      expect(await quota.reserve({ keys: [key], tokens: 0 })).toMatchObject({
        ok: false,
        blocked: [{ reason: 'concurrency' }],
      });
      await quota.settle(held.lease); // Redis unreachable: released locally, and the slot is free here
      const local = await quota.reserve({ keys: [key], tokens: 0 });
      expect(local.ok).toBe(true);
      if (local.ok) await quota.settle(local.lease);
      expect(quota.accounting()).toMatchObject({ outstanding: 0, doubleReleases: 0 });
    } finally {
      proxy.refuse(false);
      await quota.close();
    }
  });
});
