import type { CandidateEntry, RouteTarget } from '../catalog/cache.js';
import { RouterError } from '../errors/router-error.js';
import { poolState } from './headroom.js';
import type { Runtime } from './runtime.js';
import type { LatencyStats, StrategyCandidate, StrategyContext } from './strategy.js';
import { type RequestSize, expectedCostUsd, outputReserve } from './expected-cost.js';
import { cheapest } from './strategies/cheapest.js';

/**
 * Order a target's enabled candidates with its strategy (group's, else the router's default).
 * `dryRun` (for `plan()`) asks stateful strategies not to advance their state.
 */
export function orderCandidates(
  rt: Runtime,
  target: RouteTarget,
  now: number,
  dryRun = false,
  size: RequestSize = NO_REQUEST,
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
  context.size = size;
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
 * Under the built-in `cheapest` (a custom strategy registered under that name does not count): the
 * request's expected cost on a candidate, for affinity to weigh its cache discount against the
 * order (`pinOrder`); undefined under any other strategy.
 */
export function costOrder(
  rt: Runtime,
  target: RouteTarget,
  size: RequestSize,
): ((c: CandidateEntry) => number | undefined) | undefined {
  if (rt.strategies.get(target.strategy ?? rt.options.defaultStrategy) !== cheapest) return undefined;
  const max = rt.options.defaultMaxOutputTokens;
  return (c) => expectedCostUsd(c, size, max);
}

const NO_REQUEST: RequestSize = { promptTokens: 0, maxTokens: undefined };

/**
 * The one strategy context of a router, refilled for each ordering: strategies run synchronously
 * and must not keep it, so one object (and its three methods) serves every request.
 */
export class RouterStrategyContext implements StrategyContext {
  now = 0;
  groupName: string | undefined = undefined;
  dryRun = false;
  size: RequestSize = NO_REQUEST;
  readonly random: () => number;
  readonly headroom: (c: StrategyCandidate) => number;
  readonly inFlight: (c: StrategyCandidate) => number;
  readonly latency: (c: StrategyCandidate) => LatencyStats;
  readonly expectedCostUsd: (c: StrategyCandidate) => number | undefined;
  readonly expectedOutputTokens: (c: StrategyCandidate) => number;

  constructor(rt: Pick<Runtime, 'options' | 'quota' | 'stats'>) {
    const defaultMax = rt.options.defaultMaxOutputTokens;
    this.expectedCostUsd = (c) => expectedCostUsd(c as CandidateEntry, this.size, defaultMax);
    this.expectedOutputTokens = (c) => outputReserve(c as CandidateEntry, this.size, defaultMax);
    const quota = rt.quota;
    this.random = rt.options.random;
    this.headroom = (c) => poolState((c as CandidateEntry).keys, quota, this.now).headroom;
    this.inFlight = (c) => rt.stats.get((c as CandidateEntry).ref).inFlight;
    this.latency = (c) => rt.stats.get((c as CandidateEntry).ref);
  }
}
