import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter, type UsageRecord } from '../../src/index.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { TEST_KEY, connect, dropSchema, readUsage, testSchema, url } from './harness.js';

const admin = { actor: { role: 'admin' } };

/** The ledger tells chat from embeddings (migration 0006): spend and tokens split by operation. */
describe.skipIf(!url)('usage records say their operation', () => {
  const schema = testSchema('usage_operation');
  let sql: Sql;
  beforeAll(() => {
    sql = connect();
  });
  afterAll(async () => {
    await dropSchema(sql, schema);
    await sql.end();
  });

  it("complete() and stream() write 'chat', embed() writes 'embed' — in onUsage and in the ledger", async () => {
    const chat = mockProvider({ name: 'mock' });
    const usage: UsageRecord[] = [];
    const router = new ModelRouter({
      storage: postgresStorage({ url: url!, options: { max: 2 } }, { schema, encryptionKey: TEST_KEY }),
      adapters: {
        mock: {
          ...chat,
          embed: async (call) => ({
            embeddings: call.request.input.map(() => [0.5, 0.25]),
            usage: { promptTokens: 3 },
          }),
        },
      },
      onUsage: (r) => void usage.push(r),
    });
    await router.admin.createProvider(
      { id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'sk-x' }] },
      admin,
    );
    await router.admin.createModel({ providerId: 'p', modelId: 'm' }, admin);
    const messages = [{ role: 'user' as const, content: 'hi' }];
    await router.complete({ model: 'p/m', messages });
    for await (const _ of router.stream({ model: 'p/m', messages })) {
      // drain
    }
    await router.embed({ model: 'p/m', input: ['a', 'b'] });
    await router.close(); // flushes the ledger

    expect(usage.map((r) => [r.operation, r.stream])).toEqual([
      ['chat', false],
      ['chat', true],
      ['embed', false],
    ]);
    const rows = await readUsage(sql, schema);
    expect(rows.map((r) => r.operation)).toEqual(['chat', 'chat', 'embed']);
    const [split] = await sql.unsafe(
      `select count(*) filter (where operation = 'embed')::int as embeds from "${schema}".usage_records`,
    );
    expect(split!.embeds).toBe(1);
  });
});
