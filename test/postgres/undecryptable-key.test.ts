import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRouter, RouterError, type RouterEvents } from '../../src/index.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { mockProvider } from '../../src/testing/mock-provider.js';
import { TEST_KEY, connect, dropSchema, eventually, q, testSchema, url } from './harness.js';

const admin = { actor: { role: 'admin' } };
const hi = [{ role: 'user' as const, content: 'hi' }];
const OTHER_KEY = 'ff'.repeat(32);

/**
 * One key row that does not decrypt (tampered, or sealed with another `encryptionKey`) must not take
 * the catalog down: that key is skipped and reported, the rest routes, and the admin API can list,
 * replace and remove it.
 */
describe.skipIf(!url)('a key row that does not decrypt', () => {
  const schema = testSchema('bad_key');
  let sql: Sql;
  const routers: ModelRouter[] = [];

  const router = (encryptionKey = TEST_KEY) => {
    const mock = mockProvider({ name: 'mock' });
    const errors: RouterEvents['error'][] = [];
    const r = new ModelRouter({
      storage: postgresStorage({ url: url!, options: { max: 2 } }, { schema, encryptionKey }),
      adapters: { mock },
    });
    r.on('error', (e) => void errors.push(e));
    routers.push(r);
    return { router: r, mock, errors };
  };
  const unusableIds = (errors: RouterEvents['error'][]) =>
    errors.flatMap((e) =>
      e.source === 'catalog' && RouterError.isInstance(e.error) && e.error.details.reason === 'unusable_key'
        ? [`${e.error.details.providerId}/${e.error.details.keyId}`]
        : [],
    );

  /**
   * Flips the first character of the ciphertext (`enc:v1:<iv>:<tag>:<body>`, base64url). Not the last
   * one: its low bits are padding, so replacing it can decode to the same bytes and leave the row
   * intact — which made this test fail one run in sixteen.
   */
  const tamper = async (keyId: string) => {
    const [row] = await sql.unsafe(`select secret from ${q(schema)}.provider_keys where id = $1`, [keyId]);
    const secret = String(row?.secret);
    const at = secret.lastIndexOf(':') + 1;
    const flipped = secret[at] === 'A' ? 'B' : 'A';
    const tampered = `${secret.slice(0, at)}${flipped}${secret.slice(at + 1)}`;
    await sql.unsafe(`update ${q(schema)}.provider_keys set secret = $1 where id = $2`, [tampered, keyId]);
  };

  beforeAll(async () => {
    sql = connect();
    const { router: seed } = router();
    await seed.admin.createProvider(
      {
        id: 'p',
        adapter: 'mock',
        keys: [
          { id: 'k1', secret: 'sk-test-key-one-0123456789' },
          { id: 'k2', secret: 'sk-test-key-two-0123456789' },
        ],
      },
      admin,
    );
    await seed.admin.createModel({ providerId: 'p', modelId: 'm' }, admin);
    await seed.admin.createGroup({ name: 'coding', members: [{ providerId: 'p', modelId: 'm' }] }, admin);
    // A key sealed with another encryptionKey (another deployment wrote it).
    const { router: other } = router(OTHER_KEY);
    await other.admin.addKey('p', { id: 'k3', secret: 'sk-test-key-three-012345' }, admin);
    await seed.close();
    await other.close();
  });
  afterAll(async () => {
    for (const r of routers) await r.close().catch(() => {});
    await dropSchema(sql, schema);
    await sql.end();
  });

  it('is skipped and reported; the rest routes; admin lists, replaces and removes it', async () => {
    // Tamper with k1's ciphertext in place.
    await tamper('k1');
    const { router: fresh, mock, errors } = router();

    const result = await fresh.complete({ model: 'coding', messages: hi });
    expect(result.attempts.map((a) => a.keyId)).toEqual(['k2']);
    for (let i = 0; i < 5; i++) await fresh.complete({ model: 'coding', messages: hi });
    expect(new Set(mock.calls.map((c) => c.keyId))).toEqual(new Set(['k2']));
    expect(unusableIds(errors).sort()).toEqual(['p/k1', 'p/k3']);

    const stats = fresh.stats().keys;
    expect(stats.find((k) => k.keyId === 'k1')?.unusable).toMatch(/Cannot decrypt key "p\/k1"/);
    expect(stats.find((k) => k.keyId === 'k3')?.unusable).toMatch(/Cannot decrypt key "p\/k3"/);
    expect(stats.find((k) => k.keyId === 'k2')?.unusable).toBeUndefined();
    const [planned] = await fresh.plan('coding');
    expect(planned).toMatchObject({ usableKeys: 1, unusableKeys: ['k1', 'k3'] });

    // Admin reads list it (no secret), a write elsewhere in the catalog shows up, and it can be fixed.
    const listed = (await fresh.admin.getProvider('p')).keys;
    expect(listed.map((k) => [k.id, k.unusable !== undefined])).toEqual([
      ['k1', true],
      ['k2', false],
      ['k3', true],
    ]);
    expect(JSON.stringify(listed)).not.toContain('sk-test-key');
    await fresh.admin.createModel({ providerId: 'p', modelId: 'm2' }, admin);
    expect((await fresh.listModels()).map((m) => m.id)).toContain('p/m2');

    await fresh.admin.updateKey('p', 'k1', { secret: 'sk-test-key-one-replaced' }, admin);
    await fresh.admin.removeKey('p', 'k3', admin);
    expect(fresh.stats().keys.map((k) => [k.keyId, k.unusable])).toEqual([
      ['k1', undefined],
      ['k2', undefined],
    ]);
    await eventually(
      async () => {
        const r = await fresh.complete({ model: 'coding', messages: hi });
        return r.attempts[0]?.keyId === 'k1';
      },
      5_000,
      'the replaced key to serve',
    );

    // A running instance: a row tampered with behind its back (NOTIFY → reload) is reported, not fatal.
    await tamper('k2');
    await eventually(() => unusableIds(errors).includes('p/k2'), 5_000, 'k2 reported unusable');
    expect(fresh.stats().keys.find((k) => k.keyId === 'k2')?.unusable).toBeDefined();
    expect((await fresh.complete({ model: 'coding', messages: hi })).attempts[0]?.keyId).toBe('k1');
  });
});
