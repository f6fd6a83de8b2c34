import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/postgres/migrate.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { storageContract } from '../../src/testing/storage-contract.js';
import { TEST_KEY, connect, dropSchema, q, readUsage, testSchema, truncateAll, url } from './harness.js';

describe.skipIf(!url)('postgresStorage: storageContract', () => {
  const schema = testSchema('contract');
  let sql: Sql;

  beforeAll(async () => {
    sql = connect();
    await migrate(sql, { schema });
  });
  afterAll(async () => {
    await dropSchema(sql, schema);
    await sql.end();
  });

  for (const c of storageContract(async () => {
    await truncateAll(sql, schema);
    return {
      storage: postgresStorage({ sql }, { schema, encryptionKey: TEST_KEY }),
      readUsage: () => readUsage(sql, schema),
    };
  })) {
    it(c.name, c.run);
  }

  it('leaves the borrowed client open after close()', async () => {
    const storage = postgresStorage({ sql }, { schema, encryptionKey: TEST_KEY });
    await storage.init();
    await storage.close();
    expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
    await expect(storage.loadCatalog()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  it('records a large batch in one statement', async () => {
    await truncateAll(sql, schema);
    const storage = postgresStorage({ sql }, { schema, encryptionKey: TEST_KEY });
    const base = {
      attempt: 1,
      status: 'success' as const,
      providerId: 'p',
      modelId: 'm',
      keyId: 'k',
      promptTokens: 1,
      completionTokens: 2,
      totalTokens: 3,
      estimated: false,
      latencyMs: 5,
      stream: false,
      startedAt: 1_700_000_000_000,
      finishedAt: 1_700_000_000_005,
    };
    await storage.recordUsage(Array.from({ length: 5000 }, (_, i) => ({ ...base, requestId: `r${i}` })));
    const [row] = await sql.unsafe(`select count(*)::int as n from ${q(schema)}.usage_records`);
    expect(row!.n).toBe(5000);
  });
});
