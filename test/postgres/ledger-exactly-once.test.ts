import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter, type RouterEvents } from '../../src/index.js';
import { migrate } from '../../src/storage/postgres/migrate.js';
import { findMigrationsDir } from '../../src/storage/postgres/migration-files.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { hostPort, startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { TEST_KEY, connect, dropSchema, eventually, q, testSchema, url } from './harness.js';

const admin = { actor: { role: 'admin' } };
const hi = [{ role: 'user' as const, content: 'hi' }];

/**
 * The usage ledger is exactly once: a batch whose INSERT committed but whose acknowledgement never
 * reached the router (the proxy swallows the reply and cuts the connection) is retried, and the
 * retry must not write the batch a second time.
 */
describe.skipIf(!url)('usage ledger: exactly once across lost acknowledgements', () => {
  const schemas: string[] = [];
  let sql: Sql;
  let proxy: TcpProxy;

  beforeAll(async () => {
    sql = connect();
    const { host, port } = hostPort(url!, 5432);
    proxy = await startTcpProxy(host, port);
  });
  afterAll(async () => {
    await proxy.close();
    for (const s of schemas) await dropSchema(sql, s);
    await sql.end();
  });

  const count = async (schema: string) => {
    const [row] = await sql.unsafe(
      `select count(*)::int as n, count(distinct (request_id, attempt))::int as d from ${q(schema)}.usage_records`,
    );
    return { rows: row!.n as number, distinct: row!.d as number };
  };

  it('rows == attempts after lost INSERT acknowledgements and connection resets', async () => {
    const schema = testSchema('ledger_once');
    schemas.push(schema);
    const mock = mockProvider({ name: 'mock' });
    const errors: RouterEvents['error'][] = [];
    const router = new ModelRouter({
      storage: postgresStorage(
        { url: proxy.url(url!), options: { max: 2, backoff: () => 0.02 } },
        { schema, encryptionKey: TEST_KEY, usage: { maxBatch: 20, flushMs: 5 } },
      ),
      adapters: { mock },
    });
    router.on('error', (e) => void errors.push(e));
    await router.admin.createProvider(
      { id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'sk-test-0123456789' }] },
      admin,
    );
    await router.admin.createModel({ providerId: 'p', modelId: 'm' }, admin);
    await router.admin.createGroup({ name: 'coding', members: [{ providerId: 'p', modelId: 'm' }] }, admin);

    // From now on the only INSERTs are usage batches: lose the acknowledgement of the next five.
    proxy.loseReplyContaining('INSERT 0 ', 5);
    const run = async (n: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          while (next < n) {
            next++;
            await router.complete({ model: 'coding', messages: hi });
          }
        }),
      );
    };
    try {
      await run(200);
      await eventually(() => proxy.lost === 5, 10_000, 'five acknowledgements lost');
      // Plain resets too: every connection cut while batches are being written.
      const more = run(200);
      await eventually(() => proxy.connections > 0, 5_000, 'a connection to cut');
      proxy.cut();
      await more;
    } finally {
      await router.close();
    }
    const attempts = mock.calls.length;
    expect(attempts).toBe(400);
    // The retries happened (the router saw the failures) …
    expect(errors.some((e) => e.source === 'usage')).toBe(true);
    // … and nothing was lost or written twice.
    expect(errors.flatMap((e) => e.records ?? [])).toEqual([]);
    expect(await count(schema)).toEqual({ rows: attempts, distinct: attempts });
  });

  it('migration 0003 removes duplicates written before it, then the key holds', async () => {
    const schema = testSchema('ledger_dupes');
    schemas.push(schema);
    const dir = mkdtempSync(join(tmpdir(), 'mr-migrations-'));
    try {
      // The schema as an older version left it: 0001 and 0002 only.
      cpSync(join(findMigrationsDir(), '0001_catalog.sql'), join(dir, '0001_catalog.sql'));
      cpSync(join(findMigrationsDir(), '0002_usage_records.sql'), join(dir, '0002_usage_records.sql'));
      await migrate(sql, { schema, migrationsDir: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const insert = (requestId: string, attempt: number, status: string) =>
      sql.unsafe(
        `insert into ${q(schema)}.usage_records (request_id, attempt, status, provider_id, model_id, key_id,
           prompt_tokens, completion_tokens, total_tokens, estimated, latency_ms, stream, started_at, finished_at)
         values ($1, $2, $3, 'p', 'm', 'k', 1, 1, 2, false, 5, false, now(), now())`,
        [requestId, attempt, status],
      );
    await insert('r1', 1, 'error');
    await insert('r1', 1, 'success'); // a replay (in a real replay the row is identical; here it shows which one stays)
    await insert('r1', 1, 'success');
    await insert('r1', 2, 'success');
    await insert('r2', 1, 'success');

    expect((await migrate(sql, { schema })).applied).toContain('0003_usage_unique.sql');
    const rows = await sql.unsafe(
      `select request_id, attempt, status from ${q(schema)}.usage_records order by request_id, attempt`,
    );
    expect(rows.map((r) => ({ ...r }))).toEqual([
      { request_id: 'r1', attempt: 1, status: 'error' }, // the first written is kept
      { request_id: 'r1', attempt: 2, status: 'success' },
      { request_id: 'r2', attempt: 1, status: 'success' },
    ]);
    await expect(insert('r2', 1, 'success')).rejects.toMatchObject({ code: '23505' });

    // The storage's own write of an attempt already in the ledger is a no-op, not an error.
    const storage = postgresStorage({ sql }, { schema, migrate: false, allowPlaintextSecrets: true });
    const record = {
      requestId: 'r2',
      attempt: 1,
      status: 'success' as const,
      providerId: 'p',
      modelId: 'm',
      keyId: 'k',
      promptTokens: 1,
      completionTokens: 1,
      totalTokens: 2,
      estimated: false,
      latencyMs: 5,
      stream: false,
      startedAt: Date.now(),
      finishedAt: Date.now(),
    };
    await storage.recordUsage([record, { ...record, requestId: 'r3' }]);
    await storage.recordUsage([record, { ...record, requestId: 'r3' }]);
    expect(await count(schema)).toEqual({ rows: 4, distinct: 4 });
  });
});
