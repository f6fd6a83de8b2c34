import type { QuotaKey, QuotaLease, QuotaStore, ReserveResult } from '../../quota/quota-store.js';
import { type ManualClock, manualClock } from '../manual-clock.js';
import { check } from './assert.js';

/** What a case gives the factory: the store must read its time from `clock` and use `windowMs`. */
export interface QuotaContractSetup {
  clock: ManualClock;
  windowMs: number;
}

/** What the factory returns for one case. `cleanup` runs after the case, pass or fail (delete keys…). */
export interface QuotaContractHarness {
  quota: QuotaStore;
  cleanup?(): void | Promise<void>;
}

/** Builds a fresh, empty store for each case; the store's time must follow `setup.clock`. */
export type MakeQuota = (setup: QuotaContractSetup) => QuotaContractHarness | Promise<QuotaContractHarness>;

export interface QuotaContractCase {
  name: string;
  run(): Promise<void>;
}

export interface CaseContext {
  quota: QuotaStore;
  clock: ManualClock;
  windowMs: number;
  /** How far past `windowMs` a store may still count an event (its bucket granularity): windowMs / 20. */
  slackMs: number;
}

/** The one-minute window of production; the clock is manual, so a long window costs nothing. */
export const CONTRACT_WINDOW_MS = 60_000;

export function defineCase(
  makeQuota: MakeQuota,
  name: string,
  body: (context: CaseContext) => Promise<void>,
): QuotaContractCase {
  return {
    name,
    async run() {
      const clock = manualClock();
      const windowMs = CONTRACT_WINDOW_MS;
      const harness = await makeQuota({ clock, windowMs });
      try {
        await body({ quota: harness.quota, clock, windowMs, slackMs: windowMs / 20 });
      } finally {
        try {
          await harness.quota.close?.();
        } finally {
          await harness.cleanup?.();
        }
      }
    },
  };
}

/** A key of provider `p` with the given limits. */
export function key(
  keyId: string,
  limits: Omit<QuotaKey, 'providerId' | 'keyId'> = {},
  providerId = 'p',
): QuotaKey {
  return { providerId, keyId, ...limits };
}

/** Reserve and require success; returns the lease. */
export async function take(
  quota: QuotaStore,
  keys: QuotaKey[],
  tokens = 0,
  what = 'reserve',
): Promise<QuotaLease> {
  const result = await quota.reserve({ keys, tokens });
  check(result.ok, `${what}: expected a lease, got ${JSON.stringify(result)}`);
  return result.lease;
}

/** Reserve and require a refusal; returns it. */
export async function refuse(
  quota: QuotaStore,
  keys: QuotaKey[],
  tokens = 0,
  what = 'reserve',
): Promise<Extract<ReserveResult, { ok: false }>> {
  const result = await quota.reserve({ keys, tokens });
  if (result.ok) {
    await quota.settle(result.lease);
    throw new Error(`${what}: expected a refusal, got a lease on ${result.lease.keyId}`);
  }
  return result;
}
