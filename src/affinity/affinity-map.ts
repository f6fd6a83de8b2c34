import type { Clock } from '../util/clock.js';
import type { AffinityStore, AffinityTarget } from './affinity-entry.js';

interface Slot {
  target: AffinityTarget;
  expiresAt: number;
}

/**
 * Affinity entries in memory: a TTL map bounded to `maxEntries` that drops the least recently used
 * entry when full (a Map keeps insertion order; a read re-inserts), so millions of one-off sessions
 * cost at most `maxEntries` entries. Expired entries go when read, and when they reach the front.
 */
export function affinityMap(clock: Clock, maxEntries: number): AffinityStore & { readonly size: number } {
  const slots = new Map<string, Slot>();
  const done = Promise.resolve();

  function prune(now: number): void {
    for (const [id, slot] of slots) {
      if (slot.expiresAt > now && slots.size <= maxEntries) break;
      slots.delete(id);
    }
  }

  return {
    get size() {
      return slots.size;
    },
    getAffinity(id: string, slideMs?: number): Promise<AffinityTarget | undefined> {
      const slot = slots.get(id);
      if (slot === undefined) return Promise.resolve(undefined);
      const now = clock.now();
      if (slot.expiresAt <= now) {
        slots.delete(id);
        return Promise.resolve(undefined);
      }
      if (slideMs !== undefined) {
        slot.expiresAt = now + slideMs;
        slots.delete(id); // most recently used goes last
        slots.set(id, slot);
      }
      return Promise.resolve({ ...slot.target });
    },
    setAffinity(id: string, target: AffinityTarget, ttlMs: number): Promise<void> {
      const now = clock.now();
      slots.delete(id);
      slots.set(id, { target: { ...target }, expiresAt: now + ttlMs });
      if (slots.size > maxEntries) prune(now);
      return done;
    },
  };
}
