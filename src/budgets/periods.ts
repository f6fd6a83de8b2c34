import type { Budget, TenantPrincipal } from '../tenants/types.js';
import { type BudgetCounter, toNano } from './budget-store.js';

/** Whose budget a counter is. */
export type BudgetOwner = 'tenant' | 'virtual_key';

/** A counter with what it came from: the budget as configured, and whose it is. */
export interface ActiveBudget {
  readonly counter: BudgetCounter;
  readonly owner: BudgetOwner;
  readonly ownerId: string;
  readonly budget: Budget;
  /** Epoch ms the counted spend starts (period start, or now − window); 0 for a total. */
  readonly since: number;
}

/** Start and end (epoch ms, UTC) of the calendar period holding `now`. */
function calendar(period: 'day' | 'month', now: number): [number, number] {
  const d = new Date(now);
  if (period === 'day') {
    const start = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    return [start, Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1)];
  }
  return [
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1),
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1),
  ];
}

function active(owner: BudgetOwner, ownerId: string, budget: Budget, now: number): ActiveBudget {
  const base = `${owner}:${ownerId}:${budget.period}`;
  const limit = toNano(budget.usd);
  if (budget.period === 'day' || budget.period === 'month') {
    const [start, end] = calendar(budget.period, now);
    return { owner, ownerId, budget, since: start, counter: { id: `${base}:${start}`, limit, endsAt: end } };
  }
  if (budget.period === 'rolling') {
    const windowMs = budget.windowMs ?? 86_400_000;
    return {
      owner,
      ownerId,
      budget,
      since: now - windowMs,
      counter: { id: `${base}:${windowMs}`, limit, windowMs },
    };
  }
  return { owner, ownerId, budget, since: 0, counter: { id: base, limit } };
}

/** The budgets that apply to a request of `principal` at `now`: its tenant's, then its key's. */
export function activeBudgets(principal: TenantPrincipal, now: number): ActiveBudget[] {
  // Two budgets of one owner over the same period are one counter: the smaller cap applies.
  const out = new Map<string, ActiveBudget>();
  const put = (a: ActiveBudget) => {
    const seen = out.get(a.counter.id);
    if (seen === undefined || a.counter.limit < seen.counter.limit) out.set(a.counter.id, a);
  };
  const { tenant, key } = principal;
  for (const b of tenant.budgets ?? []) put(active('tenant', tenant.id, b, now));
  for (const b of key.budgets ?? []) put(active('virtual_key', key.id, b, now));
  return [...out.values()];
}
