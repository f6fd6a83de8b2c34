import type { CandidateEntry, RouteTarget } from '../catalog/cache.js';
import { RouterError } from '../errors/router-error.js';
import { poolState } from './headroom.js';
import type { Runtime } from './runtime.js';
import type { QuotaKey } from '../quota/quota-store.js';
import type { LatencyStats, StrategyCandidate, StrategyContext } from './strategy.js';

/**
 * Order a target's enabled candidates with its strategy (group's, else the router's default).
 * `dryRun` (for `plan()`) asks stateful strategies not to advance their state.
 */
export function orderCandidates(
  rt: Runtime,
  target: RouteTarget,
  now: number,
  dryRun = false,
): CandidateEntry[] {
  const name = target.strategy ?? rt.options.defaultStrategy;
  const strategy = rt.strategies.get(name);
  if (!strategy) {
    throw new RouterError('VALIDATION', `Unknown strategy "${name}" for "${target.name}"`, {
      details: { field: 'failoverStrategy', strategy: name },
    });
  }
  if (target.active.length === 1) return [target.active[0]!];
  const context = rt.strategyContext;
  context.now = now;
  context.groupName = target.group?.name;
  context.dryRun = dryRun;
  const ordered = strategy(target.active, context) as StrategyCandidate[];
  // A custom strategy may drop candidates, never invent them: keep only entries of this target.
  const active: readonly StrategyCandidate[] = target.active;
  const own = rt.trustedStrategies.has(strategy)
    ? (ordered as CandidateEntry[])
    : (ordered.filter((c) => active.includes(c)) as CandidateEntry[]);
  // A candidate that just timed out goes last, whatever the strategy thinks of it.
  return rt.demotions.apply(own, now);
}

/**
 * The one strategy context of a router, refilled for each ordering: strategies run synchronously
 * and must not keep it, so one object (and its three methods) serves every request.
 */
export class RouterStrategyContext implements StrategyContext {
  now = 0;
  groupName: string | undefined = undefined;
  dryRun = false;
  readonly random: () => number;
  readonly headroom: (c: StrategyCandidate) => number;
  readonly inFlight: (c: StrategyCandidate) => number;
  readonly latency: (c: StrategyCandidate) => LatencyStats;

  constructor(rt: Pick<Runtime, 'options' | 'quota' | 'stats'>) {
    const quota = rt.quota;
    const view = (k: QuotaKey) => quota.view(k);
    this.random = rt.options.random;
    this.headroom = (c) => poolState((c as CandidateEntry).keys, view, this.now).headroom;
    this.inFlight = (c) => rt.stats.get((c as CandidateEntry).ref).inFlight;
    this.latency = (c) => rt.stats.get((c as CandidateEntry).ref);
  }
}
