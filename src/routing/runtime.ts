import type { AffinityStore } from '../affinity/affinity-entry.js';
import type { CatalogCache } from '../catalog/cache.js';
import type { RouterEmitter } from '../events.js';
import type { ResolvedOptions } from '../options.js';
import type { QuotaStore } from '../quota/quota-store.js';
import type { UsageSink } from '../usage/usage-sink.js';
import type { CandidateStats } from './candidate-stats.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import type { Demotions } from './demotion.js';
import type { RetryBudget } from './retry-budget.js';
import type { RouterStrategyContext } from './order.js';
import type { Strategy } from './strategy.js';
import type { LedgerSeeds } from '../budgets/ledger-seed.js';

/** Router-wide counters that `stats()` reports and tests drive to zero. */
export interface Counters {
  inFlight: number;
  queued: number;
}

/** Everything the attempt loop needs, owned by one `ModelRouter`. */
export interface Runtime {
  readonly options: ResolvedOptions;
  readonly quota: QuotaStore;
  readonly emitter: RouterEmitter;
  readonly usage: UsageSink;
  readonly stats: CandidateStats;
  readonly breakers: CircuitBreakers;
  /** Candidates tried last for a while after a timeout. */
  readonly demotions: Demotions;
  readonly budget: RetryBudget;
  readonly strategies: ReadonlyMap<string, Strategy>;
  /** The built-in strategies: trusted to return only the candidates they were given. */
  readonly trustedStrategies: ReadonlySet<Strategy>;
  /** Reused for every ordering (see `RouterStrategyContext`). */
  readonly strategyContext: RouterStrategyContext;
  readonly counters: Counters;
  /** Where affinity entries live (the quota store's, else the router's own); undefined when off. */
  readonly affinity: AffinityStore | undefined;
  /** Budget counters rebuilt from the ledger, once per counter (#18). */
  readonly ledgerSeeds: LedgerSeeds;
  cache(): CatalogCache;
}
