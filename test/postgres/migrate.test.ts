import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Sql } from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/postgres/migrate.js';
import { checksum, findMigrationsDir, loadMigrations } from '../../src/storage/postgres/migration-files.js';
import { connect, dropSchema, q, testSchema, url } from './harness.js';

describe('migration files', () => {
  it('finds the package migrations folder by walking up from a nested directory', () => {
    const dir = findMigrationsDir(join(__dirname, '..', '..', 'src', 'storage', 'postgres'));
    expect(dir).toBe(join(__dirname, '..', '..', 'migrations'));
    expect(
      loadMigrations(dir)
        .map((m) => m.name)
        .slice(0, 3),
    ).toEqual(['0001_catalog.sql', '0002_usage_records.sql', '0003_usage_unique.sql']);
    expect(() => findMigrationsDir('/')).toThrow(expect.objectContaining({ code: 'STORAGE_ERROR' }));
  });

  it('normalises line endings in checksums (a CRLF checkout is not tampering)', () => {
    expect(checksum('create table a();\r\nselect 1;\r\n')).toBe(checksum('create table a();\nselect 1;\n'));
  });
});

/** The names of the migrations this version ships, in order. */
const shipped = () => loadMigrations().map((m) => m.name);

describe.skipIf(!url)('migrate', () => {
  let sql: Sql;
  const schemas: string[] = [];
  const fresh = (name: string) => {
    const s = testSchema(name);
    schemas.push(s);
    return s;
  };
  const ledger = async (schema: string) =>
    sql.unsafe(`select name, checksum from ${q(schema)}.model_router_migrations order by name`);
  const tables = async (schema: string) =>
    (
      await sql`select table_name from information_schema.tables where table_schema = ${schema} order by table_name`
    ).map((r) => r.table_name);

  beforeAll(() => {
    sql = connect();
  });
  afterAll(async () => {
    for (const s of schemas) await dropSchema(sql, s);
    await sql.end();
  });

  it('migrates a fresh schema, then does nothing the second time', async () => {
    const schema = fresh('fresh');
    expect(await migrate(sql, { schema })).toEqual({ schema, applied: shipped() });
    expect(await tables(schema)).toEqual([
      'model_group_members',
      'model_groups',
      'model_router_migrations',
      'models',
      'provider_keys',
      'providers',
      'tenants',
      'usage_records',
      'virtual_keys',
    ]);
    expect(await ledger(schema)).toEqual(loadMigrations().map(({ name, checksum }) => ({ name, checksum })));
    expect(await migrate(sql, { schema })).toEqual({ schema, applied: [] });
  });

  it('four concurrent migrate() calls apply each migration exactly once', async () => {
    const schema = fresh('concurrent');
    const clients = [connect(), connect(), connect(), connect()];
    try {
      const results = await Promise.all(clients.map((c) => migrate(c, { schema })));
      expect(results.flatMap((r) => r.applied).sort()).toEqual(shipped());
      expect(await ledger(schema)).toHaveLength(shipped().length);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('refuses a ledger whose checksum changed, and one naming an unknown migration', async () => {
    const schema = fresh('tampered');
    await migrate(sql, { schema });
    await sql.unsafe(
      `update ${q(schema)}.model_router_migrations set checksum = 'x' where name = '0001_catalog.sql'`,
    );
    await expect(migrate(sql, { schema })).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      details: { migration: '0001_catalog.sql', reason: 'checksum_mismatch' },
    });
    await sql.unsafe(
      `update ${q(schema)}.model_router_migrations set checksum = $1 where name = '0001_catalog.sql'`,
      [loadMigrations()[0]!.checksum],
    );
    await sql.unsafe(
      `insert into ${q(schema)}.model_router_migrations (name, checksum) values ('0099_future.sql', 'y')`,
    );
    await expect(migrate(sql, { schema })).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      details: { migration: '0099_future.sql', reason: 'unknown_migration' },
    });
  });

  it('rolls a failing migration back entirely and records nothing for it', async () => {
    const schema = fresh('broken');
    const dir = mkdtempSync(join(tmpdir(), 'mr-migrations-'));
    try {
      cpSync(findMigrationsDir(), dir, { recursive: true });
      writeFileSync(join(dir, '9999_broken.sql'), 'create table half_done (id int);\nselect 1 / 0;\n');
      await expect(migrate(sql, { schema, migrationsDir: dir })).rejects.toMatchObject({
        code: 'STORAGE_ERROR',
        details: { migration: '9999_broken.sql' },
      });
      expect((await ledger(schema)).map((r) => r.name)).toEqual(shipped());
      expect(await tables(schema)).not.toContain('half_done');
      writeFileSync(join(dir, '9999_broken.sql'), 'create table half_done (id int);\n');
      expect((await migrate(sql, { schema, migrationsDir: dir })).applied).toEqual(['9999_broken.sql']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quotes any schema name, and bounds its length for the notification channel', async () => {
    const schema = fresh(`x"; drop table y; --`);
    expect((await migrate(sql, { schema })).applied).toHaveLength(shipped().length);
    expect(await tables(schema)).toContain('providers');
    await expect(migrate(sql, { schema: 'a'.repeat(51) })).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { field: 'schema' },
    });
    await expect(migrate(sql, { schema: '' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});
