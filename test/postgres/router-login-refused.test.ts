import { randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter, type UsageRecord } from '../../src/index.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { TEST_KEY, connect, dropSchema, eventually, q, testSchema, url } from './harness.js';

const admin = { actor: { role: 'admin' } };
const hi = [{ role: 'user' as const, content: 'hi' }];

/**
 * The database refuses logins (`alter role … nologin`, as while a server restarts) when the router
 * closes. Depending on timing, postgres.js fails the pending write or retries its connection without
 * ever settling it (porsager/postgres#1193); either way `close()` must end — at the latest after
 * `timeouts.closeMs` (proven with a write that never settles in test/router/close-bounded.test.ts) —
 * and report every record it could not write, so that nothing is lost silently.
 */
describe.skipIf(!url)('close() while the database refuses logins', () => {
  const tag = randomBytes(4).toString('hex');
  const schema = testSchema('router_nologin');
  const role = `mr_nologin_${tag}`;
  const app = `mr-test-nologin-${tag}`;
  let sql: Sql;

  const sessions = async () => {
    const [row] = await sql`select count(*)::int as n from pg_stat_activity where usename = ${role}`;
    return row!.n as number;
  };

  beforeAll(async () => {
    sql = connect(`${app}-admin`);
    // A role of its own, so that refusing its logins touches no other test.
    await sql.unsafe(`create role ${q(role)} login superuser`);
  });
  afterAll(async () => {
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`;
    await eventually(async () => (await sessions()) === 0, 5000, 'the role’s sessions gone');
    await dropSchema(sql, schema);
    await sql.unsafe(`reassign owned by ${q(role)} to current_user`);
    await sql.unsafe(`drop owned by ${q(role)}`);
    await sql.unsafe(`drop role ${q(role)}`);
    await sql.end();
  });

  it('close() ends and reports every record it could not write; none is in the ledger', async () => {
    const asRole = new URL(url!);
    asRole.username = role;
    asRole.password = '';
    const mock = mockProvider({ name: 'mock' });
    const usage: UsageRecord[] = [];
    const lost: UsageRecord[] = [];
    const router = new ModelRouter({
      storage: postgresStorage(
        {
          url: asRole.toString(),
          options: { max: 2, backoff: () => 0.02, connection: { application_name: app } },
        },
        // Records wait in the buffer (no flush before close), so close() has them all to write.
        { schema, encryptionKey: TEST_KEY, usage: { maxBatch: 1000, flushMs: 60_000 } },
      ),
      adapters: { mock },
      onUsage: (r) => void usage.push(r),
      timeouts: { closeMs: 1_500 },
    });
    router.on('error', (e) => {
      if (e.source === 'usage' && e.records) lost.push(...e.records);
    });
    await router.admin.createProvider(
      { id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'env:HOME' }] },
      admin,
    );
    await router.admin.createModel({ providerId: 'p', modelId: 'm' }, admin);
    await router.admin.createGroup({ name: 'coding', members: [{ providerId: 'p', modelId: 'm' }] }, admin);
    for (let i = 0; i < 20; i++) await router.complete({ model: 'coding', messages: hi });
    expect(usage).toHaveLength(20);

    // Logins refused from now on; the sessions the storage holds are cut.
    await sql.unsafe(`alter role ${q(role)} nologin`);
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where usename = ${role}`;
    await eventually(async () => (await sessions()) === 0, 5000, 'the role’s sessions gone');

    // Ends (or the test would time out), possibly saying that the storage could not close cleanly.
    await router.close().catch(() => {});
    expect(lost.map((r) => r.requestId).sort()).toEqual(usage.map((r) => r.requestId).sort());
    await sql.unsafe(`alter role ${q(role)} login`);
    const [row] = await sql.unsafe(`select count(*)::int as n from ${q(schema)}.usage_records`);
    expect(row!.n).toBe(0); // reported as unwritten, and indeed not written
  });
});
