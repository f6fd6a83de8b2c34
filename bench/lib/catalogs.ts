import type { CatalogInput } from '../../src/index.js';

/** Limits high enough never to bind, so that quota accounting still runs on every request. */
export const UNBOUND = { rpm: 1_000_000_000, tpm: 1_000_000_000_000, maxConcurrent: 1_000_000 } as const;

/** The request every in-process benchmark sends. */
export function benchRequest(model = 'bench') {
  return { model, messages: [{ role: 'user' as const, content: 'hello, how are you?' }] };
}

/**
 * One group `bench` of three members on three providers (2 + 1 + 1 keys, all unbound), every
 * provider served by the adapter named `adapter`.
 */
export function smallCatalog(adapter = 'instant', options: { baseUrl?: string } = {}): CatalogInput {
  const base = options.baseUrl ? { baseUrl: options.baseUrl } : {};
  return {
    providers: [
      {
        id: 'p1',
        adapter,
        ...base,
        keys: [
          { id: 'p1-k1', secret: 'sk-bench-1', ...UNBOUND },
          { id: 'p1-k2', secret: 'sk-bench-2', ...UNBOUND },
        ],
      },
      { id: 'p2', adapter, ...base, keys: [{ id: 'p2-k1', secret: 'sk-bench-3', ...UNBOUND }] },
      { id: 'p3', adapter, ...base, keys: [{ id: 'p3-k1', secret: 'sk-bench-4', ...UNBOUND }] },
    ],
    models: [
      { providerId: 'p1', modelId: 'gpt-4o-mini' },
      { providerId: 'p2', modelId: 'gpt-4o' },
      { providerId: 'p3', modelId: 'gpt-4.1-mini' },
    ],
    groups: [
      {
        name: 'bench',
        members: [
          { providerId: 'p1', modelId: 'gpt-4o-mini', priority: 0 },
          { providerId: 'p2', modelId: 'gpt-4o', priority: 1 },
          { providerId: 'p3', modelId: 'gpt-4.1-mini', priority: 2 },
        ],
      },
    ],
  };
}

export const MEMBERS_PER_GROUP = 10;
export const KEYS_PER_PROVIDER = 5;

/**
 * `groups` groups (`g0` …) of ten members each, over `max(10, groups)` providers of five keys and
 * one model each; group `g` takes the models of providers `g, g + s, g + 2s, …` (mod the provider
 * count), so providers, keys, models and members all grow with the catalog — unless `providerLimit`
 * fixes their number (the shape of most deployments: many groups over a handful of providers).
 */
export function scaleCatalog(groups: number, adapter = 'instant', providerLimit?: number): CatalogInput {
  const providerCount = providerLimit ?? Math.max(MEMBERS_PER_GROUP, groups);
  const stride = Math.floor(providerCount / MEMBERS_PER_GROUP);
  const providers = Array.from({ length: providerCount }, (_, p) => ({
    id: `p${p}`,
    adapter,
    keys: Array.from({ length: KEYS_PER_PROVIDER }, (_, k) => ({
      id: `p${p}-k${k}`,
      secret: `sk-${p}-${k}`,
      ...UNBOUND,
    })),
  }));
  const models = providers.map((p) => ({ providerId: p.id, modelId: `m-${p.id}` }));
  const groupList = Array.from({ length: groups }, (_, g) => ({
    name: `g${g}`,
    members: Array.from({ length: MEMBERS_PER_GROUP }, (_, j) => {
      const p = (g + j * stride) % providerCount;
      return { providerId: `p${p}`, modelId: `m-p${p}`, priority: j };
    }),
  }));
  return { providers, models, groups: groupList };
}
