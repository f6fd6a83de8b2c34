import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter } from '../../src/index.js';
import { redisQuota } from '../../src/redis/index.js';
import { type MockProvider, mockProvider } from '../../src/testing/mock-provider.js';
import { connect, deleteKeys, REDIS_URL, testPrefix } from './redis-env.js';

const hi = [{ role: 'user' as const, content: 'hi' }];
const catalog = {
  providers: [
    {
      id: 'p',
      adapter: 'mockP',
      keys: [
        { id: 'p1', secret: 'sk-p1', rpm: 1000 },
        { id: 'p2', secret: 'sk-p2', rpm: 1000 },
      ],
    },
    {
      id: 'q',
      adapter: 'mockQ',
      keys: [
        { id: 'q1', secret: 'sk-q1', rpm: 1000 },
        { id: 'q2', secret: 'sk-q2', rpm: 1000 },
      ],
    },
  ],
  models: [
    { providerId: 'p', modelId: 'm' },
    { providerId: 'q', modelId: 'm' },
  ],
  groups: [
    {
      name: 'chat',
      members: [
        { providerId: 'p', modelId: 'm', priority: 0 },
        { providerId: 'q', modelId: 'm', priority: 0 },
      ],
    },
  ],
};

describe.skipIf(!REDIS_URL)('affinity shared through Redis', () => {
  const prefix = testPrefix('affinity');
  let clients: Redis[];

  beforeAll(() => {
    clients = [connect(), connect()];
  });
  afterAll(async () => {
    await deleteKeys(clients[0]!, prefix);
    await Promise.all(clients.map((c) => c.quit()));
  });

  it('two routers on one Redis keep each session on one candidate and key', async () => {
    const mocks: MockProvider[] = [];
    const router = (client: Redis) => {
      const p = mockProvider({ name: 'mockP' });
      const q = mockProvider({ name: 'mockQ' });
      mocks.push(p, q);
      return new ModelRouter({
        catalog,
        adapters: { mockP: p, mockQ: q },
        quota: redisQuota({ client, prefix }),
      });
    };
    const routers = [router(clients[0]!), router(clients[1]!)];
    try {
      const sessions = Array.from({ length: 12 }, (_, i) => `session-${i}`);
      for (let turn = 0; turn < 6; turn++) {
        for (const [i, s] of sessions.entries()) {
          // Turns of one session alternate between the two instances, as behind a load balancer.
          await routers[(turn + i) % 2]!.complete({ model: 'chat', messages: hi, affinityKey: s });
        }
      }
      const where = new Map<string, Set<string>>();
      for (const m of mocks) {
        for (const c of m.calls) {
          const s = c.request.affinityKey!;
          if (!where.has(s)) where.set(s, new Set());
          where.get(s)!.add(`${c.providerId}/${c.keyId}`);
        }
      }
      expect(where.size).toBe(12);
      for (const [s, keys] of where) expect([...keys], s).toHaveLength(1);
      // Not piled on one key: new sessions took the key with the most room.
      const used = new Set([...where.values()].map((k) => [...k][0]));
      expect(used.size).toBeGreaterThan(1);

      // Stored under the prefix, hash-tagged, with the sliding TTL (5 minutes by default).
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await clients[0]!.scan(cursor, 'MATCH', `${prefix}aff:{*}`, 'COUNT', 500);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      expect(keys.length).toBe(12);
      const ttl = await clients[0]!.pttl(keys[0]!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(300_000);
      // Neither the session name nor anything readable of it is stored: the id is a digest.
      for (const k of keys) expect(k).not.toContain('session');

      // One instance's plan() sees what the other pinned.
      const plan = await routers[1]!.plan('chat', { request: { messages: hi, affinityKey: 'session-0' } });
      expect(plan[0]!.affinity).toMatchObject({ applied: true });
      expect(`${plan[0]!.providerId}/${plan[0]!.affinity!.keyId}`).toBe([...where.get('session-0')!][0]);
    } finally {
      await Promise.all(routers.map((r) => r.close()));
    }
  });
  it('a session pinned through one instance keeps its cache discount on another: cheapest and maxCostUsd', async () => {
    const priced = {
      ...catalog,
      models: [
        {
          providerId: 'p',
          modelId: 'm',
          inputCostPerMTok: 3,
          cacheReadCostPerMTok: 0.3,
          outputCostPerMTok: 15,
        },
        { providerId: 'q', modelId: 'm', inputCostPerMTok: 2, outputCostPerMTok: 15 },
      ],
      groups: [{ ...catalog.groups[0]!, name: 'cheap', failoverStrategy: 'cheapest' }],
    };
    const mocks: MockProvider[] = [];
    const router = (client: Redis, qFailsFirst: boolean) => {
      const p = mockProvider({ name: 'mockP' });
      const q = mockProvider({
        name: 'mockQ',
        ...(qFailsFirst ? { script: [{ error: { status: 503 } }] } : {}),
      });
      mocks.push(p, q);
      return new ModelRouter({
        catalog: priced,
        adapters: { mockP: p, mockQ: q },
        quota: redisQuota({ client, prefix }),
      });
    };
    const routers = [router(clients[0]!, true), router(clients[1]!, false)];
    try {
      // A 10,000-token system prompt: q ($2 in) is cheaper than p ($3 in) at list price.
      const system = { role: 'system' as const, content: 'x'.repeat(40_000) };
      const first = [system, { role: 'user' as const, content: 'fix the parser' }];
      const affinityKey = 'cached-session';
      // Turn 1 on instance 0: q fails, p serves and the session is pinned to p's key.
      await routers[0]!.complete({ model: 'cheap', messages: first, maxTokens: 100, affinityKey });
      const pinnedKey = mocks[0]!.calls[0]!.keyId;
      // Turn 2 on instance 1, capped at $0.01: p at list price (≈ $0.032) and q (≈ $0.022) are above
      // it; p with the session's cache read at $0.30 (≈ $0.0045) is not.
      const messages = [
        ...first,
        { role: 'assistant' as const, content: 'Looking at it.' },
        { role: 'user' as const, content: 'and add a test' },
      ];
      const request = { messages, maxTokens: 100, maxCostUsd: 0.01, affinityKey };
      const plan = await routers[1]!.plan('cheap', { request });
      expect(plan[0]).toMatchObject({ providerId: 'p', affinity: { applied: true, keyId: pinnedKey } });
      expect(plan[1]).toMatchObject({ providerId: 'q', skip: 'cost_ceiling' });
      const result = await routers[1]!.complete({ model: 'cheap', ...request });
      expect(result.model.providerId).toBe('p');
      expect(mocks[2]!.calls.map((c) => c.keyId)).toEqual([pinnedKey]);
      expect(mocks[3]!.calls).toHaveLength(0);
    } finally {
      await Promise.all(routers.map((r) => r.close()));
    }
  });
});
