import type { CandidateEntry, RouteTarget } from '../catalog/cache.js';
import { RouterError } from '../errors/router-error.js';
import { poolState } from './headroom.js';
import type { Runtime } from './runtime.js';
import type { StrategyCandidate, StrategyContext } from './strategy.js';

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
  const quota = rt.quota;
  const context: StrategyContext = {
    now,
    random: rt.options.random,
    groupName: target.group?.name,
    dryRun,
    headroom: (c) => poolState((c as CandidateEntry).keys, (k) => quota.view(k), now).headroom,
    inFlight: (c) => rt.stats.get((c as CandidateEntry).ref).inFlight,
    latency: (c) => rt.stats.get((c as CandidateEntry).ref),
  };
  const ordered = strategy(target.active, context) as StrategyCandidate[];
  // A strategy may drop candidates, never invent them: keep only entries of this target.
  const active: readonly StrategyCandidate[] = target.active;
  return ordered.filter((c) => active.includes(c)) as CandidateEntry[];
}
