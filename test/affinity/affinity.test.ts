import { describe, expect, it } from 'vitest';
import { type TenantPrincipal, memoryQuota } from '../../src/index.js';
import { expectReleased, hi, rejectsWith, setup, twoProviderCatalog } from '../router/helpers.js';

const limited = () =>
  twoProviderCatalog({
    aKeys: [
      { id: 'a1', secret: 'secret-a1', rpm: 100 },
      { id: 'a2', secret: 'secret-a2', rpm: 100 },
    ],
    bKeys: [{ id: 'b1', secret: 'secret-b1', rpm: 200 }],
  });

/** A principal as `router.authenticateKey()` returns it, for tenant `id`. */
const principal = (id: string): TenantPrincipal => {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    tenant: { id, name: id, enabled: true, createdAt: at, updatedAt: at },
    key: { id: `${id}-key`, tenantId: id, preview: 'mr-…', createdAt: at, updatedAt: at },
  };
};

const served = (m: { calls: Array<{ providerId: string; keyId: string }> }) =>
  m.calls.map((c) => `${c.providerId}/${c.keyId}`);

describe('prompt-cache affinity', () => {
  it('keeps a session on the candidate and key that served it, where quota_aware alone would move it', async () => {
    const { router, a, b } = setup({ catalog: limited() });
    // Without an affinity key, quota_aware follows headroom: the requests spread over a and b.
    for (let i = 0; i < 4; i++) await router.complete({ model: 'coding', messages: hi });
    expect(a.calls.length).toBeGreaterThan(0);
    expect(b.calls.length).toBeGreaterThan(0);
    a.reset();
    b.reset();
    for (let i = 0; i < 6; i++) await router.complete({ model: 'coding', messages: hi, affinityKey: 's1' });
    const all = [...served(a), ...served(b)];
    expect(new Set(all).size).toBe(1);
    expect(all).toHaveLength(6);
    const plan = await router.plan('coding', { request: { messages: hi, affinityKey: 's1' } });
    const [first] = all[0]!.split('/');
    expect(plan[0]).toMatchObject({
      providerId: first,
      affinity: { applied: true, keyId: all[0]!.split('/')[1] },
    });
    expectReleased(router);
  });

  it('spreads new sessions over the keys of a pool instead of filling its first key', async () => {
    const { router, a } = setup({
      catalog: twoProviderCatalog({
        aKeys: [
          { id: 'a1', secret: 'secret-a1', rpm: 100 },
          { id: 'a2', secret: 'secret-a2', rpm: 100 },
        ],
        bKeys: [],
      }),
    });
    for (let s = 0; s < 8; s++)
      await router.complete({ model: 'a/model-a', messages: hi, affinityKey: `s${s}` });
    const perKey = new Map<string, number>();
    for (const c of a.calls) perKey.set(c.keyId, (perKey.get(c.keyId) ?? 0) + 1);
    expect(perKey.get('a1')).toBe(4);
    expect(perKey.get('a2')).toBe(4);
  });

  it('moves the session when its key is cooling, and stays on the new key afterwards', async () => {
    const { router, a, clock } = setup({
      catalog: twoProviderCatalog({ bKeys: [] }),
      a: {
        respond: (call, i) =>
          i === 1 && call.keyId === 'a1' ? { error: { status: 429, retryAfterMs: 10_000 } } : undefined,
      },
    });
    const req = { model: 'a/model-a', messages: hi, affinityKey: 'sess' };
    await router.complete(req);
    expect(served(a)).toEqual(['a/a1']);
    await router.complete(req); // a1 answers 429: a2 serves, the entry moves
    expect(served(a)).toEqual(['a/a1', 'a/a1', 'a/a2']);
    const plan = await router.plan('a/model-a', { request: req });
    expect(plan[0]!.affinity).toEqual({ applied: true, keyId: 'a2' });
    clock.advance(20_000); // a1 is back; the session stays where its cache now is
    await router.complete(req);
    expect(served(a).at(-1)).toBe('a/a2');
  });

  it('plan() says why the entry does not apply: key exhausted, key cooling, circuit open', async () => {
    const { router, a, clock } = setup({
      catalog: twoProviderCatalog({ aKeys: [{ id: 'a1', secret: 'secret-a1', rpm: 1 }] }),
      router: { circuitBreaker: { failureThreshold: 1 } },
    });
    const req = { model: 'coding', messages: hi, affinityKey: 'x' };
    const onA = async () =>
      (await router.plan('coding', { request: req })).find((c) => c.providerId === 'a')!;
    await router.complete(req);
    expect(served(a)).toEqual(['a/a1']);
    expect((await onA()).affinity).toEqual({ applied: false, keyId: 'a1', reason: 'key_exhausted' });

    clock.advance(65_000); // the window frees a1
    expect((await onA()).affinity).toEqual({ applied: true, keyId: 'a1' });
    // A 429 seen on a1 by another session cools it.
    a.push({ error: { status: 429, retryAfterMs: 5_000 } });
    await router.complete({ model: 'coding', messages: hi });
    expect((await onA()).affinity).toEqual({ applied: false, keyId: 'a1', reason: 'key_cooling' });

    clock.advance(6_000); // cooled down; now a 500 opens a's circuit (threshold 1)
    clock.advance(65_000);
    a.push({ error: { status: 500 } });
    await router.complete({ model: 'a/model-a', messages: hi }).catch(() => undefined);
    expect((await onA()).affinity).toEqual({ applied: false, keyId: 'a1', reason: 'circuit_open' });
    expectReleased(router);
  });

  it('an entry expires when idle past the TTL; plan() is a pure read and does not slide it', async () => {
    const { router, clock } = setup({ catalog: limited() });
    const req = { model: 'coding', messages: hi, affinityKey: 'idle' };
    await router.complete(req);
    clock.advance(299_000);
    expect((await router.plan('coding', { request: req }))[0]!.affinity?.applied).toBe(true);
    clock.advance(2_000);
    expect((await router.plan('coding', { request: req }))[0]!.affinity).toEqual({
      applied: false,
      reason: 'no_entry',
    });
  });

  it('keeps entries per tenant: the same key from two tenants pins two sessions, plan() shows each', async () => {
    const { router, a } = setup({
      catalog: twoProviderCatalog({
        aKeys: [
          { id: 'a1', secret: 'secret-a1', rpm: 100 },
          { id: 'a2', secret: 'secret-a2', rpm: 100 },
        ],
        bKeys: [],
      }),
    });
    const req = { model: 'a/model-a', messages: hi, affinityKey: 'same-session-id' };
    const [ta, tb] = [principal('ta'), principal('tb')];
    await router.complete(req, { tenant: ta });
    // Shared, tenant b's request would follow tenant a's entry to a1; its own session spreads to a2.
    await router.complete(req, { tenant: tb });
    await router.complete(req, { tenant: ta });
    await router.complete(req, { tenant: tb });
    expect(served(a)).toEqual(['a/a1', 'a/a2', 'a/a1', 'a/a2']);
    const entry = async (tenantId?: string) =>
      (await router.plan('a/model-a', { request: req, ...(tenantId ? { tenantId } : {}) }))[0]!.affinity;
    expect(await entry('ta')).toEqual({ applied: true, keyId: 'a1' });
    expect(await entry('tb')).toEqual({ applied: true, keyId: 'a2' });
    // Requests without a tenant have entries of their own too.
    expect(await entry()).toEqual({ applied: false, reason: 'no_entry' });
    await expect(router.plan('a/model-a', { request: req, tenantId: 7 as never })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });

  it('turns off with affinity: false', async () => {
    const { router, a, b } = setup({ catalog: limited(), router: { affinity: false } });
    for (let i = 0; i < 4; i++) await router.complete({ model: 'coding', messages: hi, affinityKey: 's1' });
    expect(a.calls.length).toBeGreaterThan(0);
    expect(b.calls.length).toBeGreaterThan(0);
    const plan = await router.plan('coding', { request: { messages: hi, affinityKey: 's1' } });
    expect(plan.every((c) => c.affinity === undefined)).toBe(true);
  });

  it('derives the key from user, metadata.user_id, a long prefix, or a function', async () => {
    const { router } = setup({ catalog: limited() });
    const pinned = async (req: Record<string, unknown>) => {
      const request = { messages: hi, ...req } as never;
      await router.complete({ model: 'coding', ...(request as object) } as never);
      return (await router.plan('coding', { request })).some((c) => c.affinity?.applied === true);
    };
    expect(await pinned({ user: 'u1' })).toBe(true);
    expect(await pinned({ metadata: { user_id: 'u2' } })).toBe(true);
    const system = { role: 'system' as const, content: 'You are a careful coding agent. '.repeat(200) };
    expect(await pinned({ messages: [system, ...hi] })).toBe(true);
    // A short prefix is not cached by providers: no affinity from it.
    expect(await pinned({ messages: [{ role: 'system', content: 'short' }, ...hi] })).toBe(false);
    expect(await pinned({})).toBe(false);

    const custom = setup({
      catalog: limited(),
      router: { affinity: { derive: (r) => r.metadata?.tenant, minPrefixTokens: 0 } },
    });
    const req = { model: 'coding', messages: hi, metadata: { tenant: 't1' } };
    await custom.router.complete(req);
    expect((await custom.router.plan('coding', { request: req })).some((c) => c.affinity?.applied)).toBe(
      true,
    );
    const other = { messages: hi, metadata: { tenant: 't2' } };
    expect(
      (await custom.router.plan('coding', { request: other })).find((c) => c.affinity)?.affinity,
    ).toEqual({
      applied: false,
      reason: 'no_entry',
    });
    // Only user-chosen sources: `user` alone ignores a long prefix.
    const onlyUser = setup({ catalog: limited(), router: { affinity: { derive: ['user'] } } });
    const long = { model: 'coding', messages: [system, ...hi] };
    await onlyUser.router.complete(long);
    expect((await onlyUser.router.plan('coding', { request: long })).some((c) => c.affinity)).toBe(false);
  });

  it('a prefix-derived key stays the same as the conversation grows, and differs between conversations', async () => {
    const { router } = setup({ catalog: limited() });
    const system = { role: 'system' as const, content: 'You are a careful coding agent. '.repeat(200) };
    const first = [system, { role: 'user' as const, content: 'fix the parser' }];
    await router.complete({ model: 'coding', messages: first });
    const later = [
      ...first,
      { role: 'assistant' as const, content: 'Looking at it.' },
      { role: 'user' as const, content: 'and add a test' },
    ];
    const plan = await router.plan('coding', { request: { messages: later } });
    expect(plan.find((c) => c.affinity)?.affinity?.applied).toBe(true);
    const other = [system, { role: 'user' as const, content: 'write the changelog' }];
    expect(
      (await router.plan('coding', { request: { messages: other } })).find((c) => c.affinity)?.affinity,
    ).toEqual({
      applied: false,
      reason: 'no_entry',
    });
  });

  it('slides the TTL on use and honours a configured ttlMs', async () => {
    const { router, clock } = setup({ catalog: limited(), router: { affinity: { ttlMs: 60_000 } } });
    const req = { model: 'coding', messages: hi, affinityKey: 'slide' };
    await router.complete(req);
    for (let i = 0; i < 3; i++) {
      clock.advance(50_000);
      await router.complete(req); // each use pushes the expiry 60 s out
    }
    expect((await router.plan('coding', { request: req }))[0]!.affinity?.applied).toBe(true);
    clock.advance(61_000);
    expect((await router.plan('coding', { request: req }))[0]!.affinity).toEqual({
      applied: false,
      reason: 'no_entry',
    });
  });

  it('keeps at most maxAffinityEntries in memory, dropping the least recently used', async () => {
    const { clock } = setup({ catalog: limited() });
    const quota = memoryQuota({ clock, maxAffinityEntries: 2 });
    const small = setup({ catalog: limited(), router: { quota, clock } });
    for (const s of ['s1', 's2', 's3'])
      await small.router.complete({ model: 'coding', messages: hi, affinityKey: s });
    const state = async (s: string) =>
      (await small.router.plan('coding', { request: { messages: hi, affinityKey: s } })).find(
        (c) => c.affinity,
      )?.affinity;
    expect((await state('s1'))?.reason).toBe('no_entry');
    expect((await state('s2'))?.applied).toBe(true);
    expect((await state('s3'))?.applied).toBe(true);
  });

  it('refuses hostile affinity keys at the boundary', async () => {
    const { router, a } = setup();
    await rejectsWith(router.complete({ model: 'coding', messages: hi, affinityKey: '' }), 'VALIDATION');
    await rejectsWith(
      router.complete({ model: 'coding', messages: hi, affinityKey: 'k'.repeat(1001) }),
      'VALIDATION',
    );
    await rejectsWith(
      router.complete({ model: 'coding', messages: hi, affinityKey: 42 as unknown as string }),
      'VALIDATION',
    );
    expect(a.calls).toHaveLength(0);
    expect(() => setup({ router: { affinity: { ttlMs: -1 } } })).toThrow(/affinity/);
  });
});
