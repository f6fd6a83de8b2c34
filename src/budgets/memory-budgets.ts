import type { Clock } from '../util/clock.js';
import type {
  BudgetCounter,
  BudgetCounters,
  BudgetLease,
  BudgetReserveInput,
  BudgetReserveResult,
  LedgerSpend,
} from './budget-store.js';
import { bucketOf, bucketSize } from './rolling.js';

interface CounterState {
  spent: number;
  held: number;
  /** Rolling windows: spend per bucket (bucket index → nano-USD). */
  buckets?: Map<number, number>;
  endsAt?: number;
}

/**
 * Budget counters in one process (`memoryQuota`). Counters of ended periods are dropped as they are
 * met, so the map holds the live periods of the tenants and keys seen.
 */
export function memoryBudgets(clock: Clock): BudgetCounters {
  const counters = new Map<string, CounterState>();
  const leases = new Set<string>();
  let sequence = 0;

  function state(c: BudgetCounter, now: number): CounterState {
    let s = counters.get(c.id);
    if (s !== undefined && s.endsAt !== undefined && now >= s.endsAt) {
      counters.delete(c.id);
      s = undefined;
    }
    if (s === undefined) {
      s = { spent: 0, held: 0 };
      if (c.windowMs !== undefined) s.buckets = new Map();
      if (c.endsAt !== undefined) s.endsAt = c.endsAt;
      counters.set(c.id, s);
    }
    return s;
  }

  /** Spend in the window (rolling) or the period; drops buckets that left the window. */
  function spentOf(c: BudgetCounter, s: CounterState, now: number): { spent: number; oldest?: number } {
    if (s.buckets === undefined || c.windowMs === undefined) return { spent: s.spent };
    const size = bucketSize(c.windowMs);
    const low = bucketOf(now - c.windowMs, size);
    let spent = 0;
    let oldest: number | undefined;
    for (const [b, v] of s.buckets) {
      if (b < low) s.buckets.delete(b);
      else {
        spent += v;
        if (oldest === undefined || b < oldest) oldest = b;
      }
    }
    return oldest === undefined ? { spent } : { spent, oldest };
  }

  function retryAfter(c: BudgetCounter, oldest: number | undefined, now: number): number | undefined {
    if (c.endsAt !== undefined) return Math.max(1, c.endsAt - now);
    if (c.windowMs !== undefined && oldest !== undefined) {
      return Math.max(1, (oldest + 1) * bucketSize(c.windowMs) + c.windowMs - now);
    }
    return undefined; // a total never resets
  }

  function add(c: BudgetCounter, s: CounterState, amount: number, at: number): void {
    if (s.buckets !== undefined && c.windowMs !== undefined) {
      const b = bucketOf(at, bucketSize(c.windowMs));
      s.buckets.set(b, (s.buckets.get(b) ?? 0) + amount);
    } else s.spent += amount;
  }

  return {
    async reserveBudget(input: BudgetReserveInput): Promise<BudgetReserveResult> {
      const now = clock.now();
      const states = input.counters.map((c) => state(c, now));
      for (let i = 0; i < input.counters.length; i++) {
        const c = input.counters[i]!;
        const s = states[i]!;
        const { spent, oldest } = spentOf(c, s, now);
        if (spent + s.held >= c.limit || spent + s.held + input.amount > c.limit) {
          const wait = retryAfter(c, oldest, now);
          return {
            ok: false,
            counter: c,
            spent,
            held: s.held,
            ...(wait === undefined ? {} : { retryAfterMs: wait }),
          };
        }
      }
      for (const s of states) s.held += input.amount;
      sequence += 1;
      const leaseId = `b${sequence.toString(36)}`;
      leases.add(leaseId);
      return {
        ok: true,
        lease: { leaseId, scope: input.scope, counters: input.counters, amount: input.amount },
      };
    },

    async settleBudget(lease: BudgetLease, actual: number): Promise<void> {
      if (!leases.delete(lease.leaseId)) return; // settled already: never twice
      const now = clock.now();
      for (const c of lease.counters) {
        const s = counters.get(c.id);
        // A period that ended while the request ran: its counter is gone, hold and all.
        if (s !== undefined) s.held = Math.max(0, s.held - lease.amount);
        add(c, s ?? state(c, now), actual, now);
      }
    },

    async seedBudget(_scope: string, counter: BudgetCounter, spend: LedgerSpend): Promise<boolean> {
      const now = clock.now();
      if (counters.has(counter.id)) return false;
      const s = state(counter, now);
      for (const [at, amount] of spend) add(counter, s, amount, at);
      return true;
    },

    budgetLeases: () => leases.size,
  };
}
