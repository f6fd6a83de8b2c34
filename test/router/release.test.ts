import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type QuotaStore, type RouterEvents, memoryQuota } from '../../src/index.js';
import {
  callCount,
  expectReleased,
  hi,
  oneProviderCatalog,
  rejectsWith,
  setup,
  tick,
  twoProviderCatalog,
} from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

/**
 * A real AbortController whose signal counts listeners added and removed (cockatiel's "does not leak
 * abort listeners" test); `getEventListeners` is the ground truth, since a fired `once` listener
 * leaves without a removeEventListener call.
 */
function countingController() {
  const ac = new AbortController();
  const signal = ac.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  const counts = { added: 0, removed: 0 };
  signal.addEventListener = ((type: string, listener: never, options?: never) => {
    if (type === 'abort') counts.added++;
    add(type, listener, options);
  }) as typeof signal.addEventListener;
  signal.removeEventListener = ((type: string, listener: never, options?: never) => {
    if (type === 'abort') counts.removed++;
    remove(type, listener, options);
  }) as typeof signal.removeEventListener;
  return {
    ac,
    signal,
    counts,
    live: () => getEventListeners(signal, 'abort').length,
  };
}

function errorEvents(router: { on: Function }): Array<RouterEvents['error']> {
  const errors: Array<RouterEvents['error']> = [];
  router.on('error', (e: RouterEvents['error']) => void errors.push(e));
  return errors;
}

