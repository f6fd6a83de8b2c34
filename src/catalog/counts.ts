import type { Catalog } from './types.js';

/** What a catalog may show when printed: sizes, never entries (they hold the keys' secrets). */
export function counts(catalog: Catalog): Record<string, number> {
  return {
    providers: catalog.providers.length,
    keys: catalog.providers.reduce((n, p) => n + p.keys.length, 0),
    models: catalog.models.length,
    groups: catalog.groups.length,
  };
}
