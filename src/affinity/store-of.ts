import type { QuotaStore } from '../quota/quota-store.js';
import type { Clock } from '../util/clock.js';
import type { AffinityStore } from './affinity-entry.js';
import { affinityMap } from './affinity-map.js';

/** The quota store's affinity entries when it keeps them; else a bounded map of the router's own. */
export function affinityStoreOf(quota: QuotaStore, clock: Clock): AffinityStore {
  const { getAffinity, setAffinity } = quota;
  if (typeof getAffinity === 'function' && typeof setAffinity === 'function') {
    return {
      getAffinity: (id, slideMs) => getAffinity.call(quota, id, slideMs),
      setAffinity: (id, target, ttlMs) => setAffinity.call(quota, id, target, ttlMs),
    };
  }
  return affinityMap(clock, 100_000);
}
