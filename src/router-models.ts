import type { CatalogCache } from './catalog/cache.js';
import { poolState } from './routing/headroom.js';
import type { Runtime } from './routing/runtime.js';

/** A logical model a caller may request (`router.listModels()`). */
export interface ModelInfo {
  /** The name to put in `request.model`: a group name, or `providerId/modelId`. */
  id: string;
  kind: 'group' | 'direct';
  displayName?: string;
  description?: string;
  /** For direct models. */
  providerId?: string;
  modelId?: string;
  /** Largest context window among the candidates, when known. */
  contextWindow?: number;
  /** Enabled, with at least one candidate whose key pool can serve now. */
  available: boolean;
}

export function listModelInfo(rt: Runtime, cache: CatalogCache): ModelInfo[] {
  const now = rt.options.clock.now();
  const out: ModelInfo[] = [];
  const usable = (name: string) => {
    const target = cache.lookup(name);
    const available = target.active.some(
      (c) => !!rt.options.adapters[c.provider.adapter] && !poolState(c.keys, rt.quota, now).skip,
    );
    const windows = target.all.map((c) => c.model.contextWindow).filter((w): w is number => w !== undefined);
    return { available, ...(windows.length ? { contextWindow: Math.max(...windows) } : {}) };
  };
  for (const g of cache.catalog.groups) {
    out.push({
      id: g.name,
      kind: 'group',
      ...(g.displayName ? { displayName: g.displayName } : {}),
      ...(g.description ? { description: g.description } : {}),
      ...usable(g.name),
    });
  }
  for (const m of cache.catalog.models) {
    const id = `${m.providerId}/${m.modelId}`;
    out.push({ id, kind: 'direct', providerId: m.providerId, modelId: m.modelId, ...usable(id) });
  }
  return out;
}
