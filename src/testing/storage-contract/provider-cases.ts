import { check, checkEqual, checkIso, checkNotBefore, checkRejects } from './assert.js';
import { type ContractContext, findProvider, memberRefs, seed } from './fixtures.js';

export interface InternalCase {
  name: string;
  run: (ctx: ContractContext) => Promise<void>;
}

/** Providers, keys and models: writes, defaults, NOT_FOUND, CONFLICT and cascades. */
export const providerCases: InternalCase[] = [
  {
    name: 'createProvider stores the provider with its inline keys and defaults',
    async run({ storage }) {
      const p = await storage.createProvider({
        id: 'openai',
        name: 'OpenAI',
        adapter: 'openai',
        keys: [{ id: 'k1', secret: 'sk-abc', rpm: 10 }],
      });
      checkEqual(
        { id: p.id, name: p.name, adapter: p.adapter, enabled: p.enabled },
        { id: 'openai', name: 'OpenAI', adapter: 'openai', enabled: true },
        'returned provider',
      );
      checkIso(p.createdAt, 'createdAt');
      checkIso(p.updatedAt, 'updatedAt');
      const k = p.keys[0];
      check(k !== undefined && p.keys.length === 1, 'returned provider has its one key');
      checkEqual(
        { id: k.id, providerId: k.providerId, secret: k.secret, rpm: k.rpm, enabled: k.enabled },
        { id: 'k1', providerId: 'openai', secret: 'sk-abc', rpm: 10, enabled: true },
        'returned key',
      );
      const loaded = findProvider(await storage.loadCatalog(), 'openai');
      checkEqual(loaded, p, 'loaded provider equals the returned one');
    },
  },
  {
    name: 'createProvider generates distinct ids when none are given',
    async run({ storage }) {
      const a = await storage.createProvider({
        adapter: 'openai',
        keys: [{ secret: 's1' }, { secret: 's2' }],
      });
      const b = await storage.createProvider({ adapter: 'openai' });
      check(typeof a.id === 'string' && a.id.length > 0, 'generated provider id');
      check(a.id !== b.id, `two providers got the same id "${a.id}"`);
      const [k1, k2] = a.keys;
      check(k1 && k2 && k1.id && k2.id && k1.id !== k2.id, 'generated key ids are distinct');
      checkEqual((await storage.loadCatalog()).providers.length, 2, 'provider count');
    },
  },
  {
    name: 'createProvider with a taken id is CONFLICT and changes nothing',
    async run({ storage }) {
      await storage.createProvider({ id: 'openai', adapter: 'openai', keys: [{ id: 'k1', secret: 's' }] });
      await checkRejects(
        storage.createProvider({ id: 'openai', adapter: 'other', keys: [{ id: 'k2', secret: 's' }] }),
        'CONFLICT',
        'duplicate provider id',
      );
      const catalog = await storage.loadCatalog();
      checkEqual(catalog.providers.length, 1, 'provider count');
      checkEqual(catalog.providers[0]?.adapter, 'openai', 'first provider kept');
      checkEqual(
        catalog.providers[0]?.keys.map((k) => k.id),
        ['k1'],
        'keys unchanged',
      );
    },
  },
  {
    name: 'updateProvider changes the given fields, clears null ones and maintains updatedAt',
    async run({ storage }) {
      const p = await storage.createProvider({
        id: 'p',
        name: 'P',
        adapter: 'openai',
        baseUrl: 'https://a.example',
      });
      const u = await storage.updateProvider('p', { name: null, enabled: false });
      checkEqual(
        { adapter: u.adapter, baseUrl: u.baseUrl, enabled: u.enabled, hasName: 'name' in u },
        { adapter: 'openai', baseUrl: 'https://a.example', enabled: false, hasName: false },
        'updated provider',
      );
      checkEqual(u.createdAt, p.createdAt, 'createdAt kept');
      checkNotBefore(u.updatedAt, p.updatedAt, 'updatedAt');
      checkEqual(findProvider(await storage.loadCatalog(), 'p'), u, 'loaded provider');
      await checkRejects(
        storage.updateProvider('nope', { enabled: false }),
        'NOT_FOUND',
        'updateProvider unknown id',
      );
    },
  },
  {
    name: 'deleteProvider deletes its keys, models and the members that use them',
    async run({ storage }) {
      await seed(storage);
      await storage.deleteProvider('openai');
      const catalog = await storage.loadCatalog();
      checkEqual(
        catalog.providers.map((p) => p.id),
        ['anthropic'],
        'providers left',
      );
      checkEqual(
        catalog.models.map((m) => m.id),
        ['anthropic/claude'],
        'models left',
      );
      checkEqual(memberRefs(catalog), ['coding:anthropic/claude-sonnet-4-5'], 'members left');
      await checkRejects(storage.deleteProvider('openai'), 'NOT_FOUND', 'deleteProvider twice');
      // The ids are free again: nothing of the old provider lingers.
      await storage.createProvider({ id: 'openai', adapter: 'openai', keys: [{ id: 'oa-1', secret: 's' }] });
      await storage.createModel({ id: 'openai/gpt-4o-mini', providerId: 'openai', modelId: 'gpt-4o-mini' });
    },
  },
  {
    name: 'addKey, updateKey and removeKey manage one key of a pool',
    async run({ storage }) {
      const { openai } = await seed(storage);
      const k = await storage.addKey('openai', { id: 'oa-3', secret: 'sk-new', tpm: 1000 });
      checkEqual(
        { id: k.id, providerId: k.providerId, enabled: k.enabled },
        { id: 'oa-3', providerId: 'openai', enabled: true },
        'added key',
      );
      const u = await storage.updateKey('openai', 'oa-1', {
        rpm: null,
        tpm: 5,
        secret: 'sk-rotated',
        enabled: false,
      });
      checkEqual(
        { rpm: 'rpm' in u, tpm: u.tpm, maxConcurrent: u.maxConcurrent, secret: u.secret, enabled: u.enabled },
        { rpm: false, tpm: 5, maxConcurrent: 16, secret: 'sk-rotated', enabled: false },
        'updated key',
      );
      checkNotBefore(u.updatedAt, openai.keys[0]!.updatedAt, 'key updatedAt');
      await storage.removeKey('openai', 'oa-2');
      const loaded = findProvider(await storage.loadCatalog(), 'openai');
      checkEqual(
        loaded?.keys.map((x) => x.id),
        ['oa-1', 'oa-3'],
        'keys after remove',
      );
      checkEqual(loaded?.keys[0], u, 'loaded key equals the updated one');
    },
  },
  {
    name: 'key writes give NOT_FOUND for unknown providers and keys, CONFLICT for a taken key id',
    async run({ storage }) {
      await seed(storage);
      await checkRejects(storage.addKey('nope', { secret: 's' }), 'NOT_FOUND', 'addKey unknown provider');
      await checkRejects(
        storage.addKey('openai', { id: 'oa-1', secret: 's' }),
        'CONFLICT',
        'addKey taken id',
      );
      await checkRejects(
        storage.updateKey('openai', 'nope', { rpm: 1 }),
        'NOT_FOUND',
        'updateKey unknown key',
      );
      await checkRejects(
        storage.updateKey('nope', 'oa-1', { rpm: 1 }),
        'NOT_FOUND',
        'updateKey unknown provider',
      );
      await checkRejects(
        storage.updateKey('anthropic', 'oa-1', { rpm: 1 }),
        'NOT_FOUND',
        "updateKey of another provider's key",
      );
      await checkRejects(storage.removeKey('openai', 'nope'), 'NOT_FOUND', 'removeKey unknown key');
      await checkRejects(
        storage.removeKey('anthropic', 'oa-1'),
        'NOT_FOUND',
        "removeKey of another provider's key",
      );
      checkEqual(findProvider(await storage.loadCatalog(), 'openai')?.keys.length, 2, 'keys unchanged');
    },
  },
  {
    name: 'createModel stores the model; a taken (provider, modelId) or id is CONFLICT; an unknown provider is VALIDATION',
    async run({ storage }) {
      await seed(storage);
      const m = await storage.createModel({
        providerId: 'anthropic',
        modelId: 'claude-haiku',
        maxOutputTokens: 8192,
        outputCostPerMTok: 1.25,
      });
      check(typeof m.id === 'string' && m.id.length > 0, 'generated model id');
      checkEqual(
        {
          providerId: m.providerId,
          modelId: m.modelId,
          maxOutputTokens: m.maxOutputTokens,
          outputCostPerMTok: m.outputCostPerMTok,
          enabled: m.enabled,
        },
        {
          providerId: 'anthropic',
          modelId: 'claude-haiku',
          maxOutputTokens: 8192,
          outputCostPerMTok: 1.25,
          enabled: true,
        },
        'created model',
      );
      await checkRejects(
        storage.createModel({ providerId: 'openai', modelId: 'gpt-4o' }),
        'CONFLICT',
        'duplicate (provider, modelId)',
      );
      await checkRejects(
        storage.createModel({ id: 'openai/gpt-4o', providerId: 'anthropic', modelId: 'x' }),
        'CONFLICT',
        'duplicate model id',
      );
      await checkRejects(
        storage.createModel({ providerId: 'nope', modelId: 'x' }),
        'VALIDATION',
        'unknown provider',
      );
      checkEqual((await storage.loadCatalog()).models.length, 4, 'model count');
    },
  },
  {
    name: 'updateModel patches and clears fields; renaming modelId carries the members along',
    async run({ storage }) {
      await seed(storage);
      const u = await storage.updateModel('openai/gpt-4o-mini', {
        contextWindow: null,
        enabled: false,
        modelId: 'gpt-4o-mini-2',
      });
      checkEqual(
        { modelId: u.modelId, enabled: u.enabled, hasCw: 'contextWindow' in u },
        { modelId: 'gpt-4o-mini-2', enabled: false, hasCw: false },
        'updated model',
      );
      const catalog = await storage.loadCatalog();
      checkEqual(
        memberRefs(catalog),
        ['coding:anthropic/claude-sonnet-4-5', 'coding:openai/gpt-4o-mini-2'],
        'members follow the rename',
      );
      await checkRejects(
        storage.updateModel('openai/gpt-4o-mini', { modelId: 'gpt-4o' }),
        'CONFLICT',
        'rename onto a taken modelId',
      );
      await checkRejects(
        storage.updateModel('nope', { enabled: true }),
        'NOT_FOUND',
        'updateModel unknown id',
      );
    },
  },
  {
    name: 'deleteModel deletes the members that use it and nothing else',
    async run({ storage }) {
      await seed(storage);
      await storage.createGroup({
        name: 'cheap',
        members: [
          { providerId: 'openai', modelId: 'gpt-4o-mini' },
          { providerId: 'openai', modelId: 'gpt-4o' },
        ],
      });
      await storage.deleteModel('openai/gpt-4o-mini');
      const catalog = await storage.loadCatalog();
      checkEqual(
        catalog.models.map((m) => m.id),
        ['openai/gpt-4o', 'anthropic/claude'],
        'models left',
      );
      checkEqual(
        memberRefs(catalog),
        ['coding:anthropic/claude-sonnet-4-5', 'cheap:openai/gpt-4o'],
        'members left',
      );
      await checkRejects(storage.deleteModel('openai/gpt-4o-mini'), 'NOT_FOUND', 'deleteModel twice');
    },
  },
];
