import type { Strategy } from '../strategy.js';
import { byPriorityThenIndex } from './compare.js';

/** Fewest attempts in flight first; priority, then catalog order on ties. */
export const leastBusy: Strategy = (candidates, context) => {
  const scored = candidates.map((c) => ({ c, n: context.inFlight(c) }));
  scored.sort((a, b) => a.n - b.n || byPriorityThenIndex(a.c, b.c));
  return scored.map((s) => s.c);
};
