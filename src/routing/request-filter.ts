import type { CandidateEntry, RouteTarget } from '../catalog/cache.js';
import { RouterError } from '../errors/router-error.js';
import { type RequestSize, expectedCostUsd } from './expected-cost.js';
import type { Skip } from './loop-errors.js';

/** What a request asks of its candidates before any strategy orders them. */
export interface RequestFilter {
  size: RequestSize;
  maxCostUsd?: number | undefined;
}

/** The candidates a filter keeps, and those it set aside with why. */
export interface Filtered {
  target: RouteTarget;
  skipped: Skip[];
  /** Why each candidate set aside was, by candidate. */
  reasons: Map<CandidateEntry, Skip['reason']>;
}

/**
 * Keep the target's enabled candidates that the request allows: under its cost ceiling. Runs before
 * the strategy (and affinity), so that neither can pick a candidate the request ruled out.
 */
export function filterCandidates(
  target: RouteTarget,
  filter: RequestFilter,
  defaultMax: number,
  /** `plan()` shows an empty result rather than throwing. */
  throwWhenEmpty = true,
): Filtered {
  const reasons = new Map<CandidateEntry, Skip['reason']>();
  if (filter.maxCostUsd === undefined) return { target, skipped: [], reasons };
  const max = filter.maxCostUsd;
  const kept: CandidateEntry[] = [];
  let cheapest: number | undefined;
  for (const c of target.active) {
    const cost = expectedCostUsd(c, filter.size, defaultMax);
    if (cost !== undefined) cheapest = Math.min(cheapest ?? cost, cost);
    if (cost === undefined || cost > max) reasons.set(c, 'cost_ceiling');
    else kept.push(c);
  }
  const skipped: Skip[] = [...reasons].map(([c, reason]) => ({
    providerId: c.providerId,
    modelId: c.modelId,
    reason,
  }));
  if (throwWhenEmpty && kept.length === 0 && target.active.length > 0) {
    const priced =
      cheapest === undefined
        ? 'no candidate has prices'
        : `the cheapest would cost $${cheapest.toPrecision(3)}`;
    throw new RouterError(
      'COST_LIMIT_EXCEEDED',
      `No candidate of "${target.name}" fits maxCostUsd ($${max}): ${priced} for this request`,
      {
        details: {
          maxCostUsd: max,
          ...(cheapest === undefined ? {} : { cheapestUsd: cheapest }),
          skipped: skipped.map((s) => ({ providerId: s.providerId, modelId: s.modelId, reason: s.reason })),
        },
      },
    );
  }
  if (kept.length === target.active.length) return { target, skipped, reasons };
  return { target: { ...target, active: kept }, skipped, reasons };
}
