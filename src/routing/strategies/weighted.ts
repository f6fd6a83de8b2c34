import type { Strategy } from '../strategy.js';
import { byPriorityThenIndex } from './compare.js';

/**
 * Weighted random order without replacement (Efraimidis–Spirakis: key = u^(1/w), largest first), so
 * the first choice is proportional to weight and failover follows the same odds. Weight 0 goes last.
 */
export const weighted: Strategy = (candidates, context) => {
  const keyed = candidates.map((c) => ({
    c,
    k: c.weight > 0 ? context.random() ** (1 / c.weight) : -1,
  }));
  keyed.sort((a, b) => b.k - a.k || byPriorityThenIndex(a.c, b.c));
  return keyed.map((x) => x.c);
};
