import { describe, expect, it } from 'vitest';
import { memoryStorage } from '../../src/storage/memory-storage.js';
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
});
