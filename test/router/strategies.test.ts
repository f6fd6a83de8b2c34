import { describe, expect, it } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import type { Strategy } from '../../src/index.js';
import { expectReleased, hi, rejectsWith, setup, tick } from './helpers.js';

/** Three providers a, b, c (adapters mockA, mockB, mockA), one key each, group "g" in that order. */
function threeCatalog(opts: {
  strategy?: string;
  priorities?: [number, number, number];
  weights?: [number, number, number];
  rpm?: [number?, number?, number?];
}): CatalogInput {
  const p = opts.priorities ?? [0, 1, 2];
  const key = (id: string, rpm: number | undefined) => ({
    id,
    secret: `secret-${id}`,
    ...(rpm ? { rpm } : {}),
  });
  return {
    providers: [
      { id: 'a', adapter: 'mockA', keys: [key('a1', opts.rpm?.[0])] },
      { id: 'b', adapter: 'mockB', keys: [key('b1', opts.rpm?.[1])] },
      { id: 'c', adapter: 'mockA', keys: [key('c1', opts.rpm?.[2])] },
    ],
    models: [
      { providerId: 'a', modelId: 'm' },
      { providerId: 'b', modelId: 'm' },
      { providerId: 'c', modelId: 'm' },
    ],
    groups: [
      {
        name: 'g',
        ...(opts.strategy ? { failoverStrategy: opts.strategy } : {}),
        members: ['a', 'b', 'c'].map((providerId, i) => ({
          providerId,
          modelId: 'm',
          priority: p[i],
          ...(opts.weights ? { weight: opts.weights[i] } : {}),
        })),
      },
    ],
  };
}

const order = async (router: { plan(m: string): Promise<Array<{ providerId: string }>> }, model = 'g') =>
  (await router.plan(model)).map((c) => c.providerId);

/** Spend `n` requests of a provider's rpm by calling its direct model. */
async function spend(router: { complete: Function }, model: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await router.complete({ model, messages: hi });
}

/** Sequence-returning random, for exact weighted orders. */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++ % values.length]!;
};

/** mulberry32: a tiny seeded PRNG. */
function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

describe('quota_aware (default)', () => {
  it('tries the pool with the most headroom first, and follows it as usage moves', async () => {
    const { router, a, b } = setup({ catalog: threeCatalog({ rpm: [10, 10, 10] }) });
    expect(await order(router)).toEqual(['a', 'b', 'c']); // all equal: priority order
    await spend(router, 'a/m', 3); // a: 0.7
    await spend(router, 'b/m', 1); // b: 0.9
    expect(await order(router)).toEqual(['c', 'b', 'a']);
    const res = await router.complete({ model: 'g', messages: hi });
    expect(res.model.providerId).toBe('c'); // c: 0.9 now, ties with b → b's priority wins next
    expect(await order(router)).toEqual(['b', 'c', 'a']);
    expect(a.calls.length + b.calls.length).toBe(5);
    expectReleased(router);
  });

  it('an unlimited pool counts as full headroom', async () => {
    const { router } = setup({ catalog: threeCatalog({ rpm: [10, undefined, 10] }) });
    await spend(router, 'a/m', 1);
    await spend(router, 'b/m', 5);
    await spend(router, 'c/m', 1);
    expect(await order(router)).toEqual(['b', 'a', 'c']);
  });

  it('headroom equal within one percentage point falls back to priority, then catalog order', async () => {
    const { router } = setup({ catalog: threeCatalog({ rpm: [1000, 1000, 1000], priorities: [1, 1, 0] }) });
    await spend(router, 'c/m', 4); // c: 0.996 → rounds to 100 %, like a and b
    expect(await order(router)).toEqual(['c', 'a', 'b']);
    await spend(router, 'c/m', 16); // c: 0.98 → 98 %: now below a and b
    await spend(router, 'a/m', 4); // a: 0.996 ties with b (1.0): catalog order
    expect(await order(router)).toEqual(['a', 'b', 'c']);
  });
});

