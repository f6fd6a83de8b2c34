import { describe, expect, it } from 'vitest';
import type { RouterAdmin } from '../../src/admin/types.js';
import { RouterError } from '../../src/errors/router-error.js';
import { memoryStorage } from '../../src/storage/memory-storage.js';
import { admin, seedCatalog, setup } from './harness.js';

type Bad = [field: string, (api: RouterAdmin) => Promise<unknown>];
// biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input types
const any = (v: unknown) => v as any;

const cases: Bad[] = [
  ['name', (a) => a.createGroup({ name: '' }, admin)],
  ['name', (a) => a.createGroup({ name: 'a\nb' }, admin)],
  ['(root)', (a) => a.createGroup(any(null), admin)],
  [
    'members[0].modelId',
    (a) => a.createGroup({ name: 'x', members: [{ providerId: 'openai', modelId: any(5) }] }, admin),
  ],
  [
    'members[1].priority',
    (a) =>
      a.createGroup(
        {
          name: 'x',
          members: [
            { providerId: 'openai', modelId: 'gpt-4o' },
            { providerId: 'openai', modelId: 'gpt-4o-mini', priority: 1.5 },
          ],
        },
        admin,
      ),
  ],
  [
    'members[0].weight',
    (a) =>
      a.createGroup({ name: 'x', members: [{ providerId: 'openai', modelId: 'gpt-4o', weight: -1 }] }, admin),
  ],
  [
    'members[0].priorty',
    (a) =>
      a.createGroup(
        { name: 'x', members: [any({ providerId: 'openai', modelId: 'gpt-4o', priorty: 1 })] },
        admin,
      ),
  ],
  ['failoverStrategy', (a) => a.createGroup({ name: 'x', failoverStrategy: 'has/slash' }, admin)],
  ['description', (a) => a.createGroup({ name: 'x', description: 'd'.repeat(2001) }, admin)],
  ['id', (a) => a.updateGroup('', { enabled: true }, admin)],
  ['enabled', (a) => a.updateGroup('coding', { enabled: any('yes') }, admin)],
  ['members', (a) => a.updateGroup('coding', any({ members: [] }), admin)],
  ['providerId', (a) => a.addGroupMember('coding', { providerId: 'has/slash', modelId: 'x' }, admin)],
  ['memberId', (a) => a.removeGroupMember('coding', any(undefined), admin)],
  ['adapter', (a) => a.createProvider({ adapter: '' }, admin)],
  ['baseUrl', (a) => a.createProvider({ adapter: 'openai', baseUrl: 'https://user:pw@example.com' }, admin)],
  ['baseUrl', (a) => a.createProvider({ adapter: 'openai', baseUrl: 'ftp://example.com' }, admin)],
  ['keys[0].secret', (a) => a.createProvider({ adapter: 'openai', keys: [{ secret: '' }] }, admin)],
  [
    'keys[1].rpm',
    (a) => a.createProvider({ adapter: 'openai', keys: [{ secret: 's' }, { secret: 's', rpm: 0 }] }, admin),
  ],
  ['secret', (a) => a.addKey('openai', { secret: 'sk-1\r\nX-Injected: 1' }, admin)],
  ['tpm', (a) => a.updateKey('openai', 'oa-1', { tpm: any('many') }, admin)],
  ['keyId', (a) => a.updateKey('openai', any(42), { rpm: 1 }, admin)],
  ['contextWindow', (a) => a.createModel({ providerId: 'openai', modelId: 'x', contextWindow: 1.5 }, admin)],
  [
    'inputCostPerMTok',
    (a) => a.createModel({ providerId: 'openai', modelId: 'x', inputCostPerMTok: -1 }, admin),
  ],
  ['modelId', (a) => a.updateModel('openai/gpt-4o', { modelId: '' }, admin)],
  ['providerId', (a) => a.updateModel('openai/gpt-4o', any({ providerId: 'anthropic' }), admin)],
];

describe('admin: validation', () => {
  for (const [i, [field, run]] of cases.entries()) {
    it(`case ${i}: VALIDATION naming ${field}`, async () => {
      const { api, storage, changes } = await setup();
      const before = await storage.loadCatalog();
      const err = await run(api).catch((e: unknown) => e);
      expect(RouterError.isInstance(err) && err.code).toBe('VALIDATION');
      expect((err as RouterError).details.field).toBe(field);
      expect((err as RouterError).message).toContain(field);
      expect(await storage.loadCatalog()).toEqual(before);
      expect(changes).toEqual([]);
    });
  }

  it('never echoes a rejected secret in the error', async () => {
    const { api } = await setup();
    const err = await api.addKey('openai', { secret: 'sk-live-abcdef\n' }, admin).catch((e: unknown) => e);
    expect(JSON.stringify(err)).not.toContain('sk-live-abcdef');
    expect((err as Error).message).not.toContain('sk-live-abcdef');
  });
});

describe('admin: storage failures and onWrite', () => {
  it('an error that is not a RouterError becomes STORAGE_ERROR with the cause', async () => {
    const storage = memoryStorage({ catalog: seedCatalog });
    const boom = new Error('disk full');
    storage.createGroup = async () => {
      throw boom;
    };
    const { api } = await setup({ storage });
    await expect(api.createGroup({ name: 'x' }, admin)).rejects.toMatchObject({
      code: 'STORAGE_ERROR',
      cause: boom,
    });
  });

  it('a failing onWrite is reported to onError; the committed write still succeeds', async () => {
    const errors: unknown[] = [];
    const { api, storage } = await setup({
      onWrite: async () => {
        throw new Error('reload failed');
      },
      onError: (e) => errors.push(e),
    });
    const g = await api.createGroup({ name: 'x' }, admin);
    expect((await storage.loadCatalog()).groups.map((x) => x.id)).toContain(g.id);
    expect(errors).toMatchObject([{ message: 'reload failed' }]);
  });

  it('accepts an async catalog (the router may load it on the first admin call)', async () => {
    const storage = memoryStorage({ catalog: seedCatalog });
    const { api } = await setup({ storage, catalog: async () => storage.loadCatalog() });
    expect((await api.listGroups()).map((g) => g.name)).toEqual(['coding']);
    await expect(
      api.createGroup({ name: 'x', members: [{ providerId: 'openai', modelId: 'nope' }] }, admin),
    ).rejects.toMatchObject({ code: 'VALIDATION', details: { field: 'members[0].modelId' } });
    await api.addGroupMember('coding', { providerId: 'openai', modelId: 'gpt-4o' }, admin);
  });

  it('rejects incomplete deps with VALIDATION', async () => {
    const { createAdminApi } = await import('../../src/admin/admin-api.js');
    expect(() => createAdminApi(any({ storage: memoryStorage(), catalog: () => ({}) }))).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }),
    );
  });
});
