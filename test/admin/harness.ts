import { createAdminApi } from '../../src/admin/admin-api.js';
import type { AdminDeps } from '../../src/admin/types.js';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import type { Catalog } from '../../src/catalog/types.js';
import { memoryStorage } from '../../src/storage/memory-storage.js';
import type { CatalogChange, RouterStorage } from '../../src/storage/storage.js';

export const admin = { actor: { role: 'admin' } };
export const viewer = { actor: { role: 'viewer' } };

export const seedCatalog: CatalogInput = {
  providers: [
    {
      id: 'openai',
      adapter: 'openai',
      keys: [
        { id: 'oa-1', secret: 'sk-proj-secret-0123456789abcd', rpm: 500 },
        { id: 'oa-2', secret: 'env:OPENAI_KEY_2' },
      ],
    },
    { id: 'anthropic', adapter: 'anthropic', keys: [{ id: 'an-1', secret: 'sk-ant-secret-9876543210wxyz' }] },
  ],
  models: [
    { providerId: 'openai', modelId: 'gpt-4o-mini' },
    { providerId: 'openai', modelId: 'gpt-4o' },
    { providerId: 'anthropic', modelId: 'claude-sonnet-4-5' },
  ],
  groups: [
    {
      name: 'coding',
      failoverStrategy: 'priority',
      members: [
        { providerId: 'anthropic', modelId: 'claude-sonnet-4-5', priority: 0 },
        { providerId: 'openai', modelId: 'gpt-4o-mini', priority: 1 },
      ],
    },
  ],
};

/** An admin API over memoryStorage with a cache that reloads on each write, as the router does. */
export async function setup(overrides: Partial<AdminDeps> & { storage?: RouterStorage } = {}) {
  const storage = overrides.storage ?? memoryStorage({ catalog: seedCatalog });
  let cache: Catalog = await storage.loadCatalog();
  const changes: CatalogChange[] = [];
  const actions: string[] = [];
  const api = createAdminApi({
    storage,
    authorize: (actor, action) => {
      actions.push(action);
      return (actor as { role?: string } | undefined)?.role === 'admin';
    },
    catalog: () => cache,
    onWrite: async (change) => {
      changes.push(change);
      cache = await storage.loadCatalog();
    },
    ...overrides,
  });
  return { api, storage, changes, actions, cache: () => cache };
}
