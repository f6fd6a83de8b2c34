import type { QuotaLease } from '../quota/quota-store.js';
import type { RemoteKey } from './remote-key.js';

/**
 * A lease of the Redis store: held in Redis (`key` set) or, while Redis was unreachable in fail-open
 * mode, by the local fallback store (`local` set). Bookkeeping is private so that logging a lease shows
 * only its public shape, and a second settle finds nothing to claim.
 */
export class RedisLease implements QuotaLease {
  #owner: object;
  #key: RemoteKey | undefined;
  #local: QuotaLease | undefined;
  #claimed = false;
  readonly #bucket: number;

  constructor(
    readonly leaseId: string,
    readonly providerId: string,
    readonly keyId: string,
    readonly tokens: number,
    readonly reservedAt: number,
    owner: object,
    held: { key: RemoteKey; bucket: number } | { local: QuotaLease },
  ) {
    this.#owner = owner;
    if ('local' in held) {
      this.#local = held.local;
      this.#bucket = 0;
    } else {
      this.#key = held.key;
      this.#bucket = held.bucket;
    }
  }

  /** True exactly once per lease, for the store that issued it. */
  static claim(lease: QuotaLease, owner: object): lease is RedisLease {
    if (!(#claimed in lease) || lease.#owner !== owner || lease.#claimed) return false;
    lease.#claimed = true;
    return true;
  }

  static isLive(lease: RedisLease): boolean {
    return !lease.#claimed;
  }

  static remote(lease: RedisLease): RemoteKey | undefined {
    return lease.#key;
  }

  static local(lease: RedisLease): QuotaLease | undefined {
    return lease.#local;
  }

  static bucket(lease: RedisLease): number {
    return lease.#bucket;
  }
}
