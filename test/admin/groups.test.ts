import { describe, expect, it } from 'vitest';
import { admin, setup } from './harness.js';

describe('admin: groups', () => {
  it('lists and gets groups by id or name; unknown is NOT_FOUND', async () => {
    const { api } = await setup();
    const [coding] = await api.listGroups();
    expect(coding).toMatchObject({ name: 'coding', failoverStrategy: 'priority', enabled: true });
    expect(await api.getGroup('coding')).toEqual(coding);
    expect(await api.getGroup(coding!.id)).toEqual(coding);
    await expect(api.getGroup('nope')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      details: { entity: 'group', id: 'nope' },
    });
  });

  it('createGroup returns the written group and the cache holds it at once', async () => {
    const { api, changes } = await setup();
    const g = await api.createGroup(
      {
        name: 'fast',
        displayName: 'Fast',
        members: [{ providerId: 'openai', modelId: 'gpt-4o', weight: 2 }],
      },
      admin,
    );
    expect(g).toMatchObject({
      name: 'fast',
      displayName: 'Fast',
      enabled: true,
      members: [{ providerId: 'openai', modelId: 'gpt-4o', priority: 0, weight: 2, enabled: true }],
    });
    expect(g.id).toEqual(expect.any(String));
    expect(g.updatedAt).toEqual(g.createdAt);
    expect(changes).toEqual([{ entity: 'group', id: g.id }]);
    expect(await api.getGroup('fast')).toEqual(g);
  });

  it('a taken group name is CONFLICT', async () => {
    const { api } = await setup();
    await expect(api.createGroup({ name: 'coding' }, admin)).rejects.toMatchObject({ code: 'CONFLICT' });
    const other = await api.createGroup({ name: 'other' }, admin);
    await expect(api.updateGroup(other.id, { name: 'coding' }, admin)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await api.listGroups()).map((g) => g.name)).toEqual(['coding', 'other']);
  });

  it('a member naming a model that does not exist for its provider is VALIDATION, nothing created', async () => {
    const { api, changes } = await setup();
    await expect(
      api.createGroup(
        {
          name: 'x',
          members: [
            { providerId: 'openai', modelId: 'gpt-4o' },
            { providerId: 'anthropic', modelId: 'gpt-4o' },
          ],
        },
        admin,
      ),
    ).rejects.toMatchObject({ code: 'VALIDATION', details: { field: 'members[1].modelId' } });
    const coding = await api.getGroup('coding');
    await expect(
      api.addGroupMember(coding.id, { providerId: 'openai', modelId: 'gpt-5' }, admin),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { field: 'modelId' },
    });
    expect((await api.listGroups()).map((g) => g.name)).toEqual(['coding']);
    expect(changes).toEqual([]);
  });

  it('one member per (group, provider, model): CONFLICT inline and on add', async () => {
    const { api } = await setup();
    await expect(
      api.createGroup(
        {
          name: 'x',
          members: [
            { providerId: 'openai', modelId: 'gpt-4o' },
            { providerId: 'openai', modelId: 'gpt-4o' },
          ],
        },
        admin,
      ),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const coding = await api.getGroup('coding');
    await expect(
      api.addGroupMember(coding.id, { providerId: 'openai', modelId: 'gpt-4o-mini' }, admin),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await api.getGroup('coding')).members).toHaveLength(2);
  });

  it('updateGroup patches, clears with null and maintains updatedAt; unknown id is NOT_FOUND', async () => {
    const { api } = await setup();
    const coding = await api.getGroup('coding');
    const u = await api.updateGroup(coding.id, { description: 'Code tasks', failoverStrategy: null }, admin);
    expect(u).toMatchObject({ name: 'coding', description: 'Code tasks' });
    expect(u).not.toHaveProperty('failoverStrategy');
    expect(Date.parse(u.updatedAt)).toBeGreaterThanOrEqual(Date.parse(coding.updatedAt));
    await expect(api.updateGroup('nope', { enabled: false }, admin)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });

  it('deleteGroup deletes its members; a second delete is NOT_FOUND', async () => {
    const { api, storage } = await setup();
    const coding = await api.getGroup('coding');
    await api.deleteGroup(coding.id, admin);
    expect(await api.listGroups()).toEqual([]);
    expect((await storage.loadCatalog()).groups).toEqual([]);
    await expect(api.deleteGroup(coding.id, admin)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    // Its members are gone too: the same members can be created again under a new group.
    await api.createGroup(
      {
        name: 'coding',
        members: coding.members.map(({ id, providerId, modelId }) => ({ id, providerId, modelId })),
      },
      admin,
    );
  });

  it('addGroupMember and removeGroupMember; unknown group or member is NOT_FOUND', async () => {
    const { api } = await setup();
    const coding = await api.getGroup('coding');
    const m = await api.addGroupMember(
      coding.id,
      { providerId: 'openai', modelId: 'gpt-4o', priority: 2 },
      admin,
    );
    expect(m).toMatchObject({
      groupId: coding.id,
      providerId: 'openai',
      modelId: 'gpt-4o',
      priority: 2,
      weight: 1,
    });
    expect((await api.getGroup('coding')).members.map((x) => x.modelId)).toEqual([
      'claude-sonnet-4-5',
      'gpt-4o-mini',
      'gpt-4o',
    ]);
    await api.removeGroupMember(coding.id, m.id, admin);
    await expect(api.removeGroupMember(coding.id, m.id, admin)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      api.addGroupMember('nope', { providerId: 'openai', modelId: 'gpt-4o' }, admin),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await api.getGroup('coding')).members).toHaveLength(2);
  });

  it('checks failoverStrategy against the known strategies when given', async () => {
    const { api } = await setup({ strategies: () => ['quota_aware', 'priority'] });
    await expect(api.createGroup({ name: 'x', failoverStrategy: 'fastest' }, admin)).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { field: 'failoverStrategy' },
    });
    const coding = await api.getGroup('coding');
    await expect(api.updateGroup(coding.id, { failoverStrategy: 'fastest' }, admin)).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await api.updateGroup(coding.id, { failoverStrategy: 'quota_aware' }, admin);
  });

  it('reads are copies: editing them does not edit the cache', async () => {
    const { api } = await setup();
    const [g] = await api.listGroups();
    g!.name = 'edited';
    g!.members.length = 0;
    (await api.getGroup('coding')).members.pop();
    expect((await api.getGroup('coding')).members).toHaveLength(2);
  });

  it('SQL-looking text is stored as data', async () => {
    const { api } = await setup();
    const text = `x'); DROP TABLE model_groups; --`;
    const g = await api.createGroup({ name: 'sql text', displayName: text, description: text }, admin);
    expect(await api.getGroup('sql text')).toMatchObject({ id: g.id, displayName: text, description: text });
  });
});
