import { RouterError } from '../errors/router-error.js';
import type { RateLimitInfo } from '../types/rate-limit.js';
import { type Clock, systemClock } from '../util/clock.js';
import type {
  KeyBlock,
  KeyView,
  QuotaAccounting,
  QuotaKey,
  QuotaKeyRef,
  QuotaLease,
  QuotaStore,
  ReserveInput,
  ReserveResult,
  SettleInput,
} from './quota-store.js';
import { describeBlock } from './describe-block.js';
import { rateLimitBlockMs } from './rate-limit-block.js';
import { KeyState } from './key-state.js';
import { affinityMap } from '../affinity/affinity-map.js';
import { memoryBudgets } from '../budgets/memory-budgets.js';
import { failAll, waitInQueues, wakeFirst, wakeOneOf } from './waiters.js';
import { withSyncQuota } from './sync-quota.js';

export interface MemoryQuotaOptions {
  /**
   * Time source for windows, cooldowns and quarantine. Inject a manual clock in tests.
   * @default systemClock (Date.now)
   */
  clock?: Clock;
  /**
   * Length of the sliding rpm/tpm window, in ms. Shorten it only in tests and simulations.
   * @default 60_000
   */
  windowMs?: number;
  /**
   * Granularity of the window, in ms. The window counts whole buckets plus one guard bucket, so an event
   * is forgotten one to two buckets late: the limit holds at the provider even when dispatch latency varies
   * by up to a bucket. Smaller buckets use a little more of the limit; larger ones tolerate more jitter.
   * @default Math.ceil(windowMs / 60) — 1 s for a one-minute window
   */
  bucketMs?: number;
  /**
   * Most prompt-cache affinity entries kept; past it the least recently used goes first.
   * @default 100_000
   */
  maxAffinityEntries?: number;
}

/**
 * A lease of the memory store. Its bookkeeping lives in private fields so that logging a lease shows
 * only its public shape, and so that settling it twice — or settling a lease of another store — is
 * detected without a lookup table.
 */
class MemoryLease implements QuotaLease {
  #state: KeyState | undefined;
  readonly #owner: object;
  readonly #bucket: number;

  constructor(
    readonly leaseId: string,
    readonly providerId: string,
    readonly keyId: string,
    readonly tokens: number,
    readonly reservedAt: number,
    state: KeyState,
    owner: object,
    bucket: number,
  ) {
    this.#state = state;
    this.#owner = owner;
    this.#bucket = bucket;
  }