describe('priority', () => {
  it('lowest priority first whatever the headroom, then catalog order', async () => {
    const { router } = setup({
      catalog: threeCatalog({ strategy: 'priority', priorities: [2, 0, 0], rpm: [10, 10, 10] }),
    });
    await spend(router, 'b/m', 9);
    expect(await order(router)).toEqual(['b', 'c', 'a']);
    expect((await router.complete({ model: 'g', messages: hi })).model.providerId).toBe('b');
  });

  it('skips an exhausted candidate', async () => {
    const { router } = setup({ catalog: threeCatalog({ strategy: 'priority', rpm: [2, 10, 10] }) });
    await spend(router, 'a/m', 2);
    const plan = await router.plan('g');
    expect(plan[0]).toMatchObject({ providerId: 'a', skip: 'exhausted', headroom: 0 });
    expect((await router.complete({ model: 'g', messages: hi })).model.providerId).toBe('b');
  });
});

describe('weighted', () => {
  it('orders by u^(1/weight) with the injected random', async () => {
    const random = sequence(0.5, 0.5, 0.5, /* next request */ 0.9, 0.1, 0.5);
    const { router } = setup({
      catalog: threeCatalog({ strategy: 'weighted', weights: [1, 3, 2] }),
      router: { random },
    });
    // 0.5^(1/1)=0.5, 0.5^(1/3)=0.79, 0.5^(1/2)=0.71
    expect((await router.complete({ model: 'g', messages: hi })).model.providerId).toBe('b');
    // 0.9, 0.1^(1/3)=0.46, 0.5^(1/2)=0.71
    expect((await router.complete({ model: 'g', messages: hi })).model.providerId).toBe('a');
  });

  it('fails over in weighted order, and weight 0 goes last', async () => {
    const { router, a, b } = setup({
      catalog: threeCatalog({ strategy: 'weighted', weights: [0, 1, 1] }),
      // a has weight 0: it draws nothing. Three attempts: no same-candidate retry after the last.
      router: { random: sequence(0.2, 0.7), maxAttempts: 3 },
      a: { fallback: { error: { status: 500 } } },
      b: { fallback: { error: { status: 500 } } },
    });
    const err = await rejectsWith(router.complete({ model: 'g', messages: hi }), 'ALL_CANDIDATES_FAILED');
    expect(err.attempts?.map((x) => x.providerId)).toEqual(['c', 'b', 'a']);
    expect(a.calls.length + b.calls.length).toBe(3);
  });

  it('picks first in proportion to weight (seeded)', async () => {
    const { router } = setup({
      catalog: threeCatalog({ strategy: 'weighted', weights: [1, 3, 0] }),
      router: { random: mulberry32(42) },
    });
    const first = { a: 0, b: 0, c: 0 } as Record<string, number>;
    for (let i = 0; i < 2000; i++) {
      const res = await router.complete({ model: 'g', messages: hi });
      first[res.model.providerId]!++;
    }
    expect(first.c).toBe(0);
    expect(first.b! / 2000).toBeGreaterThan(0.7);
    expect(first.b! / 2000).toBeLessThan(0.8);
    expectReleased(router);
  });
});

describe('round_robin', () => {
  it('rotates the first candidate on every request', async () => {
    const { router } = setup({ catalog: threeCatalog({ strategy: 'round_robin' }) });
    const firsts: string[] = [];
    for (let i = 0; i < 6; i++)
      firsts.push((await router.complete({ model: 'g', messages: hi })).model.providerId);
    expect(firsts).toEqual(['a', 'b', 'c', 'a', 'b', 'c']);
  });

  it('fails over in rotation order', async () => {
    const { router } = setup({
      catalog: threeCatalog({ strategy: 'round_robin' }),
      b: { fallback: { error: { status: 500 } } },
    });
    await router.complete({ model: 'g', messages: hi }); // starts at a
    const res = await router.complete({ model: 'g', messages: hi }); // starts at b, fails over to c
    expect(res.attempts.map((x) => x.providerId)).toEqual(['b', 'c']);
  });

  it('router.plan() shows the next order without advancing the rotation', async () => {
    const { router } = setup({ catalog: threeCatalog({ strategy: 'round_robin' }) });
    await router.complete({ model: 'g', messages: hi });
    expect(await order(router)).toEqual(['b', 'c', 'a']);
    expect(await order(router)).toEqual(['b', 'c', 'a']);
    expect((await router.complete({ model: 'g', messages: hi })).model.providerId).toBe('b');
  });
});

