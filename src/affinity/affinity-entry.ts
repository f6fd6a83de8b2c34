/** Where an affinity key's requests went last: the candidate and the key that served. */
export interface AffinityTarget {
  providerId: string;
  modelId: string;
  keyId: string;
}

/**
 * The affinity part of a `QuotaStore` (optional: a store without it keeps affinity in the router's
 * own memory). `id` is an opaque, fixed-length digest the router makes of the group and the key.
 */
export interface AffinityStore {
  /**
   * The entry of `id`, if it is fresh. With `slideMs`, reading it also pushes its expiry to
   * `slideMs` from now (a sliding TTL: a session in use stays pinned); without, a pure read.
   */
  getAffinity(id: string, slideMs?: number): Promise<AffinityTarget | undefined>;
  /** Point `id` at `target` for `ttlMs`. */
  setAffinity(id: string, target: AffinityTarget, ttlMs: number): Promise<void>;
}

/** A stored entry, checked when read back from a shared store (another version may have written it). */
export function parseAffinityTarget(value: unknown): AffinityTarget | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const v = JSON.parse(value) as Partial<AffinityTarget>;
    if (typeof v.providerId === 'string' && typeof v.modelId === 'string' && typeof v.keyId === 'string')
      return { providerId: v.providerId, modelId: v.modelId, keyId: v.keyId };
  } catch {
    // Not ours: no entry.
  }
  return undefined;
}
