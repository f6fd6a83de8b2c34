import type { KeyView, QuotaKeyRef } from '../quota/quota-store.js';
import { type WaiterQueue, wakeFirst } from '../quota/waiters.js';

/**
 * The client's picture of one quota key: the Redis key names (built once, not per request), the state
 * the scripts returned last, and the local waiters for a slot.
 */
export class RemoteKey {
  readonly hash: string;
  readonly leases: string;
  requests = 0;
  tokens = 0;
  inFlight = 0;
  coolingUntil = 0;
  quarantinedUntil = 0;
  /** Slots freed so far, as counted in Redis; -1 until first seen. */
  released = -1;
  /** When (store time) the values above were read. */
  seenAt = 0;
  /** When (store time) `inFlight` was read: besides the scripts, the poller refreshes it. */
  inFlightAt = 0;
  readonly waiters: WaiterQueue = new Set();

  constructor(
    readonly providerId: string,
    readonly keyId: string,
    prefix: string,
    private readonly window: WindowClock,
  ) {
    // The hash tag keeps a provider's keys in one cluster slot: one script can reserve across its pool.
    this.hash = `${prefix}{${encodeURIComponent(providerId)}}:${encodeURIComponent(keyId)}`;
    this.leases = `${this.hash}:l`;
  }

  /**
   * Take the six state values a script returned at `offset` (requests, tokens, in flight, cooling until,
   * quarantined until, released). Each newly counted release — ours or another instance's — wakes one
   * local waiter.
   */
  update(values: readonly number[], offset: number): void {
    this.seenAt = this.window.now();
    this.inFlightAt = this.seenAt;
    this.requests = values[offset] ?? 0;
    this.tokens = values[offset + 1] ?? 0;
    this.inFlight = values[offset + 2] ?? 0;
    this.coolingUntil = values[offset + 3] ?? 0;
    this.quarantinedUntil = values[offset + 4] ?? 0;
    this.noteReleased(values[offset + 5] ?? 0);
  }

  noteReleased(released: number): void {
    let freed = this.released < 0 ? 0 : released - this.released;
    this.released = released;
    while (freed-- > 0 && this.waiters.size > 0) wakeFirst(this.waiters);
  }

  /**
   * The last-seen state. Window counts are exact for one bucket after they were read; after that they
   * decay linearly to zero over the window (the rate at which an evenly used window forgets), so that a
   * router skipping "exhausted" pools on `view()` never trusts a stale full window for longer than a
   * bucket — `reserve` stays the authority and refreshes the numbers.
   */
  view(now: number): KeyView {
    const { windowMs, bucketMs } = this.window;
    const age = now - this.seenAt - bucketMs;
    const kept = age <= 0 ? 1 : Math.max(0, 1 - age / windowMs);
    const view: KeyView = {
      inFlight: this.inFlight,
      queued: this.waiters.size,
      requestsInWindow: kept === 1 ? this.requests : Math.floor(this.requests * kept),
      tokensInWindow: kept === 1 ? this.tokens : Math.floor(this.tokens * kept),
    };
    if (this.coolingUntil > now) view.coolingUntil = this.coolingUntil;
    if (this.quarantinedUntil > now) view.quarantinedUntil = this.quarantinedUntil;
    return view;
  }
}

/** The store's time and window geometry, shared by its keys. */
export interface WindowClock {
  now(): number;
  windowMs: number;
  bucketMs: number;
}

/** Remote keys by provider and key id, created on first use. */
export class RemoteKeys {
  private readonly providers = new Map<string, Map<string, RemoteKey>>();

  constructor(
    private readonly prefix: string,
    private readonly window: WindowClock,
  ) {}

  get(ref: QuotaKeyRef): RemoteKey {
    let keys = this.providers.get(ref.providerId);
    if (keys === undefined) {
      keys = new Map();
      this.providers.set(ref.providerId, keys);
    }
    let key = keys.get(ref.keyId);
    if (key === undefined) {
      key = new RemoteKey(ref.providerId, ref.keyId, this.prefix, this.window);
      keys.set(ref.keyId, key);
    }
    return key;
  }

  find(ref: QuotaKeyRef): RemoteKey | undefined {
    return this.providers.get(ref.providerId)?.get(ref.keyId);
  }

  *all(): IterableIterator<RemoteKey> {
    for (const keys of this.providers.values()) yield* keys.values();
  }
}
