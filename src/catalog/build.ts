import { invalid, parseOrThrow } from '../errors/validation.js';
import { newGroup, newModel, newProvider } from './entities.js';
import { type CatalogInput, catalogInputSchema } from './inputs.js';
import type { Catalog, Group, Model, Provider } from './types.js';

/**
 * Validate a catalog written in options (or loaded by a storage) and fill in ids and defaults.
 * Cross-checks what a schema alone cannot: duplicate ids and names, members naming unknown models.
 * Ids left out are derived from names (so a seeded catalog has the same ids on every start); the
 * defaults are those of every storage (`entities.ts`).
 */
export function buildCatalog(input: CatalogInput, now: string, prefix = 'catalog'): Catalog {
  const parsed = parseOrThrow(catalogInputSchema, input, prefix);
  const providers: Provider[] = [];
  const providerIds = new Set<string>();
  parsed.providers.forEach((p, i) => {
    const id = p.id ?? p.adapter;
    if (providerIds.has(id)) throw invalid(`${prefix}.providers[${i}].id`, `duplicate provider id "${id}"`);
    providerIds.add(id);
    const keyIds = new Set<string>();
    const keys = (p.keys ?? []).map((k, j) => {
      const keyId = k.id ?? `${id}-${j + 1}`;
      if (keyIds.has(keyId)) {
        throw invalid(`${prefix}.providers[${i}].keys[${j}].id`, `duplicate key id "${keyId}"`);
      }
      keyIds.add(keyId);
      return { ...k, id: keyId };
    });
    providers.push(newProvider({ ...p, id, keys }, now));
  });

  const models: Model[] = [];
  const modelRefs = new Set<string>();
  const modelIds = new Set<string>();
  parsed.models.forEach((m, i) => {
    if (!providerIds.has(m.providerId)) {
      throw invalid(`${prefix}.models[${i}].providerId`, `unknown provider "${m.providerId}"`);
    }
    const ref = `${m.providerId}/${m.modelId}`;
    if (modelRefs.has(ref)) throw invalid(`${prefix}.models[${i}].modelId`, `duplicate model "${ref}"`);
    modelRefs.add(ref);
    const id = m.id ?? ref;
    if (modelIds.has(id)) throw invalid(`${prefix}.models[${i}].id`, `duplicate model id "${id}"`);
    modelIds.add(id);
    models.push(newModel({ ...m, id }, now));
  });

  const groups: Group[] = [];
  const groupNames = new Set<string>();
  const groupIds = new Set<string>();
  parsed.groups.forEach((g, i) => {
    if (groupNames.has(g.name)) {
      throw invalid(`${prefix}.groups[${i}].name`, `duplicate group name "${g.name}"`);
    }
    groupNames.add(g.name);
    const id = g.id ?? g.name;
    if (groupIds.has(id)) throw invalid(`${prefix}.groups[${i}].id`, `duplicate group id "${id}"`);
    groupIds.add(id);
    const memberRefs = new Set<string>();
    const members = (g.members ?? []).map((m, j) => {
      const ref = `${m.providerId}/${m.modelId}`;
      const field = `${prefix}.groups[${i}].members[${j}]`;
      if (!modelRefs.has(ref)) throw invalid(`${field}.modelId`, `unknown model "${ref}"`);
      if (memberRefs.has(ref)) throw invalid(field, `duplicate member "${ref}"`);
      memberRefs.add(ref);
      return { ...m, id: m.id ?? `${id}:${ref}` };
    });
    groups.push(newGroup({ ...g, id, members }, now));
  });
  return { providers, models, groups };
}
