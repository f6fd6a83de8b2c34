import type { Strategy } from '../strategy.js';
import { cheapest } from './cheapest.js';
import { fastest } from './fastest.js';
import { leastBusy } from './least-busy.js';
import { lowestLatency } from './lowest-latency.js';
import { priority } from './priority.js';
import { quotaAware } from './quota-aware.js';
import { roundRobin } from './round-robin.js';
import { weighted } from './weighted.js';

export { cheapest, fastest, leastBusy, lowestLatency, priority, quotaAware, roundRobin, weighted };

/** The built-in strategies by name; `round_robin` gets fresh state per router. */
export function builtinStrategies(): Record<string, Strategy> {
  return {
    quota_aware: quotaAware,
    priority,
    weighted,
    round_robin: roundRobin(),
    least_busy: leastBusy,
    lowest_latency: lowestLatency,
    cheapest,
    fastest,
  };
}
