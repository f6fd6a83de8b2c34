import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelRouter, type RouterStorage, type UsageRecord, memoryStorage } from '../../src/index.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { expectReleased, hi, rejectsWith, setup, tick, twoProviderCatalog } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

function withStorage(
  opts: { a?: Parameters<typeof mockProvider>[0]; onUsage?: (r: UsageRecord) => unknown } = {},
) {
  const storage = memoryStorage({ catalog: twoProviderCatalog() });
  const a = mockProvider({ name: 'mockA', ...opts.a });
  const b = mockProvider({ name: 'mockB' });
  const router = new ModelRouter({
    storage,
    adapters: { mockA: a, mockB: b },
    ...(opts.onUsage ? { onUsage: opts.onUsage as never } : {}),
  });
  return { storage, router, a, b };
}

describe('close()', () => {
  it('waits for in-flight requests, which complete normally', async () => {
    vi.useFakeTimers();
    const { router, a } = setup({ a: { fallback: { text: 'late', delayMs: 1_000 } } });
    const inFlight = router.complete({ model: 'coding', messages: hi });
    await tick();
    const closed = vi.fn();
    const closing = router.close().then(closed);
    await vi.advanceTimersByTimeAsync(999);
    expect(closed).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect((await inFlight).message.content).toBe('late');
    await closing;
    expect(closed).toHaveBeenCalledTimes(1);
    expect(a.calls[0]!.aborted).toBe(false);
    expectReleased(router);
  });

  it('flushes every usage record to storage', async () => {
    const seen: UsageRecord[] = [];
    const { storage, router } = withStorage({
      a: { script: [{ error: { status: 500 } }, { error: { status: 429 } }] },
      onUsage: (r) => void seen.push(r),
    });
    await router.complete({ model: 'coding', messages: hi });
    await router.complete({ model: 'coding', messages: hi });
    await router.complete({ model: 'b/model-b', messages: hi });
    await router.close();
    expect(seen).toHaveLength(5);
    expect(storage.usage.map((u) => [u.requestId, u.attempt, u.status])).toEqual(
      seen.map((u) => [u.requestId, u.attempt, u.status]),
    );
    // Every field, in the order the router wrote it.
    expect(JSON.stringify(storage.usage)).toBe(JSON.stringify(seen));
  });

  it('later calls reject with CLOSED; close() is idempotent', async () => {
    const { router, a } = setup();
    await router.complete({ model: 'coding', messages: hi });
    const first = router.close();
    expect(router.close()).toBe(first);
    await first;
    await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'CLOSED');
    await rejectsWith(router.ready(), 'CLOSED');
    const s = router.stream({ model: 'coding', messages: hi });
    await rejectsWith(s.result, 'CLOSED');
    expect(a.calls).toHaveLength(1);
  });

  it('a request arriving while close() drains is refused', async () => {
    vi.useFakeTimers();
    const { router } = setup({ a: { fallback: { text: 'x', delayMs: 100 } } });
    const inFlight = router.complete({ model: 'coding', messages: hi });
    await tick();
    const closing = router.close();
    await rejectsWith(router.complete({ model: 'coding', messages: hi }), 'CLOSED');
    await vi.advanceTimersByTimeAsync(100);
    await inFlight;
    await closing;
  });

  it('does not wait forever for an onUsage hook that never settles', async () => {
    vi.useFakeTimers();
    const { router } = setup({ router: { onUsage: () => new Promise<void>(() => {}) } });
    await router.complete({ model: 'coding', messages: hi });
    const closed = vi.fn();
    void router.close().then(closed);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(closed).toHaveBeenCalledTimes(1);
  });

  it('records that storage cannot take are reported through the error event, and close() still ends', async () => {
    const base = memoryStorage({ catalog: twoProviderCatalog() });
    const storage: RouterStorage = {
      ...base,
      loadCatalog: () => base.loadCatalog(),
      recordUsage: async () => {
        throw new Error('ledger down');
      },
    };
    const router = new ModelRouter({ storage, adapters: { mockA: mockProvider(), mockB: mockProvider() } });
    const lost: UsageRecord[] = [];
    router.on('error', (e) => {
      if (e.source === 'usage' && e.records) lost.push(...e.records);
    });
    const res = await router.complete({ model: 'coding', messages: hi });
    await router.close();
    expect(lost.map((r) => r.requestId)).toEqual([res.requestId]);
  });

  it('Symbol.asyncDispose closes the router (await using)', async () => {
    let outside: ModelRouter;
    {
      await using router = setup().router;
      outside = router;
      await router.complete({ model: 'coding', messages: hi });
    }
    await rejectsWith(outside.complete({ model: 'coding', messages: hi }), 'CLOSED');
  });
});
