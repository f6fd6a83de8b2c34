import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { expectReleased, hi, rejectsWith, setup, tick } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/** a: one key with one slot; b: unlimited. Group "coding" = [a, b] in priority order. */
const busyCatalog = (): CatalogInput => ({
  providers: [
    { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 's', maxConcurrent: 1 }] },
    { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 's' }] },
  ],
  models: [
    { providerId: 'a', modelId: 'model-a' },
    { providerId: 'b', modelId: 'model-b' },
  ],
  groups: [
    {
      name: 'coding',
      failoverStrategy: 'priority',
      members: [
        { providerId: 'a', modelId: 'model-a', priority: 0 },
        { providerId: 'b', modelId: 'model-b', priority: 1 },
      ],
    },
  ],
});

describe('waiting for a concurrency slot', () => {
  it('a request that may not make another attempt (maxAttempts) does not wait for a slot', async () => {
    vi.useFakeTimers();
    const { router, a, b } = setup({
      time: 'fake',
      catalog: busyCatalog(),
      a: { script: [{ text: 'held', delayMs: 1_000 }] },
      b: { fallback: { error: { status: 500 } } },
      router: { maxAttempts: 1 },
    });
    const holder = router.complete({ model: 'a/model-a', messages: hi });
    await tick();
    // a is busy → set aside; b fails; maxAttempts is spent: nothing is left to wait for.
    const settled = vi.fn();
    const p = router.complete({ model: 'coding', messages: hi });
    p.then(settled, settled);
    await tick();
    expect(settled).toHaveBeenCalledTimes(1);
    const err = await rejectsWith(p, 'ALL_CANDIDATES_FAILED');
    expect(err.details.reason).toBe('max_attempts');
    expect(router.stats().queued).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    await holder;
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
    expectReleased(router);
  });

  it('a request whose retry budget is spent does not wait for a slot', async () => {
    vi.useFakeTimers();
    const { router } = setup({
      time: 'fake',
      catalog: busyCatalog(),
      a: { script: [{ text: 'held', delayMs: 1_000 }] },
      b: { fallback: { error: { status: 500 } } },
      router: { retryBudget: { ratio: 0, minPerSecond: 0 } },
    });
    const holder = router.complete({ model: 'a/model-a', messages: hi });
    await tick();
    const settled = vi.fn();
    const p = router.complete({ model: 'coding', messages: hi });
    p.then(settled, settled);
    await tick();
    expect(settled).toHaveBeenCalledTimes(1);
    expect((await rejectsWith(p, 'ALL_CANDIDATES_FAILED')).details.reason).toBe('retry_budget');
    await vi.advanceTimersByTimeAsync(1_000);
    await holder;
    expectReleased(router);
  });

  it('a freed slot is not lost to a waiter that cannot use it: the next waiter gets it', async () => {
    vi.useFakeTimers();
    const { router, a } = setup({
      time: 'fake',
      catalog: busyCatalog(),
      a: { script: [{ text: 'held', delayMs: 1_000 }] },
      b: { fallback: { error: { status: 500 } } },
      router: { maxAttempts: 1, timeouts: { queueWaitMs: 5_000 } },
    });
    const holder = router.complete({ model: 'a/model-a', messages: hi });
    await tick();
    const spent = router.complete({ model: 'coding', messages: hi }).catch((e: unknown) => e);
    await tick();
    const waiter = router.complete({ model: 'a/model-a', messages: hi });
    const served = vi.fn();
    waiter.then(served, () => {});
    await tick();
    expect(router.stats().queued).toBe(1);
    await vi.advanceTimersByTimeAsync(1_000); // the holder ends and frees a1
    await holder;
    await tick();
    expect(served).toHaveBeenCalledTimes(1); // at once, not after queueWaitMs
    expect((await waiter).message.content).toBe('ok');
    await spent;
    expect(a.calls).toHaveLength(2);
    expectReleased(router);
  });

  // BUG (not fixed here): a waiter woken for a freed slot that then cannot use it (here its retry
  // budget was spent by another request while it waited) does not pass the wake-up on: the next
  // waiter of that key sleeps until queueWaitMs although the slot is free. The loop has no way to
  // hand a wake-up on; it needs QuotaStore support (waitForCapacity handing back a "pass it on").
  it('a woken waiter that gives up passes the freed slot on', async () => {
    vi.useFakeTimers();
    const catalog = busyCatalog();
    catalog.providers!.push({ id: 'c', adapter: 'mockB', keys: [{ id: 'c1', secret: 's' }] });
    catalog.models!.push({ providerId: 'c', modelId: 'model-c' });
    catalog.groups!.push({
      name: 'other',
      failoverStrategy: 'priority',
      members: [
        { providerId: 'c', modelId: 'model-c', priority: 0 },
        { providerId: 'b', modelId: 'model-b', priority: 1 },
      ],
    });
    const { router } = setup({
      time: 'fake',
      catalog,
      a: { script: [{ text: 'held', delayMs: 1_000 }] },
      b: { fallback: { error: { status: 500 } } }, // serves b and c
      // One retry per 10 s window.
      router: {
        retryBudget: { ratio: 0, minPerSecond: 0.1, windowMs: 10_000 },
        timeouts: { queueWaitMs: 5_000 },
      },
    });
    const holder = router.complete({ model: 'a/model-a', messages: hi });
    await tick();
    // W1: a busy → b fails (first attempt, free) → one retry left → waits for a1.
    const w1 = router.complete({ model: 'coding', messages: hi }).catch((e: unknown) => e);
    await tick();
    // W2 waits for a1 behind W1.
    const w2 = router.complete({ model: 'a/model-a', messages: hi });
    const served = vi.fn();
    w2.then(served, () => {});
    await tick();
    expect(router.stats().queued).toBe(2);
    // Another request spends the retry: c fails over to b.
    const other = await rejectsWith(
      router.complete({ model: 'other', messages: hi }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(other.attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_000); // the holder ends; W1 is woken but may not retry
    await holder;
    await w1;
    await tick();
    try {
      expect(served).toHaveBeenCalledTimes(1);
    } finally {
      await vi.advanceTimersByTimeAsync(5_000);
      await w2.catch(() => {});
    }
  });

  // The queue deadline used to be measured on the injected clock only: with a manualClock that the
  // test does not move, a waiter whose timer expired re-armed a full wait forever.
  it('QUEUE_TIMEOUT under fake timers with a manual clock', async () => {
    vi.useFakeTimers();
    const { router } = setup({
      catalog: busyCatalog(),
      a: { script: [{ hang: true }] },
      router: { timeouts: { queueWaitMs: 1_000 } },
    });
    const holder = new AbortController();
    const held = router.complete({ model: 'a/model-a', messages: hi }, { signal: holder.signal });
    await tick();
    const settled = vi.fn();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    p.then(settled, settled);
    try {
      await vi.advanceTimersByTimeAsync(999);
      expect(settled).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(settled).toHaveBeenCalledTimes(1);
      await rejectsWith(p, 'QUEUE_TIMEOUT');
      expect(router.stats().queued).toBe(0);
    } finally {
      holder.abort();
      await held.catch(() => {});
      await p.catch(() => {});
    }
    expectReleased(router);
  });

  it('a wake-up just before the wait expires still gets the slot', async () => {
    vi.useFakeTimers();
    const { router } = setup({
      time: 'fake',
      catalog: busyCatalog(),
      a: { script: [{ text: 'held', delayMs: 999 }] },
      router: { timeouts: { queueWaitMs: 1_000 } },
    });
    const held = router.complete({ model: 'a/model-a', messages: hi });
    await tick();
    const p = router.complete({ model: 'a/model-a', messages: hi });
    await vi.advanceTimersByTimeAsync(1_000);
    await held;
    expect((await p).message.content).toBe('ok');
    expectReleased(router);
  });
});
