import { describe, expect, it } from 'vitest';
import { admin, setup } from './harness.js';

const SECRETS = [
  'sk-proj-secret-0123456789abcd',
  'sk-ant-secret-9876543210wxyz',
  'sk-rotated-key-555566667777',
];

describe('admin: providers and keys', () => {
  it('reads show secretPreview, never the secret', async () => {
    const { api } = await setup();
    const providers = await api.listProviders();
    expect(providers[0]!.keys.map((k) => k.secretPreview)).toEqual(['sk-…abcd', 'env:OPENAI_KEY_2']);
    const text = JSON.stringify([providers, await api.getProvider('anthropic')]);
    for (const s of SECRETS) expect(text).not.toContain(s);
    expect(providers[0]!.keys[0]).not.toHaveProperty('secret');
  });

  it('createProvider with inline keys returns the provider without secrets', async () => {
    const { api, changes, cache } = await setup();
    const p = await api.createProvider(
      {
        id: 'groq',
        adapter: 'openai',
        baseUrl: 'https://api.groq.com/openai/v1',
        keys: [{ id: 'g-1', secret: SECRETS[2]!, tpm: 1000 }],
      },
      admin,
    );
    expect(p).toMatchObject({
      id: 'groq',
      enabled: true,
      keys: [{ id: 'g-1', providerId: 'groq', tpm: 1000, secretPreview: 'sk-…7777', enabled: true }],
    });
    expect(JSON.stringify(p)).not.toContain(SECRETS[2]);
    expect(changes).toEqual([{ entity: 'provider', id: 'groq' }]);
    // The router's cache (and so the router) gets the real secret.
    expect(cache().providers.at(-1)?.keys[0]?.secret).toBe(SECRETS[2]);
    await expect(api.createProvider({ id: 'groq', adapter: 'openai' }, admin)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('updateProvider patches and clears; unknown is NOT_FOUND', async () => {
    const { api } = await setup();
    const u = await api.updateProvider(
      'openai',
      { name: 'OpenAI', baseUrl: 'https://proxy.example/v1', enabled: false },
      admin,
    );
    expect(u).toMatchObject({
      id: 'openai',
      name: 'OpenAI',
      baseUrl: 'https://proxy.example/v1',
      enabled: false,
    });
    expect(await api.updateProvider('openai', { baseUrl: null }, admin)).not.toHaveProperty('baseUrl');
    await expect(api.updateProvider('nope', { enabled: true }, admin)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(api.getProvider('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('deleteProvider deletes its keys, models and the members using them', async () => {
    const { api } = await setup();
    await api.deleteProvider('openai', admin);
    expect((await api.listProviders()).map((p) => p.id)).toEqual(['anthropic']);
    expect((await api.listModels()).map((m) => m.providerId)).toEqual(['anthropic']);
    expect((await api.getGroup('coding')).members.map((m) => m.providerId)).toEqual(['anthropic']);
    await expect(api.deleteProvider('openai', admin)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('addKey, updateKey (rotation) and removeKey', async () => {
    const { api, cache } = await setup();
    const k = await api.addKey(
      'openai',
      { id: 'oa-3', secret: 'sk-new-key-abcdefgh1234', maxConcurrent: 4 },
      admin,
    );
    expect(k).toEqual(
      expect.objectContaining({
        id: 'oa-3',
        providerId: 'openai',
        maxConcurrent: 4,
        secretPreview: 'sk-…1234',
      }),
    );
    expect(k).not.toHaveProperty('secret');
    const rotated = await api.updateKey(
      'openai',
      'oa-3',
      { secret: SECRETS[2]!, maxConcurrent: null },
      admin,
    );
    expect(rotated.secretPreview).toBe('sk-…7777');
    expect(rotated).not.toHaveProperty('maxConcurrent');
    expect(cache().providers[0]?.keys.find((x) => x.id === 'oa-3')?.secret).toBe(SECRETS[2]);
    await api.removeKey('openai', 'oa-3', admin);
    expect((await api.getProvider('openai')).keys.map((x) => x.id)).toEqual(['oa-1', 'oa-2']);
    await expect(api.removeKey('openai', 'oa-3', admin)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(api.updateKey('nope', 'oa-1', { rpm: 1 }, admin)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(api.addKey('openai', { id: 'oa-1', secret: 'sk-x' }, admin)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('checks the adapter against the known adapters when given', async () => {
    const { api } = await setup({ adapters: () => ['openai', 'anthropic'] });
    await expect(api.createProvider({ adapter: 'gemini' }, admin)).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { field: 'adapter' },
    });
    await expect(api.updateProvider('openai', { adapter: 'gemini' }, admin)).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await api.updateProvider('openai', { adapter: 'anthropic' }, admin);
  });
});

describe('admin: models', () => {
  it('lists, and gets by id or providerId/modelId', async () => {
    const { api } = await setup();
    const models = await api.listModels();
    expect(models.map((m) => m.modelId)).toEqual(['gpt-4o-mini', 'gpt-4o', 'claude-sonnet-4-5']);
    expect(await api.getModel('openai/gpt-4o')).toEqual(models[1]);
    expect(await api.getModel(models[2]!.id)).toEqual(models[2]);
    await expect(api.getModel('openai/gpt-5')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('createModel: unknown provider is VALIDATION, duplicate is CONFLICT', async () => {
    const { api } = await setup();
    const m = await api.createModel(
      { providerId: 'anthropic', modelId: 'claude-haiku-4-5', contextWindow: 200_000 },
      admin,
    );
    expect(m).toMatchObject({
      providerId: 'anthropic',
      modelId: 'claude-haiku-4-5',
      contextWindow: 200_000,
      enabled: true,
    });
    await expect(api.createModel({ providerId: 'nope', modelId: 'x' }, admin)).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { field: 'providerId' },
    });
    await expect(api.createModel({ providerId: 'openai', modelId: 'gpt-4o' }, admin)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('updateModel and deleteModel (members using it go too)', async () => {
    const { api } = await setup();
    const mini = await api.getModel('openai/gpt-4o-mini');
    expect(
      await api.updateModel(mini.id, { maxOutputTokens: 16_384, outputCostPerMTok: 0.6 }, admin),
    ).toMatchObject({ maxOutputTokens: 16_384, outputCostPerMTok: 0.6 });
    await api.deleteModel(mini.id, admin);
    expect((await api.getGroup('coding')).members.map((m) => m.modelId)).toEqual(['claude-sonnet-4-5']);
    await expect(api.deleteModel(mini.id, admin)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(api.updateModel(mini.id, { enabled: false }, admin)).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
