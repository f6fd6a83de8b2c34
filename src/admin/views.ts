import type { Catalog, Group, Model, Provider, ProviderKey } from '../catalog/types.js';
import { notFound } from '../storage/storage-errors.js';
import { secretPreview } from './secret-preview.js';
import type { AdminKey, AdminProvider } from './types.js';

/*
 * Admin reads: copies of the router's cache (a caller must not be able to edit it) with secrets
 * replaced by previews.
 */

export function toAdminKey(key: ProviderKey): AdminKey {
  const { secret, ...rest } = key;
  return { ...structuredClone(rest), secretPreview: secretPreview(secret) };
}

export function toAdminProvider(provider: Provider): AdminProvider {
  const { keys, ...rest } = provider;
  return { ...structuredClone(rest), keys: keys.map(toAdminKey) };
}

export function findGroup(catalog: Catalog, idOrName: string): Group {
  const group =
    catalog.groups.find((g) => g.id === idOrName) ?? catalog.groups.find((g) => g.name === idOrName);
  if (!group) throw notFound('group', idOrName);
  return structuredClone(group);
}

export function findProvider(catalog: Catalog, id: string): AdminProvider {
  const provider = catalog.providers.find((p) => p.id === id);
  if (!provider) throw notFound('provider', id);
  return toAdminProvider(provider);
}

export function findModel(catalog: Catalog, idOrRef: string): Model {
  const model =
    catalog.models.find((m) => m.id === idOrRef) ??
    catalog.models.find((m) => `${m.providerId}/${m.modelId}` === idOrRef);
  if (!model) throw notFound('model', idOrRef);
  return structuredClone(model);
}
