import { ModelRouter, type ProviderAdapter, RouterError } from 'model-router';
import { redisQuota } from 'model-router/redis';
import { Cluster } from 'ioredis';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCluster, masterOf, startCluster, waitForFailover, waitReplicated } from './cluster.js';

/*
 * The shared quota on Redis Cluster: 3 masters and 3 replicas started here on free 127.0.0.1 ports
 * (redis-server --cluster-enabled yes + redis-cli --cluster create), two router instances with their
 * own ioredis `Cluster` clients, then the master that holds the provider's slot killed by PID
 * mid-run: its replica is promoted, limits still hold, every lease comes back.
 */

const RPM = 24;
const MAX_CONCURRENT = 2;

/** A provider that records when each call started and how many ran at once. */
function countingProvider() {
  const starts: number[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const adapter: ProviderAdapter = {
    name: 'counting',
    async complete() {
      starts.push(Date.now());
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await new Promise((r) => setTimeout(r, 5));
        return { message: { role: 'assistant', content: 'ok' }, finishReason: { unified: 'stop' } };
      } finally {
        inFlight--;
      }
    },
    async stream() {
      throw new Error('not used');
    },
  };
  return { adapter, starts, maxInFlight: () => maxInFlight };
}

/** Most calls that started within any 60-second window. */
function busiestMinute(starts: number[]): number {
  const s = [...starts].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < s.length; i++) {
    while (s[i]! - s[j]! >= 60_000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

const haveRedisServer = (() => {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    console.warn('[model-router] redis-server is not installed: the Redis Cluster test is SKIPPED');
    return false;
  }
})();

describe.skipIf(!haveRedisServer)(
  'redisQuota on Redis Cluster (3 masters, 3 replicas, a master killed mid-run)',
  () => {
    let cluster: LocalCluster;
    const clients: Cluster[] = [];
    const routers: ModelRouter[] = [];
    const provider = countingProvider();
    const prefix = `mr-cluster:${Date.now().toString(36)}:`;

    beforeAll(async () => {
      cluster = await startCluster(3);
      for (let i = 0; i < 2; i++) {
        const client = new Cluster([{ host: '127.0.0.1', port: cluster.ports[i]! }], {
          clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
          redisOptions: { maxRetriesPerRequest: 2 },
        });
        clients.push(client);
        routers.push(
          new ModelRouter({
            catalog: {
              providers: [
                {
                  id: 'p',
                  adapter: 'counting',
                  keys: [{ id: 'k1', secret: 'sk-x', rpm: RPM, maxConcurrent: MAX_CONCURRENT }],
                },
              ],
              models: [{ providerId: 'p', modelId: 'm' }],
            },
            adapters: { counting: provider.adapter },
            // Refuse rather than count locally while the slot has no master: the limit must hold across the failover.
            quota: redisQuota({ client, prefix, onStoreError: 'fail-closed', commandTimeoutMs: 1000 }),
            timeouts: { queueWaitMs: 2_000 },
          }),
        );
      }
    }, 60_000);

    afterAll(async () => {
      for (const r of routers) await r.close().catch(() => {});
      for (const c of clients) c.disconnect();
      await cluster?.stop();
    });

    const send = (n: number) =>
      Promise.allSettled(
        Array.from({ length: n }, (_, i) =>
          routers[i % 2]!.complete({ model: 'p/m', messages: [{ role: 'user', content: 'hi' }] }),
        ),
      );
    const codes = (results: PromiseSettledResult<unknown>[]) =>
      results.map((r) =>
        r.status === 'fulfilled' ? 'ok' : RouterError.isInstance(r.reason) ? r.reason.code : 'other',
      );

    it('two instances share one key: rpm and concurrency hold across the cluster', async () => {
      const first = codes(await send(16));
      expect(first.filter((c) => c === 'ok')).toHaveLength(16);
      expect(provider.maxInFlight()).toBeLessThanOrEqual(MAX_CONCURRENT);
      expect(busiestMinute(provider.starts)).toBeLessThanOrEqual(RPM);
    });

    it('the master of the provider’s slot is killed: its replica takes over, limits still hold, nothing stays held', async () => {
      const tag = `${prefix}{p}:k1`;
      const master = await masterOf(cluster.ports[0]!, tag);
      // Redis replicates asynchronously: a failover loses writes its replica had not received. Once the
      // replica acknowledged them, the window survives the master's death.
      expect(await waitReplicated(master)).toBe(1);
      cluster.kill(master);
      // Requests during the failover are refused (fail-closed) or served; none overshoots.
      const during = codes(await send(6));
      for (const c of during)
        expect(['ok', 'STORAGE_ERROR', 'QUOTA_EXHAUSTED', 'QUEUE_TIMEOUT']).toContain(c);
      const promoted = await waitForFailover(cluster.ports, master, tag);
      expect(promoted).not.toBe(master);

      // After the promotion the window goes on where it was: the minute's remaining requests and no more.
      const after = codes(await send(20));
      expect(after.filter((c) => c === 'ok').length).toBeGreaterThan(0);
      expect(after.filter((c) => c === 'QUOTA_EXHAUSTED').length).toBeGreaterThan(0);
      expect(busiestMinute(provider.starts)).toBeLessThanOrEqual(RPM);
      expect(provider.maxInFlight()).toBeLessThanOrEqual(MAX_CONCURRENT);

      // Every slot is back: no lease outstanding on either instance, none left in the cluster.
      for (const r of routers) {
        const s = r.stats();
        expect(s.inFlight).toBe(0);
        expect(s.leases?.outstanding ?? 0).toBe(0);
      }
      const leases = await clients[0]!.zcard(`${tag}:l`);
      expect(leases).toBe(0);
    }, 90_000);
  },
);
