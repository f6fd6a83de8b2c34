import type { AffinityTarget } from '../affinity/affinity-entry.js';
import type { BudgetCounters } from '../budgets/budget-store.js';
import type { RateLimitInfo } from '../types/rate-limit.js';

/** A key as the quota store sees it: identity plus limits (absent = unlimited). */
export interface QuotaKey {
  providerId: string;
  keyId: string;
  rpm?: number;
  tpm?: number;
  maxConcurrent?: number;
}

export type QuotaKeyRef = Pick<QuotaKey, 'providerId' | 'keyId'>;

export type BlockReason = 'cooling' | 'quarantined' | 'rpm' | 'tpm' | 'concurrency';

export interface ReserveInput {
  /** The keys of one provider in preference order; the store reserves on the first with capacity. */
  keys: readonly QuotaKey[];
  /** Estimated tokens to hold in the tpm window (prompt estimate + output reservation). */
  tokens: number;
}

/** What one successful reservation holds: one request in the rpm window, tokens, one concurrency slot. */
export interface QuotaLease {
  readonly leaseId: string;
  readonly providerId: string;
  readonly keyId: string;
  readonly tokens: number;
  /** Store time (ms) of the reservation. */
  readonly reservedAt: number;
}

export interface KeyBlock {
  keyId: string;
  reason: BlockReason;
  /** Milliseconds until this key may have capacity again (absent for concurrency: it returns on a release). */
  retryAfterMs?: number;
}

export type ReserveResult =
  | { ok: true; lease: QuotaLease }
  | {
      ok: false;
      blocked: KeyBlock[];
      /** Earliest time (ms from now) any key returns; absent when only concurrency blocks. */
      retryAfterMs?: number;
    };

export interface SettleInput {
  /** Tokens really used; replaces the reservation in the window. Absent: keep the reservation. */
  tokens?: number;
  /** The provider's own view from the response headers. */
  rateLimit?: RateLimitInfo;
}

/** Best-known state of one key (exact for a memory store; as last seen for a shared one). */
export interface KeyView {
  inFlight: number;
  queued: number;
  requestsInWindow: number;
  tokensInWindow: number;
  /** Epoch ms until which the key is cooling (rate limited), if it is. */
  coolingUntil?: number;
  /** Epoch ms until which the key is quarantined (auth failure), if it is. */
  quarantinedUntil?: number;
  /**
   * When the key's rpm or tpm window is full: ms until it lets one more request in. Absent when the
   * window has room, or when the store cannot tell.
   */
  freeInMs?: number;
}

/** Counters that let tests prove every acquire was released exactly once. */
export interface QuotaAccounting {
  acquired: number;
  released: number;
  outstanding: number;
  /** A lease settled twice: always a bug. */
  doubleReleases: number;
}

/**
 * Per-key quota: sliding one-minute rpm/tpm windows, concurrency slots, cooldowns, quarantine.
 * Designed for a shared store: one round trip to reserve, one to settle. Budgets (#18): a store that
 * implements `BudgetCounters` (memory and Redis do) enforces tenants' and keys' USD budgets; the
 * router refuses a request with budgets on a store that does not.
 */
export interface QuotaStore extends Partial<BudgetCounters> {
  /** All or nothing: check every limit of a key and take one request, the tokens and a slot. */
  reserve(input: ReserveInput): Promise<ReserveResult>;
  /** Exactly once per lease: reconcile tokens, apply the provider's rate-limit view, free the slot. */
  settle(lease: QuotaLease, input?: SettleInput): Promise<void>;
  /** Keep a key unused for `ms`. A longer cooldown extends, a shorter one never shortens. Returns the epoch ms it ends. */
  cooldown(key: QuotaKeyRef, ms: number): Promise<number>;
  /** Keep a key unused for `ms` after an auth failure. */
  quarantine(key: QuotaKeyRef, ms: number): Promise<void>;
  /** Apply rate-limit headers seen on a response that had no lease to settle with. */
  observe(key: QuotaKeyRef, info: RateLimitInfo): Promise<void>;
  /**
   * Resolve when capacity may have returned to one of `keys` (a slot freed), or after `maxWaitMs`.
   * Rejects with the signal's reason when it aborts; leaves no listener or waiter behind either way.
   */
  waitForCapacity(keys: readonly QuotaKeyRef[], maxWaitMs: number, signal?: AbortSignal): Promise<void>;
  /**
   * A request woken by `waitForCapacity` that will not use the freed slot after all (it was aborted,
   * or has no attempt left) hands the wake-up on to the next waiter of those keys, so nobody sleeps
   * until `queueWaitMs` next to a free slot.
   */
  passCapacity?(keys: readonly QuotaKeyRef[]): void;
  /** Synchronous view for ordering and `stats()`; never a round trip. */
  view(key: QuotaKey): KeyView;
  /**
   * Push back the expiry of a lease that is still in use (a long stream). Stores whose leases do not
   * expire leave it out; the Redis store also renews live leases by itself while its process is alive.
   */
  renew?(lease: QuotaLease): Promise<void>;
  /** Forget cooldown and quarantine of a key (its secret or limits changed). */
  clear?(key: QuotaKeyRef): Promise<void>;
  accounting?(): QuotaAccounting;
  /**
   * Prompt-cache affinity (README: Prompt-cache affinity): the entry of `id` while it is fresh; with
   * `slideMs`, reading also pushes its expiry to `slideMs` from now. A store that leaves both affinity
   * methods out gets the router's own in-memory entries (not shared across instances).
   */
  getAffinity?(id: string, slideMs?: number): Promise<AffinityTarget | undefined>;
  /** Point affinity entry `id` at `target` for `ttlMs`. */
  setAffinity?(id: string, target: AffinityTarget, ttlMs: number): Promise<void>;
  close?(): Promise<void>;
}
