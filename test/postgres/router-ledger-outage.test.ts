import { randomBytes } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter, RouterError, type RouterEvents, type UsageRecord } from '../../src/index.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { TEST_KEY, connect, dropSchema, eventually, q, testSchema, url } from './harness.js';

const admin = { actor: { role: 'admin' } };
const hi = [{ role: 'user' as const, content: 'hi' }];

/**
 * A TCP relay in front of the database, so that the database can "drop" for one router only:
 * `down()` cuts every relayed connection and refuses new ones; `up()` accepts again on the same port.
 */
function relay(target: URL) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const up = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(Number(target.port || 5432), target.hostname);
        const cut = () => {
          client.destroy();
          upstream.destroy();
          sockets.delete(client);
          sockets.delete(upstream);
        };
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', cut).on('close', cut);
        }
        client.pipe(upstream).pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const down = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (s) s.close(() => resolve());
      else resolve();
    });
  return {
    up,
    down,
    url: () => {
      const u = new URL(target.toString());
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
  };
}

/**
 * The ledger's database goes away while requests run: every connection of the router's storage is
 * cut (the relay drops them and the backends are terminated with `pg_terminate_backend`, so that no
 * statement in flight commits behind the client's back) and new ones are refused until it returns.
 */
describe.skipIf(!url)('a ledger whose database drops mid-run', () => {
  const tag = randomBytes(4).toString('hex');
  const schema = testSchema('router_ledger');
  const app = `mr-test-ledger-${tag}`;
  const db = relay(new URL(url ?? 'postgres://localhost'));
  let sql: Sql;

  const connections = async () => {
    const [row] = await sql`select count(*)::int as n from pg_stat_activity where application_name = ${app}`;
    return row!.n as number;
  };
  const usageRows = async () => {
    const [row] = await sql.unsafe(
      `select count(*)::int as n, count(distinct (request_id, attempt))::int as d from ${q(schema)}.usage_records`,
    );
    return { rows: row!.n as number, distinct: row!.d as number };
  };
  const dropDatabase = async () => {
    await db.down();
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${app}`;
    await eventually(async () => (await connections()) === 0, 5000, 'the storage’s sessions gone');
  };

  beforeAll(async () => {
    sql = connect(`${app}-admin`);
    await db.up();
  });
  afterAll(async () => {
    await db.down();
    await dropSchema(sql, schema);
    await sql.end();
  });

  async function makeRouter() {
    const mock = mockProvider({ name: 'mock' });
    const usage: UsageRecord[] = [];
    const errors: RouterEvents['error'][] = [];
    const router = new ModelRouter({
      storage: postgresStorage(
        {
          url: db.url(),
          // postgres.js backs off up to 20 s between reconnects after repeated failures; a short,
          // fixed backoff keeps the test's recovery prompt (the router's behaviour is the same).
          options: { max: 3, backoff: () => 0.02, connection: { application_name: app } },
        },
        // Small batches written often, so that writes are in flight when the database drops.
        { schema, encryptionKey: TEST_KEY, usage: { maxBatch: 50, flushMs: 10 } },
      ),
      adapters: { mock },
      onUsage: (r) => void usage.push(r),
    });
    router.on('error', (e) => void errors.push(e));
    if ((await router.admin.listGroups()).length === 0) {
      await router.admin.createProvider(
        { id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'sk-test-0123456789' }] },
        admin,
      );
      await router.admin.createModel({ providerId: 'p', modelId: 'm' }, admin);
      await router.admin.createGroup({ name: 'coding', members: [{ providerId: 'p', modelId: 'm' }] }, admin);
    }
    /** Runs `n` requests, 20 at a time; returns how many succeeded (a failure throws). */
    const run = async (n: number) => {
      let next = 0;
      let ok = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < n) {
            next++;
            await router.complete({ model: 'coding', messages: hi });
            ok++;
          }
        }),
      );
      return ok;
    };
    /** Usage records reported as not written (the `error` event, source `usage`, with the records). */
    const reported = () => errors.flatMap((e) => (e.source === 'usage' && e.records ? e.records : []));
    return { router, mock, usage, errors, run, reported };
  }

  it('requests keep routing on the cached catalog; usage is written once the database is back', async () => {
    const { router, mock, usage, errors, run, reported } = await makeRouter();
    let unlock: (() => void) | undefined;
    let rowsWhileDown = 0;
    try {
      expect(await run(300)).toBe(300);

      // A write in flight when the database drops: hold the table locked so that the next insert
      // waits inside Postgres, and cut its connection while it waits.
      let lockHeld!: () => void;
      const held = new Promise<void>((resolve) => (lockHeld = resolve));
      const locked = new Promise<void>((resolve) => (unlock = resolve));
      const tx = sql.begin(async (t) => {
        await t.unsafe(`lock table ${q(schema)}.usage_records in access exclusive mode`);
        lockHeld();
        await locked;
      });
      await held;
      const background = run(100);
      await eventually(
        async () => {
          const [row] = await sql`
            select count(*)::int as n from pg_stat_activity
            where application_name = ${app} and wait_event_type = 'Lock'`;
          return row!.n > 0;
        },
        5000,
        'a usage insert waiting on the lock',
      );
      await dropDatabase();
      unlock!();
      await tx;
      expect(await background).toBe(100);

      // The database is down: requests still route (the catalog is in memory) and succeed.
      expect(await run(500)).toBe(500);
      await eventually(
        () => errors.some((e) => e.source === 'usage'),
        5000,
        'the failed usage write reported through the error event',
      );
      rowsWhileDown = (await usageRows()).rows;
      expect(rowsWhileDown).toBeLessThan(usage.length);

      // The database comes back: the buffered records are written (retried with backoff, and
      // flushed by close()); more requests meanwhile.
      await db.up();
      expect(await run(300)).toBe(300);
    } finally {
      unlock?.();
      await db.up().catch(() => {}); // already up unless the test failed midway
      await router.close();
    }
    const attempts = mock.calls.length;
    const { rows, distinct } = await usageRows();
    expect(attempts).toBe(1200);
    expect(usage).toHaveLength(attempts);
    // Nothing lost silently, nothing written twice; the records of the outage reached the ledger.
    expect(rows + reported().length).toBe(attempts);
    expect(distinct).toBe(rows);
    expect(rows).toBeGreaterThan(rowsWhileDown);
    expect(reported()).toEqual([]);
    expect(errors.filter((e) => e.source !== 'usage' && e.source !== 'catalog')).toEqual([]);
    expect(router.stats().leases).toMatchObject({ outstanding: 0, doubleReleases: 0 });
    await eventually(async () => (await connections()) === 0, 5000, 'connections closed');
  });

  it('a database still down at close(): the records that could not be written come back through the error event', async () => {
    await db.up().catch(() => {});
    await sql.unsafe(`truncate ${q(schema)}.usage_records`);
    const { router, mock, usage, errors, run, reported } = await makeRouter();
    let closeError: unknown;
    try {
      expect(await run(200)).toBe(200);
      await dropDatabase();
      expect(await run(300)).toBe(300);
      await router.close().catch((e: unknown) => (closeError = e));
    } finally {
      await router.close().catch(() => {});
      await db.up();
    }
    // close() says what it could not release, if anything, as a STORAGE_ERROR.
    if (closeError !== undefined)
      expect(RouterError.isInstance(closeError) && closeError.code).toBe('STORAGE_ERROR');
    const attempts = mock.calls.length;
    const { rows, distinct } = await usageRows();
    expect(attempts).toBe(500);
    expect(usage).toHaveLength(attempts);
    const lost = reported();
    expect(lost.length).toBeGreaterThan(0);
    expect(rows + lost.length).toBe(attempts);
    expect(distinct).toBe(rows);
    // Each reported record is one the ledger does not hold, reported once.
    const keys = new Set(lost.map((r) => `${r.requestId}#${r.attempt}`));
    expect(keys.size).toBe(lost.length);
    const [{ n: overlap }] = (await sql.unsafe(
      `select count(*)::int as n from ${q(schema)}.usage_records where request_id || '#' || attempt = any($1)`,
      [[...keys]],
    )) as unknown as [{ n: number }];
    expect(overlap).toBe(0);
    expect(errors.filter((e) => e.source !== 'usage' && e.source !== 'catalog')).toEqual([]);
    // Closing while the database is down leaks nothing either.
    expect(await connections()).toBe(0);
  });
});
