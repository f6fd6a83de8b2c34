import type { CandidateEntry, RouteTarget } from '../catalog/cache.js';
import { RouterError } from '../errors/router-error.js';
import { type RequestSize, expectedCostUsd } from './expected-cost.js';
import type { Skip } from './loop-errors.js';

/** What a request asks of its candidates before any strategy orders them. */
export interface RequestFilter {
  size: RequestSize;
  maxCostUsd?: number | undefined;
  tags?: readonly string[] | undefined;
}

/** The candidates a filter keeps, and those it set aside with why. */
export interface Filtered {
  target: RouteTarget;
  skipped: Skip[];
  /** Why each candidate set aside was, by candidate. */
  reasons: Map<CandidateEntry, Skip['reason']>;
}

/**
 * Keep the target's enabled candidates that the request allows: carrying all its tags, and under its
 * cost ceiling. Runs before the strategy (and affinity), so that neither can pick a candidate the
 * request ruled out.
 */
export function filterCandidates(
  target: RouteTarget,
  filter: RequestFilter,
  defaultMax: number,
  /** `plan()` shows an empty result rather than throwing. */
  throwWhenEmpty = true,
): Filtered {
  const reasons = new Map<CandidateEntry, Skip['reason']>();
  const tags = filter.tags;
  if (filter.maxCostUsd === undefined && (tags === undefined || tags.length === 0))
    return { target, skipped: [], reasons };
  // Tags first: a candidate the request's tags rule out does not count as too expensive.
  const tagged = tags?.length ? target.active.filter((c) => tags.every((t) => c.tags.has(t))) : target.active;
  for (const c of target.active) if (!tagged.includes(c)) reasons.set(c, 'tags');
  if (throwWhenEmpty && tagged.length === 0 && target.active.length > 0) {
    throw new RouterError(
      'NO_CANDIDATES',
      `No enabled candidate of "${target.name}" carries every requested tag (${tags!.join(', ')})`,
      { details: { model: target.name, tags: [...tags!], filtered: skipsOf(reasons) } },
    );
  }
  const max = filter.maxCostUsd ?? Number.POSITIVE_INFINITY;
  const kept: CandidateEntry[] = [];
  let cheapest: number | undefined;
  for (const c of tagged) {
    if (filter.maxCostUsd === undefined) {
      kept.push(c);
      continue;
    }
    const cost = expectedCostUsd(c, filter.size, defaultMax);
    if (cost !== undefined) cheapest = Math.min(cheapest ?? cost, cost);
    if (cost === undefined || cost > max) reasons.set(c, 'cost_ceiling');
    else kept.push(c);
  }
  const skipped = skipsOf(reasons);
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

function skipsOf(reasons: ReadonlyMap<CandidateEntry, Skip['reason']>): Skip[] {
  return [...reasons].map(([c, reason]) => ({ providerId: c.providerId, modelId: c.modelId, reason }));
}
