import { randomBytes } from 'node:crypto';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/postgres/migrate.js';
import { postgresStorage } from '../../src/storage/postgres/postgres-storage.js';
import { TEST_KEY, connect, dropSchema, q, testSchema, truncateAll, url } from './harness.js';

const SECRET = 'sk-live-TOPSECRET-0123456789';

describe.skipIf(!url)('postgresStorage: secrets at rest', () => {
  const schema = testSchema('secrets');
  let sql: Sql;
  const raw = async () =>
    (await sql.unsafe(
      `select provider_id, id, secret from ${q(schema)}.provider_keys order by seq`,
    )) as unknown as {
      provider_id: string;
      id: string;
      secret: string;
    }[];

  beforeAll(async () => {
    sql = connect();
    await migrate(sql, { schema });
  });
  beforeEach(() => truncateAll(sql, schema));
  afterAll(async () => {
    await dropSchema(sql, schema);
    await sql.end();
  });

  it('encrypts secrets (AES-256-GCM) and keeps env:NAME references readable', async () => {
    const storage = postgresStorage({ sql }, { schema, encryptionKey: TEST_KEY });
    await storage.createProvider({
      id: 'p',
      adapter: 'openai',
      keys: [
        { id: 'k1', secret: SECRET },
        { id: 'k2', secret: 'env:OPENAI_KEY' },
      ],
    });
    await storage.addKey('p', { id: 'k3', secret: SECRET });
    const rows = await raw();
    expect(rows.map((r) => r.secret.startsWith('enc:v1:'))).toEqual([true, false, true]);
    expect(rows[1]!.secret).toBe('env:OPENAI_KEY');
    expect(JSON.stringify(rows)).not.toContain('TOPSECRET');
    expect(rows[0]!.secret).not.toBe(rows[2]!.secret); // a fresh IV each time
    const keys = (await storage.loadCatalog()).providers[0]!.keys;
    expect(keys.map((k) => k.secret)).toEqual([SECRET, 'env:OPENAI_KEY', SECRET]);
  });

  it('encrypts a rotated secret too', async () => {
    const storage = postgresStorage({ sql }, { schema, encryptionKey: TEST_KEY });
    await storage.createProvider({ id: 'p', adapter: 'openai', keys: [{ id: 'k1', secret: 'env:A' }] });
    expect((await storage.updateKey('p', 'k1', { secret: SECRET })).secret).toBe(SECRET);
    expect((await raw())[0]!.secret).toMatch(/^enc:v1:/);
  });

  it('a ciphertext moved to another key, or a wrong encryptionKey, fails to decrypt: the key loads unusable (no secret shown)', async () => {
    const storage = postgresStorage({ sql }, { schema, encryptionKey: TEST_KEY });
    await storage.createProvider({ id: 'p', adapter: 'openai', keys: [{ id: 'k1', secret: SECRET }] });
    const keysOf = async (s: ReturnType<typeof postgresStorage>) =>
      (await s.loadCatalog()).providers[0]!.keys;
    const wrong = postgresStorage({ sql }, { schema, encryptionKey: randomBytes(32) });
    const [bad] = await keysOf(wrong);
    expect(bad).toMatchObject({
      id: 'k1',
      secret: '',
      unusable: expect.stringMatching(/Cannot decrypt key "p\/k1"/),
    });
    expect(JSON.stringify(bad)).not.toContain('TOPSECRET');
    await storage.addKey('p', { id: 'k2', secret: 'sk-other-secret-value-1' });
    await sql.unsafe(
      `update ${q(schema)}.provider_keys set secret = (select secret from ${q(schema)}.provider_keys where id = 'k1') where id = 'k2'`,
    );
    const [k1, k2] = await keysOf(storage);
    expect(k1).toMatchObject({ secret: SECRET });
    expect(k1!.unusable).toBeUndefined();
    expect(k2).toMatchObject({ secret: '', unusable: expect.stringMatching(/"p\/k2"/) });
    const [noKey] = await keysOf(postgresStorage({ sql }, { schema }));
    expect(noKey!.unusable).toMatch(/configure `encryptionKey`/);
  });

  it('without encryptionKey refuses plaintext secrets (nothing written) unless allowPlaintextSecrets', async () => {
    const storage = postgresStorage({ sql }, { schema });
    await expect(
      storage.createProvider({
        id: 'p',
        adapter: 'openai',
        keys: [
          { id: 'k1', secret: 'env:OK' },
          { id: 'k2', secret: SECRET },
        ],
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', details: { field: 'secret' } });
    expect(await raw()).toEqual([]);
    await storage.createProvider({ id: 'p', adapter: 'openai', keys: [{ id: 'k1', secret: 'env:OK' }] });
    const plain = postgresStorage({ sql }, { schema, allowPlaintextSecrets: true });
    await plain.addKey('p', { id: 'k2', secret: SECRET });
    expect((await raw()).map((r) => r.secret)).toEqual(['env:OK', SECRET]);
    // Adding a key later keeps such rows readable.
    const withKey = postgresStorage({ sql }, { schema, encryptionKey: TEST_KEY });
    expect((await withKey.loadCatalog()).providers[0]!.keys.map((k) => k.secret)).toEqual(['env:OK', SECRET]);
  });

  it('accepts a 32-byte key as bytes, hex or base64; refuses anything else without echoing it', () => {
    const bytes = randomBytes(32);
    for (const encryptionKey of [
      bytes,
      new Uint8Array(bytes),
      bytes.toString('hex'),
      bytes.toString('base64'),
      bytes.toString('base64url'),
    ]) {
      expect(() => postgresStorage({ sql }, { schema, encryptionKey })).not.toThrow();
    }
    for (const encryptionKey of [
      randomBytes(16),
      'abcd',
      randomBytes(16).toString('hex'),
      'not base64 !!',
      42,
    ]) {
      let err: unknown;
      try {
        postgresStorage({ sql }, { schema, encryptionKey: encryptionKey as never });
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'VALIDATION', details: { field: 'postgresStorage.encryptionKey' } });
      if (typeof encryptionKey === 'string') expect(String(err)).not.toContain(encryptionKey);
    }
  });
});
