import type { Strategy } from '../strategy.js';
import { byPriorityThenIndex } from './compare.js';

/**
 * Headroom is compared at a resolution of one percentage point: values that round to the same
 * percent count as equal, and then lower `priority` wins, then catalog order.
 */
export const HEADROOM_RESOLUTION = 100;

/**
 * Most remaining capacity first (README: Strategies). The default strategy. When the candidates are
 * already in order (the common case: nothing changed since the last request) nothing is sorted.
 */
export const quotaAware: Strategy = (candidates, context) => {
  const n = candidates.length;
  const h = new Array<number>(n);
  let inOrder = true;
  for (let i = 0; i < n; i++) {
    h[i] = Math.round(context.headroom(candidates[i]!) * HEADROOM_RESOLUTION);
    if (inOrder && i > 0) {
      inOrder = (h[i]! - h[i - 1]! || byPriorityThenIndex(candidates[i - 1]!, candidates[i]!)) <= 0;
    }
  }
  if (inOrder) return candidates.slice();
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => h[b]! - h[a]! || byPriorityThenIndex(candidates[a]!, candidates[b]!));
  return order.map((i) => candidates[i]!);
};