describe('least_busy', () => {
  it('tries the candidate with the fewest attempts in flight first', async () => {
    const { router, a } = setup({
      catalog: threeCatalog({ strategy: 'least_busy' }),
      a: { script: [{ hang: true }] },
    });
    const ac = new AbortController();
    const held = router.complete({ model: 'a/m', messages: hi }, { signal: ac.signal });
    await tick();
    expect(a.calls).toHaveLength(1);
    expect(await order(router)).toEqual(['b', 'c', 'a']);
    const plan = await router.plan('g');
    expect(plan.map((c) => c.inFlight)).toEqual([0, 0, 1]);
    expect((await router.complete({ model: 'g', messages: hi })).model.providerId).toBe('b');
    ac.abort();
    await rejectsWith(held, 'ABORTED');
    expect(await order(router)).toEqual(['a', 'b', 'c']);
    expectReleased(router);
  });
});

describe('lowest_latency', () => {
  it('never-measured first, then lowest moving average of latency', async () => {
    const latency: Record<string, number> = { a: 500, b: 100, c: 900 };
    const s = setup({
      catalog: threeCatalog({ strategy: 'lowest_latency' }),
      a: {
        respond: (call) => {
          s.clock.advance(latency[call.providerId]!);
          return undefined;
        },
      },
      b: {
        respond: (call) => {
          s.clock.advance(latency[call.providerId]!);
          return undefined;
        },
      },
    });
    const { router } = s;
    expect(await order(router)).toEqual(['a', 'b', 'c']); // nothing measured: priority
    expect((await router.complete({ model: 'g', messages: hi })).model.providerId).toBe('a');
    expect(await order(router)).toEqual(['b', 'c', 'a']); // unmeasured ones first
    await router.complete({ model: 'g', messages: hi }); // b: 100
    await router.complete({ model: 'g', messages: hi }); // c: 900
    expect(await order(router)).toEqual(['b', 'a', 'c']);
    const stats = router.stats().candidates;
    expect(stats.find((c) => c.providerId === 'b')?.latencyMs).toBe(100);
  });
});

describe('custom strategies', () => {
  const reverse: Strategy = (candidates) => [...candidates].reverse();

  it('are registered by name and usable as a group failoverStrategy', async () => {
    const { router } = setup({
      catalog: threeCatalog({ strategy: 'reverse' }),
      router: { strategies: { reverse } },
    });
    expect(await order(router)).toEqual(['c', 'b', 'a']);
    expect((await router.complete({ model: 'g', messages: hi })).model.providerId).toBe('c');
  });

  it('may serve as defaultStrategy, and override a built-in name', async () => {
    const { router } = setup({
      catalog: threeCatalog({}),
      router: { strategies: { reverse }, defaultStrategy: 'reverse' },
    });
    expect(await order(router)).toEqual(['c', 'b', 'a']);
    const { router: r2 } = setup({
      catalog: threeCatalog({ strategy: 'priority' }),
      router: { strategies: { priority: reverse } },
    });
    expect(await order(r2)).toEqual(['c', 'b', 'a']);
  });

  it('receives headroom, in-flight counts, latency and the group name; may drop candidates but not invent any', async () => {
    const seen: unknown[] = [];
    const picky: Strategy = (candidates, ctx) => {
      seen.push({
        group: ctx.groupName,
        headroom: candidates.map((c) => ctx.headroom(c)),
        inFlight: candidates.map((c) => ctx.inFlight(c)),
        samples: candidates.map((c) => ctx.latency(c).samples),
      });
      const invented = { providerId: 'x', modelId: 'y', priority: 0, weight: 1, index: 9 };
      return [invented, candidates[1]!];
    };
    const { router, a, b } = setup({
      catalog: threeCatalog({ strategy: 'picky' }),
      // One attempt: the point is which candidates the strategy may return, not same-candidate retries.
      router: { strategies: { picky }, maxAttempts: 1 },
      b: { fallback: { error: { status: 500 } } },
    });
    const err = await rejectsWith(router.complete({ model: 'g', messages: hi }), 'ALL_CANDIDATES_FAILED');
    expect(err.attempts?.map((x) => x.providerId)).toEqual(['b']);
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(1);
    expect(seen[0]).toEqual({ group: 'g', headroom: [1, 1, 1], inFlight: [0, 0, 0], samples: [0, 0, 0] });
  });
});
