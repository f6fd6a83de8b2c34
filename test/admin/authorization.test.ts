import { describe, expect, it, vi } from 'vitest';
import { ADMIN_ACTIONS } from '../../src/admin/actions.js';
import type { RouterAdmin } from '../../src/admin/types.js';
import { admin, setup, viewer } from './harness.js';

/** Every write, with input that would succeed for an admin. */
const writes: Array<[string, (api: RouterAdmin, ctx?: { actor?: unknown }) => Promise<unknown>]> = [
  ['provider.create', (a, c) => a.createProvider({ id: 'x', adapter: 'openai' }, c)],
  ['provider.update', (a, c) => a.updateProvider('openai', { enabled: false }, c)],
  ['provider.endpoint', (a, c) => a.updateProvider('openai', { baseUrl: 'https://eu.example/v1' }, c)],
  ['provider.delete', (a, c) => a.deleteProvider('openai', c)],
  ['key.add', (a, c) => a.addKey('openai', { secret: 'sk-x' }, c)],
  ['key.update', (a, c) => a.updateKey('openai', 'oa-1', { rpm: 1 }, c)],
  ['key.remove', (a, c) => a.removeKey('openai', 'oa-1', c)],
  ['model.create', (a, c) => a.createModel({ providerId: 'openai', modelId: 'o3' }, c)],
  ['model.update', (a, c) => a.updateModel('openai/gpt-4o', { enabled: false }, c)],
  ['model.delete', (a, c) => a.deleteModel('openai/gpt-4o', c)],
  ['group.create', (a, c) => a.createGroup({ name: 'new' }, c)],
  ['group.update', (a, c) => a.updateGroup('coding', { enabled: false }, c)],
  ['group.delete', (a, c) => a.deleteGroup('coding', c)],
  ['member.add', (a, c) => a.addGroupMember('coding', { providerId: 'openai', modelId: 'gpt-4o' }, c)],
  ['member.remove', (a, c) => a.removeGroupMember('coding', 'coding:anthropic/claude-sonnet-4-5', c)],
];

describe('admin: authorization', () => {
  it('covers every documented action', () => {
    // Tenant and virtual-key actions are covered in test/tenants (the REST 403 case).
    const catalogActions = ADMIN_ACTIONS.filter(
      (a) => !a.startsWith('tenant.') && !a.startsWith('virtual_key.'),
    );
    expect(writes.map(([action]) => action).sort()).toEqual([...catalogActions].sort());
  });

  for (const [action, run] of writes) {
    it(`${action}: FORBIDDEN without admin, nothing changed; allowed for admin`, async () => {
      const { api, storage, changes, actions } = await setup();
      const before = await storage.loadCatalog();
      for (const ctx of [viewer, undefined, {}]) {
        await expect(run(api, ctx)).rejects.toMatchObject({ code: 'FORBIDDEN', details: { action } });
      }
      expect(await storage.loadCatalog()).toEqual(before);
      expect(changes).toEqual([]);
      expect(actions).toEqual([action, action, action]);
      await run(api, admin);
      expect(changes).toHaveLength(1);
    });
  }

  it('asks before validating: bad input from a non-admin is FORBIDDEN, not VALIDATION', async () => {
    const { api } = await setup();
    await expect(api.createGroup({ name: '' }, viewer)).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('an authorize that throws or rejects denies (fail closed); an async true allows', async () => {
    const boom = new Error('policy down');
    const { api: throwing } = await setup({
      authorize: () => {
        throw boom;
      },
    });
    await expect(throwing.createGroup({ name: 'x' }, admin)).rejects.toMatchObject({
      code: 'FORBIDDEN',
      cause: boom,
    });
    const { api: rejecting } = await setup({ authorize: async () => Promise.reject(boom) });
    await expect(rejecting.createGroup({ name: 'x' }, admin)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const { api: truthy } = await setup({ authorize: () => 'yes' as unknown as boolean });
    await expect(truthy.createGroup({ name: 'x' }, admin)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const authorize = vi.fn(async () => true);
    const { api: allowing } = await setup({ authorize });
    await allowing.createGroup({ name: 'x' }, { actor: 'alice' });
    expect(authorize).toHaveBeenCalledWith('alice', 'group.create');
  });

  it('the FORBIDDEN message does not show the actor', async () => {
    const { api } = await setup();
    const err = await api
      .createGroup({ name: 'x' }, { actor: { token: 'tok-secret-123' } })
      .catch((e: unknown) => e);
    expect(JSON.stringify(err)).not.toContain('tok-secret-123');
    expect(String((err as Error).message)).not.toContain('tok-secret-123');
  });
});
