import type { Sql } from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAdminApi } from '../../src/admin/admin-api.js';
import type { Catalog } from '../../src/catalog/types.js';
import { migrate } from '../../src/storage/postgres/migrate.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { TEST_KEY, connect, dropSchema, q, testSchema, truncateAll, url } from './harness.js';

const admin = { actor: { role: 'admin' } };

describe.skipIf(!url)('admin API over postgresStorage', () => {
  const schema = testSchema('admin');
  let sql: Sql;

  beforeAll(async () => {
    sql = connect();
    await migrate(sql, { schema });
  });
  beforeEach(() => truncateAll(sql, schema));
  afterAll(async () => {
    await dropSchema(sql, schema);
    await sql.end();
  });

  const setup = async () => {
    const storage = postgresStorage({ sql }, { schema, encryptionKey: TEST_KEY });
    let cache: Catalog = await storage.loadCatalog();
    const api = createAdminApi({
      storage,
      authorize: (actor) => (actor as { role?: string } | undefined)?.role === 'admin',
      catalog: () => cache,
      onWrite: async () => {
        cache = await storage.loadCatalog();
      },
    });
    return { api, storage };
  };

  it('runs the catalog lifecycle with every rule enforced', async () => {
    const { api } = await setup();
    const p = await api.createProvider(
      { id: 'openai', adapter: 'openai', keys: [{ id: 'k', secret: 'sk-live-abcdefghijklmnop1234' }] },
      admin,
    );
    expect(p.keys[0]).toMatchObject({ secretPreview: 'sk-…1234' });
    await api.createModel({ providerId: 'openai', modelId: 'gpt-4o' }, admin);
    const g = await api.createGroup(
      { name: 'coding', members: [{ providerId: 'openai', modelId: 'gpt-4o' }] },
      admin,
    );
    await expect(api.createGroup({ name: 'coding' }, admin)).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      api.addGroupMember(g.id, { providerId: 'openai', modelId: 'gpt-4o' }, admin),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      api.addGroupMember(g.id, { providerId: 'openai', modelId: 'nope' }, admin),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { field: 'modelId' },
    });
    await expect(api.deleteGroup(g.id, { actor: { role: 'viewer' } })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(api.updateGroup('nope', { enabled: false }, admin)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await api.deleteProvider('openai', admin);
    expect(await api.getGroup('coding')).toMatchObject({ members: [] });
    expect(await api.listModels()).toEqual([]);
  });

  it('stores SQL-looking names as data', async () => {
    const { api } = await setup();
    const name = `x'); DROP TABLE model_groups; --`;
    await api.createGroup({ name: 'sql', displayName: name, description: `${name} $1 \\` }, admin);
    expect(await api.getGroup('sql')).toMatchObject({ displayName: name, description: `${name} $1 \\` });
    const [row] = await sql.unsafe(`select count(*)::int as n from ${q(schema)}.model_groups`);
    expect(row!.n).toBe(1);
  });

  it('concurrent patches of one group through two admin APIs lose nothing', async () => {
    const one = await setup();
    const two = await setup();
    const g = await one.api.createGroup({ name: 'g' }, admin);
    await Promise.all([
      one.api.updateGroup(g.id, { description: 'd' }, admin),
      two.api.updateGroup(g.id, { displayName: 'D' }, admin),
      two.api.updateGroup(g.id, { failoverStrategy: 'priority' }, admin),
    ]);
    expect((await one.storage.loadCatalog()).groups[0]).toMatchObject({
      description: 'd',
      displayName: 'D',
      failoverStrategy: 'priority',
    });
  });
});
