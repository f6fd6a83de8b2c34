import { describe, expect, it } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { hi, setup, twoProviderCatalog } from './helpers.js';

describe('router.plan()', () => {
  it('lists candidates in strategy order with headroom, key counts and circuit state, without calling anything', async () => {
    const { router, a, b, usage } = setup({
      catalog: twoProviderCatalog({
        aKeys: [{ id: 'a1', secret: 's', rpm: 10 }],
        bKeys: [{ id: 'b1', secret: 's' }],
      }),
    });
    await router.complete({ model: 'a/model-a', messages: hi });
    const plan = await router.plan('coding');
    expect(plan).toEqual([
      {
        providerId: 'b',
        modelId: 'model-b',
        priority: 1,
        weight: 1,
        headroom: 1,
        usableKeys: 1,
        totalKeys: 1,
        inFlight: 0,
        circuit: 'closed',
      },
      {
        providerId: 'a',
        modelId: 'model-a',
        priority: 0,
        weight: 1,
        headroom: 0.9,
        usableKeys: 1,
        totalKeys: 1,
        inFlight: 0,
        circuit: 'closed',
      },
    ]);
    expect(a.calls.length + b.calls.length).toBe(1);
    expect(usage).toHaveLength(1);
    expect(router.stats().keys.find((k) => k.keyId === 'a1')?.requestsInWindow).toBe(1);
  });

  it('cooling: every key of the pool rate limited, with retryAfterMs', async () => {
    const { router } = setup({
      a: {
        script: [
          { error: { status: 429, retryAfterMs: 5_000 } },
          { error: { status: 429, retryAfterMs: 8_000 } },
        ],
      },
    });
    await router.complete({ model: 'coding', messages: hi });
    const plan = await router.plan('coding');
    expect(plan.map((c) => c.providerId)).toEqual(['b', 'a']); // a has headroom 0 now
    expect(plan[1]).toMatchObject({ providerId: 'a', skip: 'cooling', retryAfterMs: 5_000, usableKeys: 0 });
    expect(plan[0]!.skip).toBeUndefined();
  });

  it('quarantined: every key answered 401', async () => {
    const { router } = setup({ a: { script: [{ error: { status: 401 } }, { error: { status: 403 } }] } });
    await router.complete({ model: 'coding', messages: hi });
    const plan = await router.plan('coding');
    expect(plan.find((c) => c.providerId === 'a')).toMatchObject({
      skip: 'quarantined',
      retryAfterMs: 900_000,
    });
  });

  it('exhausted: the pool spent its rpm; it returns when the window slides', async () => {
    const { router, clock } = setup({
      catalog: twoProviderCatalog({ aKeys: [{ id: 'a1', secret: 's', rpm: 2 }] }),
    });
    await router.complete({ model: 'a/model-a', messages: hi });
    await router.complete({ model: 'a/model-a', messages: hi });
    expect((await router.plan('coding')).find((c) => c.providerId === 'a')).toMatchObject({
      skip: 'exhausted',
      headroom: 0,
    });
    clock.advance(62_000); // a minute, plus the window's bucket granularity
    expect((await router.plan('coding')).find((c) => c.providerId === 'a')?.skip).toBeUndefined();
  });

  it('exhausted while another key cools: back when the first of them returns, and it does', async () => {
    const { router, a, clock } = setup({
      catalog: twoProviderCatalog({
        strategy: 'priority',
        aKeys: [
          { id: 'a1', secret: 's', rpm: 2 },
          { id: 'a2', secret: 's', rpm: 2 },
        ],
      }),
      a: { script: [{ error: { status: 429, retryAfterMs: 5_000 } }] },
    });
    await router.complete({ model: 'a/model-a', messages: hi }); // a1: 429, cools 5 s; a2 serves
    await router.complete({ model: 'a/model-a', messages: hi }); // a2 has spent its rpm
    const planned = (await router.plan('coding')).find((c) => c.providerId === 'a')!;
    // a2's window frees in a minute; a1, with a request left, is back in 5 s: that is when a returns.
    expect(planned).toMatchObject({ skip: 'exhausted', usableKeys: 1, retryAfterMs: 5_000 });
    clock.advance(planned.retryAfterMs!);
    expect((await router.plan('coding')).find((c) => c.providerId === 'a')?.skip).toBeUndefined();
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('a');
    expect(a.calls.at(-1)?.keyId).toBe('a1');
  });

  it('disabled (member) and no_adapter (provider whose adapter is missing)', async () => {
    const catalog: CatalogInput = {
      providers: [
        { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 's' }] },
        { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 's' }] },
        { id: 'x', adapter: 'nowhere', keys: [{ id: 'x1', secret: 's' }] },
      ],
      models: [
        { providerId: 'a', modelId: 'm' },
        { providerId: 'b', modelId: 'm' },
        { providerId: 'x', modelId: 'm' },
      ],
      groups: [
        {
          name: 'g',
          members: [
            { providerId: 'a', modelId: 'm', enabled: false },
            { providerId: 'x', modelId: 'm', priority: 0 },
            { providerId: 'b', modelId: 'm', priority: 1 },
          ],
        },
      ],
    };
    const { router, b } = setup({ catalog });
    const plan = await router.plan('g');
    expect(plan.map((c) => [c.providerId, c.skip])).toEqual([
      ['x', 'no_adapter'],
      ['b', undefined],
      ['a', 'disabled'],
    ]);
    const res = await router.complete({ model: 'g', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(b.calls).toHaveLength(1);
  });

  it('circuit_open, with the time until the half-open probe', async () => {
    const { router, clock } = setup({
      a: { fallback: { error: { status: 500 } } },
      router: {
        circuitBreaker: { failureThreshold: 1, probeIntervalMs: 10_000 },
        defaultStrategy: 'priority',
        random: () => 0, // no jitter: the probe interval in full
      },
    });
    await router.complete({ model: 'coding', messages: hi });
    clock.advance(4_000);
    expect((await router.plan('coding'))[0]).toMatchObject({
      providerId: 'a',
      circuit: 'open',
      skip: 'circuit_open',
      retryAfterMs: 6_000,
    });
    clock.advance(6_000);
    const half = (await router.plan('coding'))[0]!;
    expect(half).toMatchObject({ providerId: 'a', circuit: 'half_open' });
    expect(half.skip).toBeUndefined();
  });

  it('works for direct names and disabled groups (shows, does not refuse)', async () => {
    const catalog = twoProviderCatalog();
    const groups = (catalog.groups ?? []).map((g) => ({ ...g, enabled: false }));
    const { router } = setup({ catalog: { ...catalog, groups } });
    expect((await router.plan('b/model-b')).map((c) => c.providerId)).toEqual(['b']);
    const plan = await router.plan('coding');
    expect(plan.map((c) => c.skip)).toEqual(['disabled', 'disabled']);
  });
});
