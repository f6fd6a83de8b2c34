import { afterEach, describe, expect, it, vi } from 'vitest';
import { ModelRouter, type RouterEvents, type UsageRecord, memoryStorage } from '../../src/index.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { hi, twoProviderCatalog } from './helpers.js';

afterEach(() => vi.useRealTimers());

describe('close() with a ledger that never answers', () => {
  it('resolves after timeouts.closeMs and reports every unwritten record through the error event', async () => {
    vi.useFakeTimers();
    const inner = memoryStorage({ catalog: twoProviderCatalog() });
    let writes = 0;
    const storage = {
      ...inner,
      usageBatching: { maxBatch: 2, flushMs: 50 },
      loadCatalog: () => inner.loadCatalog(),
      // The database refuses logins: the write is accepted and never settles.
      recordUsage: (_records: readonly UsageRecord[]) => {
        writes++;
        return new Promise<void>(() => {});
      },
    };
    const router = new ModelRouter({
      storage,
      adapters: { mockA: mockProvider(), mockB: mockProvider() },
      timeouts: { closeMs: 2_000 },
    });
    const lost: UsageRecord[] = [];
    const errors: RouterEvents['error'][] = [];
    router.on('error', (e) => {
      errors.push(e);
      if (e.records) lost.push(...e.records);
    });
    for (let i = 0; i < 5; i++) await router.complete({ model: 'coding', messages: hi });
    expect(writes).toBe(1); // the first full batch is stuck in flight; three records wait behind it

    let closed = false;
    const closing = router.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(closed).toBe(false);
    await vi.advanceTimersByTimeAsync(2);
    await closing;
    expect(closed).toBe(true);
    expect(lost.map((r) => r.requestId).sort()).toHaveLength(5);
    expect(new Set(lost.map((r) => r.requestId)).size).toBe(5);
    expect(errors.every((e) => e.source === 'usage')).toBe(true);
  });
});
