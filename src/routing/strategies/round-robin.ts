import type { Strategy } from '../strategy.js';
import { byPriorityThenIndex } from './compare.js';

/**
 * Rotates the starting candidate on every call, per group (state lives in the returned closure, one
 * per router). Failover continues in rotation order. A dry run (`router.plan()`) shows the next
 * rotation without taking it.
 */
export function roundRobin(): Strategy {
  const counters = new Map<string, number>();
  return (candidates, context) => {
    const sorted = [...candidates].sort(byPriorityThenIndex);
    if (sorted.length < 2) return sorted;
    const key = context.groupName ?? `${sorted[0]!.providerId}/${sorted[0]!.modelId}`;
    const n = counters.get(key) ?? 0;
    if (!context.dryRun) counters.set(key, (n + 1) % sorted.length);
    return [...sorted.slice(n), ...sorted.slice(0, n)];
  };
}
