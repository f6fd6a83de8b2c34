import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogChange } from '../../src/storage/storage.js';
import { migrate } from '../../src/storage/postgres/migrate.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { TEST_KEY, connect, dropSchema, eventually, q, testSchema, url } from './harness.js';

describe.skipIf(!url)('postgresStorage: LISTEN/NOTIFY', () => {
  const schema = testSchema('notify');
  const appB = `mr-notify-b-${process.pid}`;
  let a: Sql;
  let b: Sql;

  beforeAll(async () => {
    a = connect();
    b = connect(appB);
    await migrate(a, { schema });
  });
  afterAll(async () => {
    await b.end();
    await dropSchema(a, schema);
    await a.end();
  });

  it('a change made through one instance reaches another within a second', async () => {
    const one = postgresStorage({ sql: a }, { schema, encryptionKey: TEST_KEY });
    const two = postgresStorage({ sql: b }, { schema, encryptionKey: TEST_KEY });
    const seen: CatalogChange[] = [];
    const unsubscribe = await two.subscribe((c) => seen.push(c));
    try {
      await one.createProvider({ id: 'p', adapter: 'openai', keys: [{ id: 'k', secret: 'env:K' }] });
      await eventually(() => seen.length > 0, 1000, 'notification in instance two');
      expect(seen[0]).toEqual({ entity: 'catalog' });
      expect((await two.loadCatalog()).providers.map((p) => p.id)).toEqual(['p']);

      // A cascading delete is one transaction: listeners wake once, not once per table.
      await one.createModel({ providerId: 'p', modelId: 'm' });
      await one.createGroup({ name: 'g', members: [{ providerId: 'p', modelId: 'm' }] });
      await eventually(() => seen.length >= 3, 1000, 'notifications for model and group');
      const before = seen.length;
      await one.deleteProvider('p');
      await eventually(() => seen.length > before, 1000, 'notification for the delete');
      await one.createProvider({ id: 'marker', adapter: 'openai' });
      await eventually(() => seen.length >= before + 2, 1000, 'notification for the marker');
      expect(seen.length).toBe(before + 2);
    } finally {
      await unsubscribe();
    }
  });

  it('a change made by hand in SQL notifies too', async () => {
    const two = postgresStorage({ sql: b }, { schema, encryptionKey: TEST_KEY });
    const seen: CatalogChange[] = [];
    const unsubscribe = await two.subscribe((c) => seen.push(c));
    try {
      await a.unsafe(`update ${q(schema)}.providers set enabled = false`);
      await eventually(() => seen.length > 0, 1000, 'notification after a manual update');
    } finally {
      await unsubscribe();
    }
  });

  it('a lost LISTEN connection reconnects and reports a change (the catalog must be reloaded)', async () => {
    const two = postgresStorage({ sql: b }, { schema, encryptionKey: TEST_KEY });
    const seen: CatalogChange[] = [];
    const unsubscribe = await two.subscribe((c) => seen.push(c));
    try {
      const [{ n }] = (await a`
        select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
        where application_name = ${appB} and query ilike 'listen%'`) as unknown as [{ n: number }];
      expect(n).toBe(1);
      await eventually(() => seen.length > 0, 5000, 'reload notification after reconnect');
      // And it listens again: a later change still arrives.
      const count = seen.length;
      await a.unsafe(`update ${q(schema)}.providers set enabled = true`);
      await eventually(() => seen.length > count, 2000, 'notification after reconnect');
    } finally {
      await unsubscribe();
    }
  });
});
