import type { StrategyCandidate } from '../strategy.js';

/** Lower priority first, then catalog order: the tie-break every strategy ends with. */
export function byPriorityThenIndex(a: StrategyCandidate, b: StrategyCandidate): number {
  return a.priority - b.priority || a.index - b.index;
}
