import type { SpendScope, TenantStore } from '../storage/tenant-store.js';
import type { BudgetCounters, LedgerSpend } from './budget-store.js';
import { toNano } from './budget-store.js';
import type { ActiveBudget } from './periods.js';

/** Slices a rolling window's ledger spend is read in: each is placed at its end (never early out). */
const ROLLING_SLICES = 12;

/** Counters this process has seeded: past this many, the oldest are forgotten (re-seeding is a no-op). */
const MAX_SEEN = 10_000;

/**
 * Rebuild budget counters from the ledger (the usage records), the source of truth: the first time this
 * router meets a counter, it reads the spend of its period from the storage and seeds the store with it.
 * A store that already holds the counter (another instance seeded it, or it has been counting) keeps
 * its own: the seed only fills a counter that does not exist yet — after a restart, or a flushed Redis.
 */
export class LedgerSeeds {
  private readonly seen = new Map<string, Promise<void>>();

  constructor(private readonly ledger: Pick<TenantStore, 'spend'> | undefined) {}

  seed(store: BudgetCounters, scope: string, budgets: readonly ActiveBudget[], now: number): Promise<void> {
    const pending: Array<Promise<void>> = [];
    for (const b of budgets) {
      let done = this.seen.get(b.counter.id);
      if (done === undefined) {
        done = this.read(b, now).then((spend) => store.seedBudget(scope, b.counter, spend).then(() => {}));
        // A failed read or seed is tried again by the next request.
        done.catch(() => this.seen.delete(b.counter.id));
        if (this.seen.size >= MAX_SEEN) this.seen.delete(this.seen.keys().next().value!);
        this.seen.set(b.counter.id, done);
      }
      pending.push(done);
    }
    return Promise.all(pending).then(() => {});
  }

  private async read(b: ActiveBudget, now: number): Promise<LedgerSpend> {
    if (this.ledger === undefined) return [];
    const scope: SpendScope = b.owner === 'tenant' ? { tenantId: b.ownerId } : { virtualKeyId: b.ownerId };
    const windowMs = b.counter.windowMs;
    if (windowMs === undefined) return [[now, toNano(await this.ledger.spend(scope, b.since))]];
    // A rolling window: spend since each slice's start, differenced into slices.
    const starts = Array.from(
      { length: ROLLING_SLICES },
      (_, i) => b.since + Math.floor((i * windowMs) / ROLLING_SLICES),
    );
    const totals = await Promise.all(starts.map((s) => this.ledger!.spend(scope, s)));
    const out: Array<[number, number]> = [];
    for (let i = 0; i < starts.length; i++) {
      const amount = totals[i]! - (totals[i + 1] ?? 0);
      const end = i + 1 < starts.length ? starts[i + 1]! - 1 : now;
      if (amount > 0) out.push([end, toNano(amount)]);
    }
    return out;
  }
}