  /** The key state the first time a lease is claimed by its own store; undefined ever after. */
  static claim(lease: QuotaLease, owner: object): KeyState | undefined {
    if (!(#state in lease) || lease.#owner !== owner) return undefined;
    const state = lease.#state;
    lease.#state = undefined;
    return state;
  }

  static bucketOf(lease: MemoryLease): number {
    return lease.#bucket;
  }
}

const DONE: Promise<void> = Promise.resolve();

/**
 * The in-process `QuotaStore`: per key, a sliding window of requests and tokens, a concurrency counter,
 * a cooldown and a quarantine deadline, and a FIFO of waiters for a freed slot.
 *
 * This is the per-request hot path: a reservation is a few map lookups and comparisons and allocates
 * only the lease and its result. State for a key is created the first time it is used.
 */
export function memoryQuota(options: MemoryQuotaOptions = {}): QuotaStore {
  const clock = options.clock ?? systemClock;
  const windowMs = options.windowMs ?? 60_000;
  const bucketMs = options.bucketMs ?? Math.ceil(windowMs / 60);
  if (!(Number.isInteger(windowMs) && windowMs > 0)) {
    throw new RouterError('VALIDATION', `memoryQuota: windowMs must be a positive integer, got ${windowMs}`);
  }
  if (!(Number.isInteger(bucketMs) && bucketMs > 0 && bucketMs <= windowMs)) {
    throw new RouterError(
      'VALIDATION',
      `memoryQuota: bucketMs must be an integer in [1, windowMs], got ${bucketMs}`,
    );
  }

  const maxAffinity = options.maxAffinityEntries ?? 100_000;
  if (!(Number.isInteger(maxAffinity) && maxAffinity > 0)) {
    throw new RouterError(
      'VALIDATION',
      `memoryQuota: maxAffinityEntries must be a positive integer, got ${maxAffinity}`,
    );
  }
  const affinity = affinityMap(clock, maxAffinity);
  const owner = {};
  const idPrefix = `m${Math.random().toString(36).slice(2, 8)}-`;
  const providers = new Map<string, Map<string, KeyState>>();
  let sequence = 0;
  let acquired = 0;
  let released = 0;
  let doubleReleases = 0;
  let closed = false;

  function existing(key: QuotaKeyRef): KeyState | undefined {
    return providers.get(key.providerId)?.get(key.keyId);
  }

  function stateOf(key: QuotaKeyRef): KeyState {
    let keys = providers.get(key.providerId);
    if (keys === undefined) {
      keys = new Map();
      providers.set(key.providerId, keys);
    }
    let state = keys.get(key.keyId);
    if (state === undefined) {
      state = new KeyState(windowMs, bucketMs);
      keys.set(key.keyId, state);
    }
    return state;
  }

  function applyRateLimit(state: KeyState, info: RateLimitInfo, now: number): void {
    const ms = rateLimitBlockMs(info);
    if (ms > 0 && now + ms > state.coolingUntil) state.coolingUntil = now + ms;
  }

  function reserveNow(input: ReserveInput): ReserveResult {
    if (closed) throw new RouterError('CLOSED', 'The quota store is closed');
    const now = clock.now();
    const tokens = Math.max(0, input.tokens || 0); // `|| 0` maps NaN to 0
    for (const key of input.keys) {
      const state = stateOf(key);
      const window = state.window;
      window.advance(now);
      // An estimate above the whole tpm limit runs alone in an empty window rather than never.
      const tokenNeed = key.tpm === undefined ? 0 : Math.min(tokens, key.tpm);
      if (
        state.coolingUntil <= now &&
        state.quarantinedUntil <= now &&
        (key.maxConcurrent === undefined || state.inFlight < key.maxConcurrent) &&
        (key.rpm === undefined || window.requests + 1 <= key.rpm) &&
        (key.tpm === undefined || window.tokens + tokenNeed <= key.tpm)
      ) {
        const bucket = window.add(now, tokens);
        state.inFlight += 1;
        acquired += 1;
        sequence += 1;
        const leaseId = idPrefix + sequence.toString(36);
        const lease = new MemoryLease(leaseId, key.providerId, key.keyId, tokens, now, state, owner, bucket);
        return { ok: true, lease };
      }
    }
    // Every key refused: only now say why (falling through a cooling key costs no allocation).
    const blocked: KeyBlock[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const key of input.keys) {
      const tokenNeed = key.tpm === undefined ? 0 : Math.min(tokens, key.tpm);
      const block = describeBlock(key, stateOf(key), tokenNeed, now);
      blocked.push(block);
      if (block.retryAfterMs !== undefined && block.retryAfterMs < earliest) earliest = block.retryAfterMs;
    }
    return earliest === Number.POSITIVE_INFINITY
      ? { ok: false, blocked }
      : { ok: false, blocked, retryAfterMs: earliest };
  }

  function settleNow(lease: QuotaLease, input?: SettleInput): void {
    const state = MemoryLease.claim(lease, owner);
    if (state === undefined) {
      // Settled before, or not ours: count it, change nothing — never a double free.
      doubleReleases += 1;
      return;
    }
    released += 1;
    state.inFlight -= 1;
    const now = clock.now();
    if (input?.tokens !== undefined) {
      const used = Math.max(0, input.tokens || 0);
      state.window.advance(now);
      state.window.adjustTokens(MemoryLease.bucketOf(lease as MemoryLease), used - lease.tokens);
    }
    if (input?.rateLimit !== undefined) applyRateLimit(state, input.rateLimit, now);
    wakeFirst(state.waiters);
  }

  const store: QuotaStore = {
    ...memoryBudgets(clock),
    reserve(input: ReserveInput): Promise<ReserveResult> {
      try {
        return Promise.resolve(reserveNow(input));
      } catch (error) {
        return Promise.reject(error);
      }
    },

    settle(lease: QuotaLease, input?: SettleInput): Promise<void> {
      settleNow(lease, input);
      return DONE;
    },

    cooldown(key: QuotaKeyRef, ms: number): Promise<number> {
      const state = stateOf(key);
      const until = clock.now() + Math.max(0, ms || 0);
      // Extend, never shorten: a later, shorter Retry-After must not cut an earlier, longer one.
      if (until > state.coolingUntil) state.coolingUntil = until;
      return Promise.resolve(state.coolingUntil);
    },

    quarantine(key: QuotaKeyRef, ms: number): Promise<void> {
      const state = stateOf(key);
      const until = clock.now() + Math.max(0, ms || 0);
      if (until > state.quarantinedUntil) state.quarantinedUntil = until;
      return DONE;
    },

    observe(key: QuotaKeyRef, info: RateLimitInfo): Promise<void> {
      applyRateLimit(stateOf(key), info, clock.now());
      return DONE;
    },

    waitForCapacity(keys: readonly QuotaKeyRef[], maxWaitMs: number, signal?: AbortSignal): Promise<void> {
      if (closed) return Promise.reject(new RouterError('CLOSED', 'The quota store is closed'));
      return waitInQueues(
        keys.map((key) => stateOf(key).waiters),
        maxWaitMs,
        signal,
      );
    },

    passCapacity(keys: readonly QuotaKeyRef[]): void {
      wakeOneOf(keys.map((key) => existing(key)?.waiters));
    },

    view(key: QuotaKey): KeyView {
      const state = existing(key);
      if (state === undefined) return { inFlight: 0, queued: 0, requestsInWindow: 0, tokensInWindow: 0 };
      const now = clock.now();
      state.window.advance(now);
      const view: KeyView = {
        inFlight: state.inFlight,
        queued: state.waiters.size,
        requestsInWindow: state.window.requests,
        tokensInWindow: state.window.tokens,
      };
      if (state.coolingUntil > now) view.coolingUntil = state.coolingUntil;
      if (state.quarantinedUntil > now) view.quarantinedUntil = state.quarantinedUntil;
      let freeIn = 0;
      if (key.rpm !== undefined && view.requestsInWindow >= key.rpm)
        freeIn = Math.max(freeIn, state.window.msUntilFits(now, 'requests', 1, key.rpm));
      if (key.tpm !== undefined && view.tokensInWindow >= key.tpm)
        freeIn = Math.max(freeIn, state.window.msUntilFits(now, 'tokens', 1, key.tpm));
      if (freeIn > 0 && Number.isFinite(freeIn)) view.freeInMs = freeIn;
      return view;
    },

    clear(key: QuotaKeyRef): Promise<void> {
      const state = existing(key);
      if (state !== undefined) {
        state.coolingUntil = 0;
        state.quarantinedUntil = 0;
      }
      return DONE;
    },

    accounting(): QuotaAccounting {
      return { acquired, released, outstanding: acquired - released, doubleReleases };
    },

    getAffinity: affinity.getAffinity,
    setAffinity: affinity.setAffinity,

    close(): Promise<void> {
      if (closed) return DONE;
      closed = true;
      // Waiters would otherwise hang until their timeout; leases stay settleable so releases never fail.
      const error = new RouterError('CLOSED', 'The quota store is closed');
      for (const keys of providers.values()) for (const state of keys.values()) failAll(state.waiters, error);
      return DONE;
    },
  };
  // The router reserves and settles on this store without a promise (see `SyncQuota`).
  return withSyncQuota(store, { reserveNow, settleNow });
}
