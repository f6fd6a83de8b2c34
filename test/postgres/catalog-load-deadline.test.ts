import { randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter } from '../../src/index.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { TEST_KEY, connect, dropSchema, eventually, q, testSchema, url } from './harness.js';

const admin = { actor: { role: 'admin' } };
const hi = [{ role: 'user' as const, content: 'hi' }];

/**
 * A fresh router whose first catalog load is stuck behind a lock (another session holds ACCESS
 * EXCLUSIVE on the providers table in an open transaction): its requests still end by their
 * `totalMs` (TIMEOUT) or the caller's abort (ABORTED), and are served once the lock goes.
 */
describe.skipIf(!url)('catalog loading honours the request deadline and abort', () => {
  const schema = testSchema('load_deadline');
  const app = `mr-test-deadline-${randomBytes(4).toString('hex')}`;
  let sql: Sql;

  beforeAll(async () => {
    sql = connect(`${app}-admin`);
    const seed = new ModelRouter({
      storage: postgresStorage({ url: url! }, { schema, encryptionKey: TEST_KEY }),
      adapters: { mock: mockProvider({ name: 'mock' }) },
    });
    await seed.admin.createProvider(
      { id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'sk-test-0123456789' }] },
      admin,
    );
    await seed.admin.createModel({ providerId: 'p', modelId: 'm' }, admin);
    await seed.admin.createGroup({ name: 'coding', members: [{ providerId: 'p', modelId: 'm' }] }, admin);
    await seed.close();
  });
  afterAll(async () => {
    await dropSchema(sql, schema);
    await sql.end();
  });

  const fresh = (totalMs?: number) =>
    new ModelRouter({
      storage: postgresStorage(
        { url: url!, options: { max: 2, connection: { application_name: app } } },
        { schema, encryptionKey: TEST_KEY },
      ),
      adapters: { mock: mockProvider({ name: 'mock' }) },
      ...(totalMs === undefined ? {} : { timeouts: { totalMs } }),
    });

  it('TIMEOUT at totalMs, ABORTED on the caller’s abort (complete and stream), served after the lock', async () => {
    let release!: () => void;
    let held!: () => void;
    const lockHeld = new Promise<void>((resolve) => (held = resolve));
    const tx = sql.begin(async (t) => {
      await t.unsafe(`lock table ${q(schema)}.providers in access exclusive mode`);
      held();
      await new Promise<void>((resolve) => (release = resolve));
    });
    await lockHeld;
    const hurried = fresh(300);
    const patient = fresh();
    try {
      await expect(hurried.complete({ model: 'coding', messages: hi })).rejects.toMatchObject({
        code: 'TIMEOUT',
      });
      // The load really is stuck in Postgres (not failed): it waits on the lock.
      await eventually(
        async () => {
          const [row] = await sql`
            select count(*)::int as n from pg_stat_activity
            where application_name = ${app} and wait_event_type = 'Lock'`;
          return row!.n > 0;
        },
        5_000,
        'the catalog load waiting on the lock',
      );

      const controller = new AbortController();
      const pending = patient.complete({ model: 'coding', messages: hi }, { signal: controller.signal });
      const streamController = new AbortController();
      const stream = patient.stream({ model: 'coding', messages: hi }, { signal: streamController.signal });
      controller.abort(new Error('caller gave up'));
      streamController.abort(new Error('caller gave up'));
      await expect(pending).rejects.toMatchObject({ code: 'ABORTED' });
      await expect(stream.result).rejects.toMatchObject({ code: 'ABORTED' });
      expect(patient.stats()).toMatchObject({ inFlight: 0, queued: 0 });

      release();
      await tx;
      // The same load finishes for the next requests.
      expect((await hurried.complete({ model: 'coding', messages: hi })).message.content).toBeTypeOf(
        'string',
      );
      expect((await patient.complete({ model: 'coding', messages: hi })).message.content).toBeTypeOf(
        'string',
      );
    } finally {
      release?.();
      await tx.catch(() => {});
      await Promise.all([hurried.close(), patient.close()]);
    }
  });
});