describe('release on every path', () => {
  it('success', async () => {
    const { router, usage } = setup();
    const c = countingController();
    await router.complete({ model: 'coding', messages: hi }, { signal: c.signal });
    expect(usage.map((u) => u.status)).toEqual(['success']);
    expectReleased(router);
    expect(c.live()).toBe(0);
    expect(c.counts.added).toBe(c.counts.removed);
  });

  it('a provider error that is thrown (400)', async () => {
    const { router } = setup({ a: { script: [{ error: { status: 400 } }] } });
    const c = countingController();
    await rejectsWith(
      router.complete({ model: 'coding', messages: hi }, { signal: c.signal }),
      'PROVIDER_ERROR',
    );
    expectReleased(router);
    expect(c.live()).toBe(0);
  });

  it('failover across keys and candidates, then ALL_CANDIDATES_FAILED', async () => {
    const { router, a, b } = setup({
      a: { fallback: { error: { status: 429 } } },
      b: { fallback: { error: { status: 500 } } },
    });
    const c = countingController();
    await rejectsWith(
      router.complete({ model: 'coding', messages: hi }, { signal: c.signal }),
      'ALL_CANDIDATES_FAILED',
    );
    expect(callCount(a, b)).toBe(3);
    expectReleased(router);
    expect(c.live()).toBe(0);
    expect(c.counts.added).toBe(c.counts.removed);
  });

  it('an attempt timeout (attemptMs) fails over and releases the hung attempt', async () => {
    vi.useFakeTimers();
    const { router, a, b, usage } = setup({
      a: { script: [{ hang: true }] },
      router: { timeouts: { attemptMs: 1_000 } },
    });
    const c = countingController();
    const p = router.complete({ model: 'coding', messages: hi }, { signal: c.signal });
    await vi.advanceTimersByTimeAsync(999);
    expect(b.calls).toHaveLength(0);
    expect(router.stats().inFlight).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const res = await p;
    expect(res.model.providerId).toBe('b');
    expect(res.attempts[0]).toMatchObject({ status: 'error', errorKind: 'timeout' });
    expect(a.calls[0]!.aborted).toBe(true);
    expect(usage.map((u) => [u.status, u.errorCode])).toEqual([
      ['error', 'timeout'],
      ['success', undefined],
    ]);
    expectReleased(router);
    expect(c.live()).toBe(0);
  });

  it('an adapter that ignores abort: the router settles at the timeout anyway', async () => {
    vi.useFakeTimers();
    const { router, a, b } = setup({
      a: { script: [{ hang: true, ignoreAbort: true }] },
      b: { script: [{ hang: true, ignoreAbort: true }] },
      router: { timeouts: { attemptMs: 500 }, maxAttempts: 2 },
    });
    const p = router.complete({ model: 'coding', messages: hi });
    const settled = vi.fn();
    p.then(settled, settled);
    await vi.advanceTimersByTimeAsync(500);
    expect(b.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(settled).toHaveBeenCalledTimes(1);
    const err = await rejectsWith(p, 'ALL_CANDIDATES_FAILED');
    expect(err.attempts?.map((x) => x.errorKind)).toEqual(['timeout', 'timeout']);
    expect(a.calls[0]!.settled).toBe(false); // the adapter never answered; nobody waited for it
    expectReleased(router);
  });

  it('an adapter that ignores abort: the caller’s abort settles at once', async () => {
    const { router, a, b, usage } = setup({ a: { script: [{ hang: true, ignoreAbort: true }] } });
    const c = countingController();
    const p = router.complete({ model: 'coding', messages: hi }, { signal: c.signal });
    await tick();
    expect(a.calls).toHaveLength(1);
    c.ac.abort(new Error('user left'));
    const err = await rejectsWith(p, 'ABORTED');
    expect(err.attempts?.map((x) => x.status)).toEqual(['aborted']);
    expect(b.calls).toHaveLength(0); // an abort never fails over
    expect(usage.map((u) => [u.status, u.errorCode])).toEqual([['aborted', 'ABORTED']]);
    expectReleased(router);
    expect(c.live()).toBe(0);
  });

  it('the total deadline (totalMs) ends a hung request with ALL_CANDIDATES_FAILED / TIMEOUT', async () => {
    vi.useFakeTimers();
    const { router, b } = setup({
      a: { script: [{ hang: true }] },
      router: { timeouts: { attemptMs: 60_000, totalMs: 2_000 } },
    });
    const outcome = rejectsWith(router.complete({ model: 'coding', messages: hi }), 'ALL_CANDIDATES_FAILED');
    await vi.advanceTimersByTimeAsync(2_000);
    const err = await outcome;
    expect(err.details.reason).toBe('timeout');
    expect((err.lastError as { code: string }).code).toBe('TIMEOUT');
    expect(b.calls).toHaveLength(0);
    expectReleased(router);
  });

  it('abort before the call: ABORTED, no adapter call, no usage record, no event but failure', async () => {
    const { router, a, b, usage } = setup();
    const seen: string[] = [];
    for (const e of ['request', 'attempt', 'usage', 'failure'] as const)
      router.on(e, () => void seen.push(e));
    const c = countingController();
    c.ac.abort();
    const err = await rejectsWith(
      router.complete({ model: 'coding', messages: hi }, { signal: c.signal }),
      'ABORTED',
    );
    expect(err.attempts ?? []).toEqual([]);
    expect(callCount(a, b)).toBe(0);
    expect(usage).toHaveLength(0);
    expect(seen).toEqual(['failure']);
    expectReleased(router);
    expect(c.counts.added).toBe(0);
  });

  it('abort while the quota store reserves (before the call): no adapter call, no usage record', async () => {
    const quota = memoryQuota();
    const c = countingController();
    const slowReserve: QuotaStore = {
      ...quota,
      // A shared store answers after a round trip; the caller gives up meanwhile.
      reserve: async (input) => {
        const r = await quota.reserve(input);
        c.ac.abort();
        return r;
      },
    };
    const { router, a, b, usage } = setup({ router: { quota: slowReserve } });
    await rejectsWith(router.complete({ model: 'coding', messages: hi }, { signal: c.signal }), 'ABORTED');
    expect(callCount(a, b)).toBe(0);
    expect(usage).toHaveLength(0);
    expectReleased(router);
    expect(c.live()).toBe(0);
  });

  it('abort during the call: ABORTED, the adapter’s signal aborted, no failover', async () => {
    const { router, a, b, usage } = setup({ a: { script: [{ hang: true }] } });
    const c = countingController();
    const p = router.complete({ model: 'coding', messages: hi }, { signal: c.signal });
    await tick();
    expect(router.stats().inFlight).toBe(1);
    c.ac.abort();
    await rejectsWith(p, 'ABORTED');
    expect(a.calls[0]).toMatchObject({ aborted: true, settled: true });
    expect(b.calls).toHaveLength(0);
    expect(usage.map((u) => u.status)).toEqual(['aborted']);
    expectReleased(router);
    expect(c.live()).toBe(0);
  });

  it('abort while queued for a slot leaves the queue at once; the next waiter still gets the slot', async () => {
    const { router, a } = setup({
      catalog: oneProviderCatalog([{ id: 'a1', secret: 's', maxConcurrent: 1 }]),
      a: { script: [{ hang: true }] },
    });
    const holder = countingController();
    const waiter = countingController();
    const p1 = router.complete({ model: 'model-a', messages: hi }, { signal: holder.signal });
    await tick();
    const p2 = router.complete({ model: 'model-a', messages: hi }, { signal: waiter.signal });
    const p3 = router.complete({ model: 'model-a', messages: hi });
    await tick();
    expect(router.stats().queued).toBe(2);
    expect(router.stats().keys[0]!.queued).toBe(2);
    expect(a.calls).toHaveLength(1);

    waiter.ac.abort();
    const err = await rejectsWith(p2, 'ABORTED');
    expect(err.attempts).toEqual([]);
    expect(router.stats().queued).toBe(1);
    expect(waiter.live()).toBe(0);

    // The holder ends: the slot goes to the remaining waiter (cockatiel #112: an aborted waiter
    // must not swallow the wake-up).
    holder.ac.abort();
    await rejectsWith(p1, 'ABORTED');
    const res = await p3;
    expect(res.message.content).toBe('ok');
    expect(a.calls).toHaveLength(2);
    expectReleased(router);
    expect(holder.live()).toBe(0);
  });

  it('QUEUE_TIMEOUT after queueWaitMs, with no attempt and no usage record', async () => {
    vi.useFakeTimers();
    const { router, a, usage } = setup({
      time: 'fake',
      catalog: oneProviderCatalog([{ id: 'a1', secret: 's', maxConcurrent: 1 }]),
      a: { script: [{ hang: true }] },
      router: { timeouts: { queueWaitMs: 3_000 } },
    });
    const holder = new AbortController();
    const p1 = router.complete({ model: 'model-a', messages: hi }, { signal: holder.signal });
    await tick();
    const c = countingController();
    const p2 = router.complete({ model: 'model-a', messages: hi }, { signal: c.signal });
    const settled = vi.fn();
    p2.then(settled, settled);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(settled).not.toHaveBeenCalled();
    expect(router.stats().queued).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const err = await rejectsWith(p2, 'QUEUE_TIMEOUT');
    expect(err.attempts).toEqual([]);
    expect(router.stats().queued).toBe(0);
    expect(c.live()).toBe(0);
    expect(a.calls).toHaveLength(1);
    expect(usage).toHaveLength(0);
    holder.abort();
    await rejectsWith(p1, 'ABORTED');
    expectReleased(router);
  });

  it('queueWaitMs 0 never waits', async () => {
    const { router } = setup({
      catalog: oneProviderCatalog([{ id: 'a1', secret: 's', maxConcurrent: 1 }]),
      a: { script: [{ hang: true }] },
      router: { timeouts: { queueWaitMs: 0 } },
    });
    const holder = new AbortController();
    const p1 = router.complete({ model: 'model-a', messages: hi }, { signal: holder.signal });
    await tick();
    await rejectsWith(router.complete({ model: 'model-a', messages: hi }), 'QUEUE_TIMEOUT');
    holder.abort();
    await p1.catch(() => {});
    expectReleased(router);
  });

  it('a busy candidate is set aside while another can serve', async () => {
    const { router, a, b } = setup({
      catalog: twoProviderCatalog({ aKeys: [{ id: 'a1', secret: 's', maxConcurrent: 1 }] }),
      a: { script: [{ hang: true }] },
    });
    const holder = new AbortController();
    const p1 = router.complete({ model: 'coding', messages: hi }, { signal: holder.signal });
    await tick();
    expect(a.calls).toHaveLength(1);
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(router.stats().queued).toBe(0);
    holder.abort();
    await p1.catch(() => {});
    expect(b.calls).toHaveLength(1);
    expectReleased(router);
  });
});

describe('hooks and listeners never change the outcome', () => {
  it('an onUsage hook that throws', async () => {
    const { router } = setup({
      router: {
        onUsage: () => {
          throw new Error('hook boom');
        },
      },
    });
    const errors = errorEvents(router);
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.message.content).toBe('ok');
    expect(errors).toEqual([{ source: 'hook', error: expect.objectContaining({ message: 'hook boom' }) }]);
    expectReleased(router);
  });

  it('an onUsage hook that throws on a failure path', async () => {
    const { router, b } = setup({
      a: { script: [{ error: { status: 500 } }] },
      router: {
        onUsage: () => {
          throw new Error('hook boom');
        },
      },
    });
    const errors = errorEvents(router);
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(b.calls).toHaveLength(1);
    expect(errors.filter((e) => e.source === 'hook')).toHaveLength(2);
    expectReleased(router);
  });

  it('an onUsage hook that rejects', async () => {
    const { router } = setup({ router: { onUsage: async () => Promise.reject(new Error('async boom')) } });
    const errors = errorEvents(router);
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.message.content).toBe('ok');
    await tick();
    expect(errors).toEqual([{ source: 'hook', error: expect.objectContaining({ message: 'async boom' }) }]);
    expectReleased(router);
  });

  it('an onUsage hook that never settles', async () => {
    const { router } = setup({ router: { onUsage: () => new Promise<void>(() => {}) } });
    const errors = errorEvents(router);
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.message.content).toBe('ok');
    const err = await rejectsWith(
      setup({
        a: { script: [{ error: { status: 400 } }] },
        router: { onUsage: () => new Promise<void>(() => {}) },
      }).router.complete({ model: 'coding', messages: hi }),
      'PROVIDER_ERROR',
    );
    expect(err).toBeDefined();
    expect(errors).toEqual([]);
    expectReleased(router);
  });

  it('listeners that throw (sync or async) on every event', async () => {
    const { router, b } = setup({ a: { script: [{ error: { status: 429 } }, { error: { status: 500 } }] } });
    const errors = errorEvents(router);
    const names = ['request', 'attempt', 'failover', 'cooldown', 'success', 'usage'] as const;
    for (const name of names) {
      router.on(name, () => {
        throw new Error(`listener ${name}`);
      });
    }
    router.on('attempt', async () => Promise.reject(new Error('async listener')));
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(res.attempts.map((x) => x.status)).toEqual(['error', 'error', 'success']);
    expect(b.calls).toHaveLength(1);
    await tick();
    const messages = errors.filter((e) => e.source === 'listener').map((e) => (e.error as Error).message);
    for (const name of names) expect(messages).toContain(`listener ${name}`);
    expect(messages).toContain('async listener');
    expectReleased(router);
  });

  it('a throwing error listener and a throwing failure listener change nothing either', async () => {
    const { router } = setup({
      a: { script: [{ error: { status: 400 } }] },
      router: {
        onUsage: () => {
          throw new Error('hook');
        },
      },
    });
    router.on('error', () => {
      throw new Error('error listener');
    });
    router.on('failure', () => {
      throw new Error('failure listener');
    });
    await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'PROVIDER_ERROR');
    expectReleased(router);
  });

  it('off() and the unsubscribe function stop a listener; once() fires once', async () => {
    const { router } = setup();
    const seen: string[] = [];
    const l = () => void seen.push('on');
    const unsubscribe = router.on('success', () => void seen.push('unsub'));
    router.on('success', l);
    router.once('success', () => void seen.push('once'));
    await router.complete({ model: 'coding', messages: hi });
    unsubscribe();
    router.off('success', l);
    await router.complete({ model: 'coding', messages: hi });
    expect(seen.sort()).toEqual(['on', 'once', 'unsub']);
  });
});
