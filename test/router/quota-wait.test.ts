import { afterEach, describe, expect, it, vi } from 'vitest';
import { memoryQuota } from '../../src/index.js';
import type { MockStep } from '../../src/testing/mock-provider.js';
import { expectReleased, hi, oneProviderCatalog, rejectsWith, setup, tick } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** Direct model "a/model-a", one key; the router and the store read the fake timers' clock. */
function direct(opts: { key?: object; script?: MockStep[]; router?: object; windowMs?: number } = {}) {
  vi.useFakeTimers();
  const clock = { now: () => Date.now() };
  return setup({
    time: 'fake',
    catalog: oneProviderCatalog([{ id: 'a1', secret: 's', ...opts.key }]),
    a: { script: opts.script ?? [] },
    router: {
      quota: memoryQuota({ clock, ...(opts.windowMs ? { windowMs: opts.windowMs } : {}) }),
      ...opts.router,
    },
  });
}

/** Cool key a1: one request meets the scripted 429 and fails (`maxAttempts: 1`). */
async function coolKey(router: ReturnType<typeof direct>['router']): Promise<void> {
  await rejectsWith(router.complete({ model: 'a/model-a', messages: hi }), 'ALL_CANDIDATES_FAILED');
}

describe('waiting for a cooldown or a rate window (within queueWaitMs)', () => {
  it('a key cooling for less than queueWaitMs: the request waits for it, then is served', async () => {
    const { router, a } = direct({
      script: [{ error: { status: 429, retryAfterMs: 3_000 } }],
      router: { maxAttempts: 1 },
    });
    await coolKey(router); // maxAttempts 1: that one fails and cools the key for 3 s
    expect(router.stats().keys[0]!.coolingUntil).toBe(Date.now() + 3_000);
    const settled = vi.fn();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    p.then(settled, settled);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(settled).not.toHaveBeenCalled();
    expect(router.stats().queued).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect((await p).message.content).toBe('ok');
    expect(a.calls).toHaveLength(2);
    expectReleased(router);
  });

  it('a 429 on the only key during the request: waits out its Retry-After and retries', async () => {
    const { router, a, usage } = direct({ script: [{ error: { status: 429, retryAfterMs: 2_000 } }] });
    const start = Date.now();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(2_000);
    const res = await p;
    expect(res.attempts.map((x) => x.httpStatus ?? x.status)).toEqual([429, 'success']);
    expect(usage.map((r) => r.status)).toEqual(['error', 'success']);
    expect(Date.now() - start).toBe(2_000);
    expect(a.calls).toHaveLength(2);
    expectReleased(router);
  });

  it('a cooldown longer than queueWaitMs fails at once with QUOTA_EXHAUSTED and retryAfterMs', async () => {
    const { router, a } = direct({
      script: [{ error: { status: 429, retryAfterMs: 10_001 } }],
      router: { maxAttempts: 1, timeouts: { queueWaitMs: 10_000 } },
    });
    await coolKey(router);
    const settled = vi.fn();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    p.then(settled, settled);
    await tick();
    expect(settled).toHaveBeenCalledTimes(1);
    const err = await rejectsWith(p, 'QUOTA_EXHAUSTED');
    expect(err.retryAfterMs).toBe(10_001);
    expect(err.attempts).toEqual([]);
    expect(a.calls).toHaveLength(1);
    expectReleased(router);
  });

  it('exactly queueWaitMs is still waited for', async () => {
    const { router } = direct({
      script: [{ error: { status: 429, retryAfterMs: 10_000 } }],
      router: { maxAttempts: 1, timeouts: { queueWaitMs: 10_000 } },
    });
    await coolKey(router);
    const p = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(10_000);
    expect((await p).message.content).toBe('ok');
  });

  it('a cooldown that ends after the deadline (totalMs) is not waited for', async () => {
    const { router } = direct({
      script: [{ error: { status: 429, retryAfterMs: 5_000 } }],
      router: { maxAttempts: 1, timeouts: { totalMs: 4_000 } },
    });
    await coolKey(router);
    const settled = vi.fn();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    p.then(settled, settled);
    await tick();
    expect(settled).toHaveBeenCalledTimes(1);
    expect((await rejectsWith(p, 'QUOTA_EXHAUSTED')).retryAfterMs).toBe(5_000);
  });

  it('a full rpm window that frees a slot within queueWaitMs is waited for; a later one is not', async () => {
    // A 6-s window (buckets of 100 ms): the slot of a request comes back 6–6.2 s after it.
    const { router, a } = direct({ key: { rpm: 1 }, windowMs: 6_000 });
    await router.complete({ model: 'a/model-a', messages: hi });
    const p = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(6_300);
    expect((await p).message.content).toBe('ok');
    expect(a.calls).toHaveLength(2);

    const { router: r2 } = direct({
      key: { rpm: 1 },
      windowMs: 6_000,
      router: { timeouts: { queueWaitMs: 5_000 } },
    });
    await r2.complete({ model: 'a/model-a', messages: hi });
    const settled = vi.fn();
    const p2 = r2.complete({ model: 'a/model-a', messages: hi });
    p2.then(settled, settled);
    await tick();
    expect(settled).toHaveBeenCalledTimes(1);
    const err = await rejectsWith(p2, 'QUOTA_EXHAUSTED');
    expect(err.retryAfterMs).toBeGreaterThan(5_000);
    expect(err.message).toMatch(/a\/model-a rpm window full until .*Z \(frees in 6(\.\d)? s\)/);
    expectReleased(r2);
  });

  it('an abort while waiting ends the request at once with ABORTED; nothing is left waiting', async () => {
    const { router, a } = direct({
      script: [{ error: { status: 429, retryAfterMs: 5_000 } }],
      router: { maxAttempts: 1 },
    });
    await coolKey(router);
    const controller = new AbortController();
    const p = router.complete({ model: 'a/model-a', messages: hi }, { signal: controller.signal });
    p.catch(() => {});
    await vi.advanceTimersByTimeAsync(1_000);
    expect(router.stats().queued).toBe(1);
    controller.abort();
    await rejectsWith(p, 'ABORTED');
    expect(router.stats().queued).toBe(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(a.calls).toHaveLength(1);
    expectReleased(router);
  });

  it('queueWaitMs bounds all waits of a request together', async () => {
    // Each wait is short, but the cooldowns keep coming: the request stops at queueWaitMs.
    const { router, a } = direct({
      script: Array.from({ length: 10 }, () => ({ error: { status: 429, retryAfterMs: 2_000 } })),
      router: { maxAttempts: 10, timeouts: { queueWaitMs: 5_000 } },
    });
    const start = Date.now();
    let settledAt = 0;
    const p = router.complete({ model: 'a/model-a', messages: hi });
    p.catch(() => (settledAt = Date.now() - start));
    await vi.advanceTimersByTimeAsync(20_000);
    const err = await rejectsWith(p, 'ALL_CANDIDATES_FAILED');
    expect(err.retryAfterMs).toBe(2_000);
    // 429 at 0, 2 s and 4 s; the next cooldown would end at 6 s, past the 5-s bound: fail at 4 s.
    expect(a.calls).toHaveLength(3);
    expect(settledAt).toBe(4_000);
    expectReleased(router);
  });
});
