import { randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter, RouterError } from '../../src/index.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { TEST_KEY, connect, dropSchema, eventually, testSchema, url } from './harness.js';

const admin = { actor: { role: 'admin' } };
const hi = [{ role: 'user' as const, content: 'hi' }];
/** "Within a second" (issue 4): a change made through one router reaches the other's cache. */
const PROPAGATION_MS = 1000;

/** The code a promise settles with: `ok`, or the RouterError's code. */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (error) {
    if (RouterError.isInstance(error)) return error.code;
    throw error;
  }
}

describe.skipIf(!url)('two routers on one Postgres database', () => {
  const schema = testSchema('router_two');
  const freshSchema = testSchema('router_first_write');
  const tag = randomBytes(4).toString('hex');
  const apps = { a: `mr-test-two-a-${tag}`, b: `mr-test-two-b-${tag}` };
  let sql: Sql;
  const connections = async (app: string) => {
    const [row] = await sql`select count(*)::int as n from pg_stat_activity where application_name = ${app}`;
    return row!.n as number;
  };

  beforeAll(() => {
    sql = connect(`mr-test-two-admin-${tag}`);
  });
  afterAll(async () => {
    await dropSchema(sql, schema);
    await dropSchema(sql, freshSchema);
    await sql.end();
  });

  const makeRouter = (app: string) => {
    const mock = mockProvider({ name: 'mock' });
    const router = new ModelRouter({
      // Each storage creates (and so owns and closes) its own client.
      storage: postgresStorage(
        { url: url!, options: { max: 3, connection: { application_name: app } } },
        { schema, encryptionKey: TEST_KEY },
      ),
      adapters: { mock },
    });
    return { router, mock };
  };

  it('a group created, disabled and deleted through router A reaches router B within a second', async () => {
    const a = makeRouter(apps.a);
    const b = makeRouter(apps.b);
    try {
      // Both loaded (and B subscribed) before the change: B can only learn of it through NOTIFY,
      // since resolve() reads B's in-memory catalog and never reloads it.
      await Promise.all([a.router.ready(), b.router.ready()]);
      const reloads: string[] = [];
      b.router.on('catalog', (e) => void reloads.push(e.reason));
      expect(await outcome(b.router.resolve('coding'))).toBe('UNKNOWN_MODEL');

      await a.router.admin.createProvider(
        { id: 'p', adapter: 'mock', keys: [{ id: 'k1', secret: 'sk-test-0123456789' }] },
        admin,
      );
      await a.router.admin.createModel({ providerId: 'p', modelId: 'm' }, admin);
      const group = await a.router.admin.createGroup(
        { name: 'coding', members: [{ providerId: 'p', modelId: 'm' }] },
        admin,
      );
      // A's own cache is updated at once by its write.
      expect((await a.router.resolve('coding')).group?.id).toBe(group.id);

      await eventually(
        async () => (await outcome(b.router.resolve('coding'))) === 'ok',
        PROPAGATION_MS,
        'router B resolves the group created through router A',
      );
      expect(await b.router.resolve('coding')).toMatchObject({
        kind: 'group',
        group: { id: group.id, name: 'coding' },
        candidates: [{ providerId: 'p', modelId: 'm', enabled: true }],
      });
      expect(reloads).toContain('subscribe');
      const res = await b.router.complete({ model: 'coding', messages: hi });
      expect(res).toMatchObject({ groupName: 'coding', model: { providerId: 'p', modelId: 'm' } });
      expect(b.mock.calls.map((c) => c.keyId)).toEqual(['k1']);

      // An update: the group disabled through A → B refuses it with NO_CANDIDATES.
      await a.router.admin.updateGroup(group.id, { enabled: false }, admin);
      expect(await outcome(a.router.complete({ model: 'coding', messages: hi }))).toBe('NO_CANDIDATES');
      const enabledAtB = async () => (await b.router.resolve('coding')).candidates.some((c) => c.enabled);
      await eventually(async () => !(await enabledAtB()), PROPAGATION_MS, 'router B sees the group disabled');
      expect(await outcome(b.router.complete({ model: 'coding', messages: hi }))).toBe('NO_CANDIDATES');
      expect(b.mock.calls).toHaveLength(1); // the refusal called no provider

      // Enabled again, then deleted: B follows both.
      await a.router.admin.updateGroup(group.id, { enabled: true }, admin);
      await eventually(enabledAtB, PROPAGATION_MS, 'router B sees the group enabled again');
      expect(await outcome(b.router.complete({ model: 'coding', messages: hi }))).toBe('ok');
      await a.router.admin.deleteGroup(group.id, admin);
      await eventually(
        async () => (await outcome(b.router.resolve('coding'))) === 'UNKNOWN_MODEL',
        PROPAGATION_MS,
        'router B forgets the deleted group',
      );
      expect(await outcome(b.router.complete({ model: 'coding', messages: hi }))).toBe('UNKNOWN_MODEL');
      // The model itself is untouched: still reachable directly on both.
      expect((await b.router.resolve('p/m')).kind).toBe('direct');

      expect(await connections(apps.a)).toBeGreaterThan(0);
      expect(await connections(apps.b)).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.router.close(), b.router.close()]);
    }
    // Each router closed the client its storage created: pool and LISTEN connections alike.
    await eventually(
      async () => (await connections(apps.a)) + (await connections(apps.b)) === 0,
      5000,
      'both routers’ connections closed',
    );
  });

  it('the first admin write on a router never loaded initialises the storage first (migrations)', async () => {
    // A regression: writes that need no catalog check (createProvider, updateGroup, …) reached the
    // storage before router.ready(), so on a fresh schema they failed: relation does not exist.
    const app = `mr-test-first-write-${tag}`;
    const router = new ModelRouter({
      storage: postgresStorage(
        { url: url!, options: { max: 2, connection: { application_name: app } } },
        { schema: freshSchema, encryptionKey: TEST_KEY },
      ),
      adapters: { mock: mockProvider({ name: 'mock' }) },
    });
    try {
      // Refused writes still touch nothing: authorize runs before the storage is initialised.
      await expect(
        router.admin.createProvider({ id: 'p', adapter: 'mock' }, { actor: { role: 'viewer' } }),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await connections(app)).toBe(0);

      const p = await router.admin.createProvider(
        { id: 'p', adapter: 'mock', keys: [{ id: 'k1', secret: 'sk-test-0123456789' }] },
        admin,
      );
      expect(p).toMatchObject({ id: 'p', keys: [{ id: 'k1', secretPreview: 'sk-…6789' }] });
      expect((await router.admin.listProviders()).map((x) => x.id)).toEqual(['p']);
    } finally {
      await router.close();
    }
    await eventually(async () => (await connections(app)) === 0, 5000, 'connections closed');
  });
});
