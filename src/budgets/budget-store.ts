/**
 * Budget counters as a `QuotaStore` keeps them (#18 part 2): USD in integer nano-dollars, so that a
 * reservation given back leaves the counter exactly where it was. A request reserves its worst case on
 * every counter that applies to it (its tenant's and its key's budgets) in one atomic step, and settles
 * once with what it really cost.
 */

/** One budget in one period, as the store counts it. */
export interface BudgetCounter {
  /** Unique and stable for the period: `<tenant|key>:<id>:<period>[:<start>]`. */
  readonly id: string;
  /** The cap, in nano-USD. */
  readonly limit: number;
  /** A rolling window, in ms; absent for a calendar period or a total. */
  readonly windowMs?: number;
  /** Epoch ms the period ends (day, month); absent for rolling windows and totals. */
  readonly endsAt?: number;
}

export interface BudgetReserveInput {
  /** Whose counters (the tenant id): on Redis, the hash tag that keeps them in one slot. */
  readonly scope: string;
  /** Every budget that applies to the request (its tenant's and its key's): all must have room. */
  readonly counters: readonly BudgetCounter[];
  /** The worst case to hold, in nano-USD. */
  readonly amount: number;
  /** How long the hold survives a holder that dies without settling, in ms. */
  readonly ttlMs: number;
}

/** What one reservation holds; settle it exactly once. */
export interface BudgetLease {
  readonly leaseId: string;
  readonly scope: string;
  readonly counters: readonly BudgetCounter[];
  readonly amount: number;
}

export type BudgetReserveResult =
  | { ok: true; lease: BudgetLease }
  | {
      ok: false;
      /** The counter that refused. */
      counter: BudgetCounter;
      /** Spent (settled) and held (reserved, unsettled), in nano-USD. */
      spent: number;
      held: number;
      /** Ms until the counter may have room: the period's end, or the oldest spend leaving the window. */
      retryAfterMs?: number;
    };

/** Spend found in the ledger, as `[epoch ms, nano-USD]` slices (for a rolling window) or one sum. */
export type LedgerSpend = ReadonlyArray<readonly [at: number, amount: number]>;

/** What a `QuotaStore` implements to enforce budgets (memory and Redis ship it). */
export interface BudgetCounters {
  /** All or nothing: room on every counter for `amount` (spent + held + amount ≤ limit), then hold it. */
  reserveBudget(input: BudgetReserveInput): Promise<BudgetReserveResult>;
  /** Exactly once per lease: give the hold back and count `actual` nano-USD as spent. */
  settleBudget(lease: BudgetLease, actual: number): Promise<void>;
  /**
   * Seed a counter from the ledger, once per counter lifetime (the first caller wins; a counter that
   * already exists in a shared store is left alone). Returns whether this call seeded it.
   */
  seedBudget(scope: string, counter: BudgetCounter, spend: LedgerSpend): Promise<boolean>;
  /** Budget leases held and not settled (tests prove every path gives them back). */
  budgetLeases(): number;
}

/** nano-USD of a USD amount: reservations round up, so a hold is never smaller than its cost. */
export const toNano = (usd: number): number => Math.ceil(Math.max(0, usd) * 1e9 - 1e-6);
/** nano-USD of a settled cost (rounded to the nearest). */
export const settledNano = (usd: number): number => Math.round(Math.max(0, usd) * 1e9);
