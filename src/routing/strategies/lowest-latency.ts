import type { Strategy } from '../strategy.js';
import { byPriorityThenIndex } from './compare.js';

/**
 * Lowest EWMA latency first (time to first chunk when known, else whole-attempt latency).
 * Candidates never measured go first, so that each gets a sample.
 */
export const lowestLatency: Strategy = (candidates, context) => {
  const scored = candidates.map((c) => {
    const s = context.latency(c);
    return { c, l: s.ttftMs ?? s.latencyMs ?? -1 };
  });
  scored.sort((a, b) => a.l - b.l || byPriorityThenIndex(a.c, b.c));
  return scored.map((s) => s.c);
};
