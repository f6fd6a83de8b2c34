import { describe, expect, it } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { expectReleased, hi, rejectsWith, setup } from './helpers.js';

const catalog: CatalogInput = {
  providers: [
    { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 'secret-a1' }] },
    { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 'secret-b1' }] },
  ],
  models: [
    { providerId: 'a', modelId: 'model-a', tags: ['zdr'] },
    { providerId: 'b', modelId: 'model-b' },
  ],
  groups: [
    {
      name: 'coding',
      failoverStrategy: 'priority',
      members: [
        { providerId: 'a', modelId: 'model-a', priority: 0, tags: ['region:us'] },
        { providerId: 'b', modelId: 'model-b', priority: 1, tags: ['region:eu', 'tier:premium'] },
      ],
    },
  ],
};

describe('tags', () => {
  it('a request keeps only candidates whose member or model carries every tag, before the strategy', async () => {
    const { router, a, b } = setup({ catalog });
    const eu = await router.complete({ model: 'coding', messages: hi, tags: ['region:eu'] });
    expect(eu.model.providerId).toBe('b'); // priority alone would pick a
    // A model's tag counts for its members: zdr is on model-a.
    const zdr = await router.complete({ model: 'coding', messages: hi, tags: ['zdr', 'region:us'] });
    expect(zdr.model.providerId).toBe('a');
    expect(a.calls).toHaveLength(1);
    expect(b.calls).toHaveLength(1);
    // Without tags, the strategy sees every candidate.
    expect((await router.complete({ model: 'coding', messages: hi })).model.providerId).toBe('a');
    expectReleased(router);
  });

  it('plan() names the members filtered out', async () => {
    const { router } = setup({ catalog });
    const plan = await router.plan('coding', { request: { messages: hi, tags: ['region:eu'] } });
    expect(plan.map((c) => [c.providerId, c.skip])).toEqual([
      ['b', undefined],
      ['a', 'tags'],
    ]);
  });

  it('none carries them all: NO_CANDIDATES naming the tags and the filtered members; nothing is called', async () => {
    const { router, a, b, usage } = setup({ catalog });
    const error = await rejectsWith(
      router.complete({ model: 'coding', messages: hi, tags: ['region:eu', 'zdr'] }),
      'NO_CANDIDATES',
    );
    expect(error.details).toMatchObject({
      model: 'coding',
      tags: ['region:eu', 'zdr'],
      filtered: [
        { providerId: 'a', modelId: 'model-a', reason: 'tags' },
        { providerId: 'b', modelId: 'model-b', reason: 'tags' },
      ],
    });
    expect(a.calls.length + b.calls.length + usage.length).toBe(0);
    expectReleased(router);
  });

  it('tags work with a direct model too (its model tags)', async () => {
    const { router } = setup({ catalog });
    expect((await router.complete({ model: 'a/model-a', messages: hi, tags: ['zdr'] })).model.modelId).toBe(
      'model-a',
    );
    await rejectsWith(router.complete({ model: 'b/model-b', messages: hi, tags: ['zdr'] }), 'NO_CANDIDATES');
  });

  it('hostile tags are refused at the boundary, in requests and in the catalog', async () => {
    const { router } = setup({ catalog });
    for (const tags of [
      [''],
      ['has space'],
      ['x'.repeat(101)],
      Array.from({ length: 65 }, (_, i) => `t${i}`),
      'zdr',
    ]) {
      await rejectsWith(
        router.complete({ model: 'coding', messages: hi, tags: tags as string[] }),
        'VALIDATION',
      );
    }
    expect(() =>
      setup({ catalog: { ...catalog, models: [{ providerId: 'a', modelId: 'model-a', tags: ['a\nb'] }] } }),
    ).toThrow(/tags/);
  });

  it('the admin API stores tags on models and members, and routing follows at once', async () => {
    const { router, b } = setup({ catalog, router: { authorize: () => true } });
    const ctx = { actor: { role: 'admin' } };
    const models = await router.admin.listModels();
    const modelB = models.find((m) => m.providerId === 'b')!;
    await router.admin.updateModel(modelB.id, { tags: ['zdr'] }, ctx);
    const r = await router.complete({ model: 'coding', messages: hi, tags: ['zdr', 'region:eu'] });
    expect(r.model.providerId).toBe('b');
    expect(b.calls).toHaveLength(1);
    const group = await router.admin.createGroup(
      {
        name: 'eu-only',
        members: [{ providerId: 'b', modelId: 'model-b', tags: ['region:eu'] }],
      },
      ctx,
    );
    expect(group.members[0]!.tags).toEqual(['region:eu']);
    await router.admin.addGroupMember(
      group.id,
      { providerId: 'a', modelId: 'model-a', tags: ['region:us'] },
      ctx,
    );
    const plan = await router.plan('eu-only', { request: { messages: hi, tags: ['region:us'] } });
    expect(plan.map((c) => [c.providerId, c.skip])).toEqual([
      ['a', undefined],
      ['b', 'tags'],
    ]);
    await expect(router.admin.updateModel(modelB.id, { tags: ['bad tag'] }, ctx)).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });
});
