import type { QuotaLease, QuotaStore, ReserveInput, ReserveResult, SettleInput } from './quota-store.js';

/**
 * A store whose `reserve` and `settle` do their work at once (the memory store) can also hand the
 * router their results as plain values: awaiting a promise that is already resolved still costs
 * the attempt a turn of the microtask queue and its allocations (on every request, twice).
 * Internal: the `QuotaStore` interface stays promise-based for every store and every caller.
 */
export interface SyncQuota {
  /** The store's own `reserve` and `settle`: the plain calls are used only while these are in place. */
  readonly reserve: QuotaStore['reserve'];
  readonly settle: QuotaStore['settle'];
  /** `reserve`'s result, or its rejection thrown. */
  reserveNow(input: ReserveInput): ReserveResult;
  /** What `settle` does, done; throws what it would reject with. */
  settleNow(lease: QuotaLease, input?: SettleInput): void;
}

/** Not enumerable: a store copied with `{ ...store, reserve }` has none, and takes the promise path. */
const SYNC = Symbol('model-router.syncQuota');

export function withSyncQuota<S extends QuotaStore>(
  store: S,
  sync: Omit<SyncQuota, 'reserve' | 'settle'>,
): S {
  const value: SyncQuota = { reserve: store.reserve, settle: store.settle, ...sync };
  Object.defineProperty(store, SYNC, { value, enumerable: false });
  return store;
}

function syncOf(store: QuotaStore): SyncQuota | undefined {
  return (store as { [SYNC]?: SyncQuota })[SYNC];
}

/**
 * `store.reserve(input)`: a plain value when the store can give one, else its promise. A store
 * whose `reserve` was replaced after it was made (a wrapper, a test's spy) is called as replaced.
 */
export function reserveQuota(store: QuotaStore, input: ReserveInput): ReserveResult | Promise<ReserveResult> {
  const sync = syncOf(store);
  return sync !== undefined && store.reserve === sync.reserve ? sync.reserveNow(input) : store.reserve(input);
}

/** `store.settle(lease, input)`: `undefined` when it was done at once, else its promise. */
export function settleQuota(
  store: QuotaStore,
  lease: QuotaLease,
  input: SettleInput,
): Promise<void> | undefined {
  const sync = syncOf(store);
  if (sync !== undefined && store.settle === sync.settle) {
    sync.settleNow(lease, input);
    return undefined;
  }
  return store.settle(lease, input);
}
