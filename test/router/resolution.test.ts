import { describe, expect, it } from 'vitest';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import { expectReleased, hi, rejectsWith, setup, twoProviderCatalog } from './helpers.js';

/** twoProviderCatalog plus a model "shared" served by both providers, and a few more groups. */
function richCatalog(): CatalogInput {
  const base = twoProviderCatalog();
  return {
    providers: base.providers,
    models: [
      ...(base.models ?? []),
      { providerId: 'a', modelId: 'shared' },
      { providerId: 'b', modelId: 'shared' },
      { providerId: 'b', modelId: 'only-b' },
    ],
    groups: [
      ...(base.groups ?? []),
      { name: 'off', enabled: false, members: [{ providerId: 'a', modelId: 'model-a' }] },
      { name: 'empty', members: [] },
      {
        name: 'all-disabled',
        members: [
          { providerId: 'a', modelId: 'model-a', enabled: false },
          { providerId: 'b', modelId: 'model-b', enabled: false },
        ],
      },
    ],
  };
}

describe('resolution', () => {
  it('a group name resolves to kind "group" with its members as candidates', async () => {
    const { router } = setup();
    const r = await router.resolve('coding');
    expect(r.kind).toBe('group');
    expect(r.name).toBe('coding');
    expect(r.group?.name).toBe('coding');
    expect(r.candidates.map((c) => `${c.providerId}/${c.modelId}`)).toEqual(['a/model-a', 'b/model-b']);
    expect(r.candidates.every((c) => c.enabled)).toBe(true);
  });

  it('"providerId/modelId" resolves to kind "direct" and is served by that provider', async () => {
    const { router, a, b } = setup({ catalog: richCatalog() });
    const r = await router.resolve('b/shared');
    expect(r).toMatchObject({ kind: 'direct', name: 'b/shared' });
    expect(r.candidates).toEqual([expect.objectContaining({ providerId: 'b', modelId: 'shared' })]);
    const res = await router.complete({ model: 'b/shared', messages: hi });
    expect(res.model).toEqual({ providerId: 'b', modelId: 'shared' });
    expect(res.groupName).toBeUndefined();
    expect(a.calls).toHaveLength(0);
    expect(b.calls.map((c) => c.modelId)).toEqual(['shared']);
    expectReleased(router);
  });

  it('a modelId served by one provider only resolves directly', async () => {
    const { router, b } = setup({ catalog: richCatalog() });
    expect((await router.resolve('only-b')).kind).toBe('direct');
    const res = await router.complete({ model: 'only-b', messages: hi });
    expect(res.model).toEqual({ providerId: 'b', modelId: 'only-b' });
    expect(b.calls).toHaveLength(1);
  });

  it('an unknown name → UNKNOWN_MODEL with close names, and no adapter call', async () => {
    const { router, a, b, usage } = setup({ catalog: richCatalog() });
    const err = await rejectsWith(router.complete({ model: 'codin', messages: hi }), 'UNKNOWN_MODEL');
    expect(err.details.suggestions).toContain('coding');
    expect(err.message).toContain('coding');
    const err2 = await rejectsWith(router.resolve('a/model-x'), 'UNKNOWN_MODEL');
    expect(err2.details.suggestions).toContain('a/model-a');
    const far = await rejectsWith(router.resolve('zzzzzzzzzzzzzzzz'), 'UNKNOWN_MODEL');
    expect(far.details.suggestions).toEqual([]);
    expect(a.calls.length + b.calls.length).toBe(0);
    expect(usage).toHaveLength(0);
    expectReleased(router);
  });

  it('a modelId served by two providers → AMBIGUOUS_MODEL naming both', async () => {
    const { router, a, b } = setup({ catalog: richCatalog() });
    const err = await rejectsWith(router.complete({ model: 'shared', messages: hi }), 'AMBIGUOUS_MODEL');
    expect(err.details.candidates).toEqual(expect.arrayContaining(['a/shared', 'b/shared']));
    await rejectsWith(router.resolve('shared'), 'AMBIGUOUS_MODEL');
    expect(a.calls.length + b.calls.length).toBe(0);
  });

  it('a disabled group, a group without members and one whose members are all disabled → NO_CANDIDATES', async () => {
    const { router, a, b, usage } = setup({ catalog: richCatalog() });
    for (const model of ['off', 'empty', 'all-disabled']) {
      await rejectsWith(router.complete({ model, messages: hi }), 'NO_CANDIDATES');
    }
    expect(a.calls.length + b.calls.length).toBe(0);
    expect(usage).toHaveLength(0);
    expectReleased(router);
  });

  it('a disabled provider → NO_CANDIDATES for its direct models; its group members are left out', async () => {
    const catalog = twoProviderCatalog();
    const providers = (catalog.providers ?? []).map((p) => (p.id === 'a' ? { ...p, enabled: false } : p));
    const { router, a, b } = setup({ catalog: { ...catalog, providers } });
    await rejectsWith(router.complete({ model: 'a/model-a', messages: hi }), 'NO_CANDIDATES');
    const r = await router.resolve('coding');
    expect(r.candidates.find((c) => c.providerId === 'a')?.enabled).toBe(false);
    const res = await router.complete({ model: 'coding', messages: hi });
    expect(res.model.providerId).toBe('b');
    expect(a.calls).toHaveLength(0);
    expect(b.calls).toHaveLength(1);
  });

  it('a group whose only enabled member is on a disabled provider → NO_CANDIDATES', async () => {
    const catalog: CatalogInput = {
      providers: [{ id: 'a', adapter: 'mockA', enabled: false, keys: [{ id: 'a1', secret: 's' }] }],
      models: [{ providerId: 'a', modelId: 'model-a' }],
      groups: [{ name: 'g', members: [{ providerId: 'a', modelId: 'model-a' }] }],
    };
    const { router, a } = setup({ catalog });
    await rejectsWith(router.complete({ model: 'g', messages: hi }), 'NO_CANDIDATES');
    expect(a.calls).toHaveLength(0);
  });

  it('`model` may be a function, sync or async', async () => {
    const { router, b } = setup();
    const sync = await router.complete({ model: () => 'b/model-b', messages: hi });
    expect(sync.model.providerId).toBe('b');
    const async_ = await router.complete({ model: async () => 'model-b', messages: hi });
    expect(async_.model.providerId).toBe('b');
    expect(b.calls.map((c) => c.request.model)).toEqual(['b/model-b', 'model-b']);
  });

  it('a `model` function naming an unknown model → UNKNOWN_MODEL; one that throws → VALIDATION with its error as cause', async () => {
    const { router, a } = setup();
    await rejectsWith(router.complete({ model: async () => 'nope', messages: hi }), 'UNKNOWN_MODEL');
    const boom = new Error('selector failed');
    await expect(
      router.complete({
        model: () => {
          throw boom;
        },
        messages: hi,
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', cause: boom, details: { field: 'request.model' } });
    expect(a.calls).toHaveLength(0);
    expectReleased(router);
  });

  it('`defaultModel` (a string) serves requests without a model', async () => {
    const { router, b } = setup({ router: { defaultModel: 'b/model-b' } });
    const res = await router.complete({ messages: hi });
    expect(res.model).toEqual({ providerId: 'b', modelId: 'model-b' });
    expect(b.calls).toHaveLength(1);
    // A request's own model wins.
    const own = await router.complete({ model: 'coding', messages: hi });
    expect(own.groupName).toBe('coding');
  });

  it('`defaultModel` may be an async function', async () => {
    let calls = 0;
    const { router } = setup({
      router: {
        defaultModel: async () => {
          calls++;
          return 'coding';
        },
      },
    });
    const res = await router.complete({ messages: hi });
    expect(res.groupName).toBe('coding');
    expect(calls).toBe(1);
  });

  it('no model and no defaultModel → VALIDATION naming request.model', async () => {
    const { router, a, b, usage } = setup();
    const err = await rejectsWith(router.complete({ messages: hi }), 'VALIDATION');
    expect(err.details.field).toBe('request.model');
    expect(a.calls.length + b.calls.length).toBe(0);
    expect(usage).toHaveLength(0);
  });

  it('the request event reports the resolved name and kind', async () => {
    const { router } = setup({ router: { defaultModel: () => 'coding' } });
    const seen: unknown[] = [];
    router.on('request', (e) => void seen.push(e));
    await router.complete({ messages: hi }, { requestId: 'r-1' });
    await router.complete({ model: 'a/model-a', messages: hi }, { requestId: 'r-2' });
    expect(seen).toEqual([
      {
        requestId: 'r-1',
        model: 'coding',
        kind: 'group',
        groupName: 'coding',
        stream: false,
        operation: 'chat',
      },
      { requestId: 'r-2', model: 'a/model-a', kind: 'direct', stream: false, operation: 'chat' },
    ]);
  });
});
