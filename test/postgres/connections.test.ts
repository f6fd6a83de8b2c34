import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { TEST_KEY, connect, dropSchema, eventually, testSchema, url } from './harness.js';

describe.skipIf(!url)('postgresStorage: connection ownership', () => {
  const schema = testSchema('conn');
  let admin: Sql;
  const count = async (app: string) => {
    const [row] =
      await admin`select count(*)::int as n from pg_stat_activity where application_name = ${app}`;
    return row!.n as number;
  };

  beforeAll(() => {
    admin = connect();
  });
  afterAll(async () => {
    await dropSchema(admin, schema);
    await admin.end();
  });

  it('a storage given { url } owns its client: every connection (pool and LISTEN) is gone after close()', async () => {
    const app = `mr-conn-${process.pid}-${Date.now()}`;
    const baseline = await count(app);
    const storage = postgresStorage(
      { url: url!, options: { max: 4, connection: { application_name: app } } },
      { schema, encryptionKey: TEST_KEY },
    );
    await storage.init();
    const unsubscribe = await storage.subscribe(() => {});
    await Promise.all(
      Array.from({ length: 8 }, (_, i) => storage.createProvider({ id: `p${i}`, adapter: 'openai' })),
    );
    await storage.recordUsage([]);
    await storage.loadCatalog();
    expect(await count(app)).toBeGreaterThan(baseline);
    await unsubscribe();
    await storage.close();
    await eventually(async () => (await count(app)) === baseline, 5000, 'connections back to baseline');
    await expect(storage.createProvider({ adapter: 'openai' })).rejects.toMatchObject({ code: 'CLOSED' });
    await storage.close(); // idempotent
  });

  it('the default application_name is model-router', async () => {
    const storage = postgresStorage({ url: url! }, { schema, encryptionKey: TEST_KEY });
    try {
      await storage.loadCatalog().catch(() => {});
      const [row] =
        await admin`select count(*)::int as n from pg_stat_activity where application_name = 'model-router'`;
      expect(row!.n).toBeGreaterThan(0);
    } finally {
      await storage.close();
    }
  });

  it('says how to fix an unmigrated schema', async () => {
    const storage = postgresStorage({ sql: admin }, { schema: testSchema('unmigrated'), migrate: false });
    await expect(storage.loadCatalog()).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      message: expect.stringContaining('not migrated'),
    });
  });

  it('validates its options, naming the field', () => {
    expect(() => postgresStorage({ sql: admin }, { schema: 'x'.repeat(60) })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION',
        details: expect.objectContaining({ field: 'postgresStorage.schema' }),
      }),
    );
    expect(() => postgresStorage({ sql: admin }, { usage: { maxBatch: 0 } })).toThrow(
      expect.objectContaining({
        details: expect.objectContaining({ field: 'postgresStorage.usage.maxBatch' }),
      }),
    );
    expect(() => postgresStorage({ url: 42 } as never)).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
    const storage = postgresStorage({ sql: admin }, { usage: { maxBatch: 200, flushMs: 500 } });
    expect(storage.usageBatching).toEqual({ maxBatch: 200, flushMs: 500 });
    expect(postgresStorage({ sql: admin }).usageBatching).toBeUndefined();
  });
});
