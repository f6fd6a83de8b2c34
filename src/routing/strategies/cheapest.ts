import type { Strategy } from '../strategy.js';
import { byPriorityThenIndex } from './compare.js';
import { HEADROOM_RESOLUTION } from './quota-aware.js';

/**
 * Lowest expected cost of this request first (its prompt estimate and output reserve at the model's
 * prices; on the candidate a fresh affinity entry pins the session to, the part of the prompt likely
 * in its cache at the cache-read price); equal costs by headroom, then priority and catalog order.
 * Candidates without prices go last. A pinned session stays on its candidate while that is the
 * cheapest with its cache discount (`pinOrder`), and moves when another is cheaper even so.
 */
export const cheapest: Strategy = (candidates, context) => {
  const scored = candidates.map((c) => ({
    c,
    cost: context.expectedCostUsd?.(c) ?? Number.POSITIVE_INFINITY,
    room: Math.round(context.headroom(c) * HEADROOM_RESOLUTION),
  }));
  scored.sort((a, b) => compareCost(a.cost, b.cost) || b.room - a.room || byPriorityThenIndex(a.c, b.c));
  return scored.map((s) => s.c);
};

/** Costs equal to a part in a million count as equal (float noise of prices × tokens). */
export function compareCost(a: number, b: number): number {
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a < b ? -1 : 1;
  return Math.abs(a - b) <= 1e-6 * Math.max(a, b) ? 0 : a - b;
}
