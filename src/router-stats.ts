import type { CatalogCache } from './catalog/cache.js';
import type { QuotaAccounting } from './quota/quota-store.js';
import type { CircuitState } from './routing/circuit-breaker.js';
import type { Runtime } from './routing/runtime.js';

export interface KeyStats {
  providerId: string;
  keyId: string;
  inFlight: number;
  queued: number;
  requestsInWindow: number;
  tokensInWindow: number;
  rpm?: number;
  tpm?: number;
  maxConcurrent?: number;
  /** Epoch ms until which the key cools down, if it does. */
  coolingUntil?: number;
  quarantinedUntil?: number;
  /** Why the key cannot be used as stored (its secret does not decrypt); it is never picked. */
  unusable?: string;
}

export interface CandidateStatsView {
  providerId: string;
  modelId: string;
  inFlight: number;
  latencyMs?: number;
  ttftMs?: number;
  samples: number;
  circuit: CircuitState;
}

/** `router.stats()`: everything a test needs to prove that nothing is held after requests end. */
export interface RouterStats {
  /** Attempts calling a provider now. */
  inFlight: number;
  /** Requests waiting for a concurrency slot now. */
  queued: number;
  keys: KeyStats[];
  candidates: CandidateStatsView[];
  /** Leases taken and released by the quota store, when it counts them. */
  leases?: QuotaAccounting;
  /** Budget holds (#18) taken and not settled yet, when the quota store enforces budgets. */
  budgetLeases?: number;
}

export function collectStats(rt: Runtime, cache: CatalogCache | undefined): RouterStats {
  const now = rt.options.clock.now();
  const keys: KeyStats[] = [];
  for (const p of cache?.catalog.providers ?? []) {
    for (const k of p.keys) {
      const v = rt.quota.view({
        providerId: p.id,
        keyId: k.id,
        ...(k.rpm === undefined ? {} : { rpm: k.rpm }),
        ...(k.tpm === undefined ? {} : { tpm: k.tpm }),
        ...(k.maxConcurrent === undefined ? {} : { maxConcurrent: k.maxConcurrent }),
      });
      const s: KeyStats = {
        providerId: p.id,
        keyId: k.id,
        inFlight: v.inFlight,
        queued: v.queued,
        requestsInWindow: v.requestsInWindow,
        tokensInWindow: v.tokensInWindow,
      };
      if (k.rpm !== undefined) s.rpm = k.rpm;
      if (k.tpm !== undefined) s.tpm = k.tpm;
      if (k.maxConcurrent !== undefined) s.maxConcurrent = k.maxConcurrent;
      if (v.coolingUntil !== undefined && v.coolingUntil > now) s.coolingUntil = v.coolingUntil;
      if (v.quarantinedUntil !== undefined && v.quarantinedUntil > now)
        s.quarantinedUntil = v.quarantinedUntil;
      if (k.unusable !== undefined) s.unusable = k.unusable;
      keys.push(s);
    }
  }
  const candidates: CandidateStatsView[] = rt.stats.entriesList().map(([ref, e]) => {
    const slash = ref.indexOf('/');
    const c: CandidateStatsView = {
      providerId: ref.slice(0, slash),
      modelId: ref.slice(slash + 1),
      inFlight: e.inFlight,
      samples: e.samples,
      circuit: rt.breakers.state(ref, now),
    };
    if (e.latencyMs !== undefined) c.latencyMs = e.latencyMs;
    if (e.ttftMs !== undefined) c.ttftMs = e.ttftMs;
    return c;
  });
  const stats: RouterStats = { inFlight: rt.counters.inFlight, queued: rt.counters.queued, keys, candidates };
  const leases = rt.quota.accounting?.();
  if (leases) stats.leases = leases;
  const budgetLeases = rt.quota.budgetLeases?.();
  if (budgetLeases !== undefined) stats.budgetLeases = budgetLeases;
  return stats;
}
