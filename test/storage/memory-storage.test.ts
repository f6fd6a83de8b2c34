import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/storage/memory-storage.js';
import type { UsageRecord } from '../../src/types/usage-record.js';
import { storageContract } from '../../src/testing/storage-contract.js';
import { usageRecord } from '../../src/testing/storage-contract/fixtures.js';

describe('memoryStorage: storageContract', () => {
  for (const c of storageContract(() => {
    const storage = memoryStorage();
    return { storage, readUsage: () => storage.usage };
  })) {
    it(c.name, c.run);
  }
});

describe('memoryStorage', () => {
  it('seeds from a catalog, validated with the field named', async () => {
    const storage = memoryStorage({
      catalog: { providers: [{ adapter: 'openai' }], models: [{ providerId: 'openai', modelId: 'm' }] },
    });
    expect((await storage.loadCatalog()).models.map((m) => m.id)).toEqual(['openai/m']);
    expect(() => memoryStorage({ catalog: { models: [{ providerId: 'x', modelId: 'm' }] } })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION',
        details: expect.objectContaining({ field: 'catalog.models[0].providerId' }),
      }),
    );
    expect(() => memoryStorage({ maxUsageRecords: 0 })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
  });

  it('restores an exact snapshot (ids, timestamps, order) and keeps it isolated', async () => {
    const original = memoryStorage({
      catalog: { providers: [{ adapter: 'openai', keys: [{ secret: 'env:K' }] }] },
    });
    await original.createProvider({ adapter: 'anthropic' });
    const snapshot = await original.loadCatalog();
    const restored = memoryStorage({ snapshot });
    expect(await restored.loadCatalog()).toEqual(snapshot);
    snapshot.providers.pop();
    expect((await restored.loadCatalog()).providers).toHaveLength(2);
    expect(() => memoryStorage({ snapshot, catalog: {} })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    expect(() => memoryStorage({ snapshot: {} as never })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
  });

  it('stamps createdAt/updatedAt from the injected clock', async () => {
    let now = Date.UTC(2025, 0, 1);
    const storage = memoryStorage({ clock: { now: () => now } });
    const p = await storage.createProvider({ id: 'p', adapter: 'openai' });
    now += 1000;
    const u = await storage.updateProvider('p', { name: 'n' });
    expect([p.createdAt, u.updatedAt]).toEqual(['2025-01-01T00:00:00.000Z', '2025-01-01T00:00:01.000Z']);
  });

  it('keeps at most maxUsageRecords, dropping the oldest', async () => {
    const storage = memoryStorage({ maxUsageRecords: 2 });
    await storage.recordUsage([1, 2, 3].map((attempt) => usageRecord({ attempt })));
    expect(storage.usage.map((r) => r.attempt)).toEqual([2, 3]);
  });

  it('reads back the last maxUsageRecords over many batches, oldest first, every field as written', async () => {
    // Every optional field present or absent by turns, numbers of every kind; past the storage's first
    // 1,024 slots (it grows) and around its ring several times.
    const record = (i: number): UsageRecord => {
      const r = usageRecord({
        requestId: `req-${i}`,
        attempt: (i % 3) + 1,
        status: (['success', 'error', 'aborted', 'interrupted'] as const)[i % 4],
        estimated: i % 2 === 0,
        stream: i % 3 === 0,
        promptTokens: i * 7,
        costUsd: i % 5 === 0 ? undefined : i / 3,
        ttftMs: i % 6 === 0 ? undefined : -0.5,
        startedAt: 1_700_000_000_000 + i,
      });
      if (i % 2) delete r.groupName;
      if (i % 7 === 0) delete r.operation;
      if (i % 4 === 1) Object.assign(r, { errorCode: 'RATE_LIMIT', httpStatus: 429 });
      if (i % 8 === 3) Object.assign(r, { cachedPromptTokens: i, cacheWriteTokens: 0 });
      if (i % 9 === 4) Object.assign(r, { tenantId: `t${i}`, virtualKeyId: `vk${i}` });
      return r;
    };
    const written = Array.from({ length: 5_000 }, (_, i) => record(i));
    const storage = memoryStorage({ maxUsageRecords: 1_500 });
    for (let at = 0, size = 1; at < written.length; at += size, size = (size * 7) % 61) {
      await storage.recordUsage(written.slice(at, at + size));
    }
    const absentWhenUndefined = (r: UsageRecord) =>
      Object.fromEntries(Object.entries(r).filter(([, v]) => v !== undefined));
    expect(storage.usage).toStrictEqual(written.slice(-1_500).map(absentWhenUndefined));
  });

  it('hands out the same array until the next write, then one with the new records', async () => {
    const storage = memoryStorage();
    await storage.recordUsage([usageRecord({ attempt: 1 })]);
    const first = storage.usage;
    expect(storage.usage).toBe(first);
    await storage.recordUsage([]);
    expect(storage.usage).toBe(first);
    await storage.recordUsage([usageRecord({ attempt: 2 })]);
    expect(storage.usage.map((r) => r.attempt)).toEqual([1, 2]);
  });
});
