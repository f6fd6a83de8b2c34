import { describe, expect, it } from 'vitest';
import { hi, rejectsWith, setup, throwsWith } from './helpers.js';

// Model ids are what upstreams use: a local server started on a path (`transformers serve
// /models/x`, vLLM's default served name) is called with `model: "/models/x"`.
const catalog = (modelId: string) => ({
  providers: [{ id: 'local', adapter: 'mockA', keys: [{ id: 'k1', secret: 'none' }] }],
  models: [{ providerId: 'local', modelId }],
  groups: [{ name: 'chat', members: [{ providerId: 'local', modelId }] }],
});

describe('model ids', () => {
  it('a path-like id is accepted and sent upstream as is, by group, direct ref and bare id', async () => {
    const { router, a } = setup({ catalog: catalog('/models/Qwen 2.5 (7B)') });
    for (const model of ['chat', 'local//models/Qwen 2.5 (7B)', '/models/Qwen 2.5 (7B)']) {
      const res = await router.complete({ model, messages: hi });
      expect(res.model).toEqual({ providerId: 'local', modelId: '/models/Qwen 2.5 (7B)' });
    }
    expect(a.calls.map((c) => c.modelId)).toEqual(Array(3).fill('/models/Qwen 2.5 (7B)'));
    expect((await router.resolve('local//models/Qwen 2.5 (7B)')).kind).toBe('direct');
  });

  it('non-ASCII printable ids are accepted; admin writes take them too', async () => {
    const { router } = setup({ catalog: catalog('modèle-ü/日本語') });
    await router.ready();
    const created = await router.admin.createModel(
      { providerId: 'local', modelId: '~weird:id@v1' },
      { actor: { role: 'admin' } },
    );
    expect(created.modelId).toBe('~weird:id@v1');
    expect((await router.complete({ model: 'local/~weird:id@v1', messages: hi })).model.modelId).toBe(
      '~weird:id@v1',
    );
  });

  it('control characters and absurd lengths are refused, naming the field', async () => {
    for (const bad of ['a\u0007b', 'a\nb', 'x\u0085', 'a\u2028b', '', 'm'.repeat(513)]) {
      const error = throwsWith(() => setup({ catalog: catalog(bad) }), 'VALIDATION');
      expect(error.details.field).toBe('catalog.models[0].modelId');
    }
    const { router } = setup({ catalog: catalog('ok') });
    await router.ready();
    await rejectsWith(
      router.admin.updateModel('local/ok', { modelId: 'a\u0000b' }, { actor: { role: 'admin' } }),
      'VALIDATION',
    );
    expect(() => setup({ catalog: catalog('m'.repeat(512)) })).not.toThrow();
  });
});
