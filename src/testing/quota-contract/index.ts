import { blockCases } from './block-cases.js';
import type { MakeQuota, QuotaContractCase } from './harness.js';
import { limitCases } from './limit-cases.js';
import { waitCases } from './wait-cases.js';

export type { MakeQuota, QuotaContractCase, QuotaContractHarness, QuotaContractSetup } from './harness.js';

/**
 * The behaviour every `QuotaStore` must show, as named async cases with no test-runner dependency:
 *
 * ```ts
 * for (const c of quotaContract(({ clock, windowMs }) => ({ quota: memoryQuota({ clock, windowMs }) }))) {
 *   it(c.name, c.run);
 * }
 * ```
 *
 * Each case builds a fresh store with `makeQuota({ clock, windowMs })`, drives `clock` (a manual clock:
 * the store must take its time from it) and closes the store, then calls the harness's `cleanup`.
 * A store may count a window conservatively — forget an event up to `windowMs / 20` late — but never early.
 * Waits use real timers only for a 5 ms `maxWaitMs`; every other wait ends by a release or an abort.
 */
export function quotaContract(makeQuota: MakeQuota): QuotaContractCase[] {
  return [...limitCases(makeQuota), ...blockCases(makeQuota), ...waitCases(makeQuota)];
}
