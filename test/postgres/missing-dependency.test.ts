import { describe, expect, it, vi } from 'vitest';

// No database needed: the `postgres` package is made unresolvable for this file only.
vi.mock('postgres', () => {
  throw new Error("Cannot find package 'postgres'");
});

describe('model-router/postgres without the postgres package', () => {
  it('loads, and postgresStorage({ url }) fails with MISSING_DEPENDENCY naming postgres', async () => {
    const { postgresStorage, migrate } = await import('../../src/postgres/index.js');
    expect(typeof migrate).toBe('function');
    const storage = postgresStorage({ url: 'postgres://127.0.0.1:1/none' }, { allowPlaintextSecrets: true });
    const err = await storage.init().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'MISSING_DEPENDENCY', details: { package: 'postgres' } });
    expect(String((err as Error).message)).toContain('npm install postgres');
    await storage.close();
  });
});
