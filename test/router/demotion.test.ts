import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MockStep } from '../../src/testing/mock-provider.js';
import { expectReleased, hi, setup, tick, twoProviderCatalog } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Group "coding" = [a, b] in priority order; a hangs while `state.hang`, b answers at once. */
function hangingPrimary(router: object = {}) {
  vi.useFakeTimers();
  const state = { hang: true };
  const s = setup({
    time: 'fake',
    catalog: twoProviderCatalog({ strategy: 'priority' }),
    a: { respond: (): MockStep => (state.hang ? { hang: true } : { text: 'a ok' }) },
    router: { timeouts: { attemptMs: 1_000, firstChunkMs: 1_000 }, ...router },
  });
  return { ...s, state };
}

describe('a candidate whose attempt timed out is demoted for a while', () => {
  it('the requests that follow go to the healthy member first: only the first pays the timeout', async () => {
    const { router, a, b } = hangingPrimary();
    const first = router.complete({ model: 'coding', messages: hi });
    await vi.advanceTimersByTimeAsync(1_000);
    expect((await first).model.providerId).toBe('b');
    expect(a.calls).toHaveLength(1);
    for (let i = 0; i < 3; i++) {
      const settled = vi.fn();
      const p = router.complete({ model: 'coding', messages: hi });
      p.then(settled, settled);
      await tick();
      expect(settled).toHaveBeenCalledTimes(1); // served without waiting on a
      expect((await p).model.providerId).toBe('b');
    }
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(4);
    // plan() shows the order the router uses now.
    expect((await router.plan('coding')).map((c) => c.providerId)).toEqual(['b', 'a']);
    expectReleased(router);
  });

  it('concurrent requests already in the air are not held back by a later demotion, new ones are', async () => {
    const { router, a } = hangingPrimary();
    const early = [1, 2].map(() => router.complete({ model: 'coding', messages: hi }));
    await tick();
    expect(a.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000);
    for (const p of early) expect((await p).model.providerId).toBe('b');
    const late = router.complete({ model: 'coding', messages: hi });
    await tick();
    expect((await late).model.providerId).toBe('b');
    expect(a.calls).toHaveLength(2);
  });

  it('after demoteAfterTimeoutMs the candidate is first again', async () => {
    const { router, a, state } = hangingPrimary({ circuitBreaker: { demoteAfterTimeoutMs: 5_000 } });
    const first = router.complete({ model: 'coding', messages: hi });
    await vi.advanceTimersByTimeAsync(1_000);
    await first;
    state.hang = false;
    await vi.advanceTimersByTimeAsync(4_999); // demoted at the timeout, for 5 s
    expect((await router.complete({ model: 'coding', messages: hi })).model.providerId).toBe('b');
    await vi.advanceTimersByTimeAsync(1);
    expect((await router.complete({ model: 'coding', messages: hi })).model.providerId).toBe('a');
    expect(a.calls).toHaveLength(2);
  });

  it('a stream with no first chunk within firstChunkMs demotes the same way', async () => {
    const { router, a } = hangingPrimary();
    const run = async () => {
      const stream = router.stream({ model: 'coding', messages: hi });
      const done = (async () => {
        for await (const _ of stream);
      })();
      await vi.advanceTimersByTimeAsync(1_000);
      await done;
      return (await stream.result).model.providerId;
    };
    expect(await run()).toBe('b');
    expect(await run()).toBe('b');
    expect(a.calls).toHaveLength(1);
  });

  it('demoteAfterTimeoutMs 0 turns it off: each request waits on the primary again', async () => {
    const { router, a } = hangingPrimary({ circuitBreaker: { demoteAfterTimeoutMs: 0 } });
    for (let i = 0; i < 2; i++) {
      const p = router.complete({ model: 'coding', messages: hi });
      await vi.advanceTimersByTimeAsync(1_000);
      expect((await p).model.providerId).toBe('b');
    }
    expect(a.calls).toHaveLength(2);
  });

  it('a demoted candidate that is the only one left is still tried', async () => {
    vi.useFakeTimers();
    let hang = true;
    const { router, a } = setup({
      time: 'fake',
      catalog: twoProviderCatalog({ strategy: 'priority' }),
      a: { respond: (): MockStep => (hang ? { hang: true } : { text: 'a ok' }) },
      b: { fallback: { error: { status: 400 } } }, // b cannot serve this request at all
      router: { timeouts: { attemptMs: 1_000 } },
    });
    const first = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(1_000);
    hang = false;
    await vi.advanceTimersByTimeAsync(1_000); // the same-candidate retry serves
    expect((await first).model.providerId).toBe('a');
    // The direct model has one candidate: demoted or not, it serves.
    expect((await router.complete({ model: 'a/model-a', messages: hi })).model.providerId).toBe('a');
    expect(a.calls).toHaveLength(3);
  });

  it('a success lifts the demotion at once', async () => {
    const { router, a, state } = hangingPrimary();
    const first = router.complete({ model: 'coding', messages: hi });
    await vi.advanceTimersByTimeAsync(1_000);
    await first;
    state.hang = false;
    // A direct request to a (its only candidate) succeeds: a is healthy again.
    await router.complete({ model: 'a/model-a', messages: hi });
    expect((await router.complete({ model: 'coding', messages: hi })).model.providerId).toBe('a');
    expect(a.calls).toHaveLength(3);
  });
});
