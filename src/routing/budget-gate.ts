import type { BudgetLease } from '../budgets/budget-store.js';
import { settledNano, toNano } from '../budgets/budget-store.js';
import { activeBudgets } from '../budgets/periods.js';
import { RouterError } from '../errors/router-error.js';
import type { RequestContext } from './attempt-context.js';
import { type RequestSize, outputReserve } from './expected-cost.js';
import { costUsd } from '../usage/cost.js';
import { filterCandidates } from './request-filter.js';
import type { Runtime } from './runtime.js';

/** A hold outlives the request's deadline by this much before a shared store gives it back by itself. */
const HOLD_GRACE_MS = 60_000;

/**
 * The request's worst case in USD: its prompt estimate plus its whole output reserve at the most
 * expensive candidate it may reach (the candidates its tags and cost ceiling leave; a candidate the
 * ceiling keeps by an affinity cache discount is held at its full price: the cache may miss). The prompt is
 * priced at the dearer of the input and cache-write prices (a prompt written to the provider's cache
 * costs more than a plain one on Anthropic). A candidate without prices costs nothing in the ledger
 * either, so it adds nothing here.
 */
export function worstCaseUsd(
  rt: Runtime,
  rc: RequestContext<object>,
  /** With an affinity cache hint, the cost ceiling keeps a pinned candidate by its cached cost. */
  size: RequestSize = { promptTokens: rc.promptEstimate, maxTokens: rc.maxOutputTokens },
): number {
  const max = rt.options.defaultMaxOutputTokens;
  const { target } = filterCandidates(
    rc.target,
    { size, maxCostUsd: rc.maxCostUsd, tags: rc.tags },
    max,
    false,
  );
  let worst = 0;
  for (const c of target.active) {
    const { inputCostPerMTok = 0, cacheWriteCostPerMTok = 0 } = c.model;
    const cost = costUsd(c.model, {
      promptTokens: size.promptTokens,
      completionTokens: outputReserve(c, size, max),
      ...(cacheWriteCostPerMTok > inputCostPerMTok ? { cacheWriteTokens: size.promptTokens } : {}),
    });
    worst = Math.max(worst, cost ?? 0);
  }
  return worst;
}

/**
 * Before the first attempt: hold the request's worst case on every budget of its tenant and key
 * (`BUDGET_EXCEEDED`, 429, when one has no room for it). Given back in `runLoop`'s finally.
 */
export async function reserveBudgets(
  rt: Runtime,
  rc: RequestContext<object>,
  size?: RequestSize,
): Promise<BudgetLease | undefined> {
  const principal = rc.tenant;
  if (principal === undefined) return undefined;
  const now = rt.options.clock.now();
  const budgets = activeBudgets(principal, now);
  if (budgets.length === 0) return undefined;
  const store = rt.quota;
  if (!store.reserveBudget || !store.settleBudget || !store.seedBudget || !store.budgetLeases) {
    throw new RouterError(
      'STORAGE_ERROR',
      'The quota store does not enforce budgets (QuotaStore.reserveBudget); refusing a request with budgets',
    );
  }
  const scope = principal.tenant.id;
  await rt.ledgerSeeds.seed(store as Required<typeof store>, scope, budgets, now);
  const reserved = await store.reserveBudget({
    scope,
    counters: budgets.map((b) => b.counter),
    amount: toNano(worstCaseUsd(rt, rc, size)),
    ttlMs: Math.max(0, rc.deadline - now) + HOLD_GRACE_MS,
  });
  if (reserved.ok) return reserved.lease;
  const refused = budgets.find((b) => b.counter === reserved.counter)!;
  const { budget } = refused;
  const who = refused.owner === 'tenant' ? "The tenant's" : "This API key's";
  const period = budget.period === 'rolling' ? `rolling ${budget.windowMs} ms` : budget.period;
  throw new RouterError('BUDGET_EXCEEDED', `${who} ${period} budget of $${budget.usd} is spent`, {
    details: {
      scope: refused.owner,
      period: budget.period,
      limitUsd: budget.usd,
      spentUsd: reserved.spent / 1e9,
      heldUsd: reserved.held / 1e9,
      ...(refused.counter.endsAt === undefined
        ? {}
        : { resetsAt: new Date(refused.counter.endsAt).toISOString() }),
    },
    ...(reserved.retryAfterMs === undefined ? {} : { retryAfterMs: reserved.retryAfterMs }),
  });
}

/**
 * Give the hold back and count what the request's attempts really cost (`rc.spent.usd`: every
 * attempt's ledger cost — cache prices, streamed usage, failed attempts the provider billed). Runs
 * exactly once, in `runLoop`'s finally. Never throws: a store failure is reported, and a shared store
 * gives the hold back when it expires.
 */
export async function settleBudgets(
  rt: Runtime,
  rc: RequestContext<object>,
  lease: BudgetLease,
): Promise<void> {
  try {
    await rt.quota.settleBudget!(lease, settledNano(rc.spent.usd));
  } catch (error) {
    rt.emitter.emit('error', { source: 'quota', error });
  }
}
