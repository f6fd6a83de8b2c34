import type {
  BudgetCounter,
  BudgetCounters,
  BudgetLease,
  BudgetReserveInput,
  BudgetReserveResult,
  LedgerSpend,
} from '../budgets/budget-store.js';
import { BUDGET_RESERVE, BUDGET_SEED, BUDGET_SETTLE } from './budget-scripts.js';
import type { Script } from './script-runner.js';

type Run = (
  target: Script,
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
) => Promise<number[]>;

/**
 * Budget counters on Redis: one script to reserve on every counter of a request, one to settle. All the
 * keys of a tenant share its hash tag, so each script touches one slot of a Redis Cluster. A failure
 * rejects: budgets are not enforced from a local fallback (each instance would allow the whole budget),
 * so the router refuses the request (`STORAGE_ERROR`) rather than spend without a check.
 */
export function redisBudgets(prefix: string, run: Run, timeArg: () => string): BudgetCounters {
  const base = (scope: string) => `${prefix}b{${encodeURIComponent(scope)}}`;
  const counterKey = (scope: string, c: BudgetCounter) => `${base(scope)}:c:${encodeURIComponent(c.id)}`;
  const held = new Set<string>();
  let sequence = 0;
  const instance = Math.random().toString(36).slice(2, 10);

  return {
    async reserveBudget(input: BudgetReserveInput): Promise<BudgetReserveResult> {
      sequence += 1;
      const leaseId = `${instance}:${sequence.toString(36)}`;
      const keys = [`${base(input.scope)}:l`, `${base(input.scope)}:z`];
      const args: Array<string | number> = [
        timeArg(),
        leaseId,
        input.amount,
        Math.max(1, Math.ceil(input.ttlMs)),
      ];
      for (const c of input.counters) {
        keys.push(counterKey(input.scope, c));
        args.push(c.limit, c.windowMs ?? -1, c.endsAt ?? -1);
      }
      const reply = await run(BUDGET_RESERVE, keys, args);
      if (reply[0] === 1) {
        held.add(leaseId);
        return {
          ok: true,
          lease: { leaseId, scope: input.scope, counters: input.counters, amount: input.amount },
        };
      }
      const counter = input.counters[(reply[1] ?? 1) - 1]!;
      const wait = reply[4] ?? -1;
      return {
        ok: false,
        counter,
        spent: reply[2] ?? 0,
        held: reply[3] ?? 0,
        ...(wait >= 0 ? { retryAfterMs: wait } : {}),
      };
    },

    async settleBudget(lease: BudgetLease, actual: number): Promise<void> {
      if (!held.delete(lease.leaseId)) return; // settled already: never twice
      const keys = [`${base(lease.scope)}:l`, `${base(lease.scope)}:z`];
      const args: Array<string | number> = [timeArg(), lease.leaseId, Math.max(0, Math.round(actual))];
      for (const c of lease.counters) {
        keys.push(counterKey(lease.scope, c));
        args.push(c.windowMs ?? -1, c.endsAt ?? -1);
      }
      await run(BUDGET_SETTLE, keys, args);
    },

    async seedBudget(scope: string, counter: BudgetCounter, spend: LedgerSpend): Promise<boolean> {
      const args: Array<string | number> = [timeArg(), counter.windowMs ?? -1, counter.endsAt ?? -1];
      for (const [at, amount] of spend) args.push(Math.floor(at), Math.max(0, Math.round(amount)));
      const reply = await run(BUDGET_SEED, [counterKey(scope, counter)], args);
      return reply[0] === 1;
    },

    budgetLeases: () => held.size,
  };
}
