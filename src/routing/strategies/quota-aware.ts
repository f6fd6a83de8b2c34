import type { Strategy } from '../strategy.js';
import { byPriorityThenIndex } from './compare.js';

/**
 * Headroom is compared at a resolution of one percentage point: values that round to the same
 * percent count as equal, and then lower `priority` wins, then catalog order.
 */
export const HEADROOM_RESOLUTION = 100;

/** Most remaining capacity first (DESIGN section 5). The default strategy. */
export const quotaAware: Strategy = (candidates, context) => {
  const scored = candidates.map((c) => ({ c, h: Math.round(context.headroom(c) * HEADROOM_RESOLUTION) }));
  scored.sort((a, b) => b.h - a.h || byPriorityThenIndex(a.c, b.c));
  return scored.map((s) => s.c);
};
