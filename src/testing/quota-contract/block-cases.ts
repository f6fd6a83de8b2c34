import { check, checkEqual } from './assert.js';
import { defineCase, key, type MakeQuota, type QuotaContractCase, refuse, take } from './harness.js';

/** Cooldowns, quarantine and the provider's own rate-limit view. */
export function blockCases(make: MakeQuota): QuotaContractCase[] {
  return [
    defineCase(make, 'cooldown: blocks until its end, exactly', async ({ quota, clock }) => {
      const k = key('k');
      const until = await quota.cooldown(k, 10_000);
      checkEqual(until, clock.now() + 10_000, 'cooldown end');
      checkEqual(quota.view(k).coolingUntil, until, 'view.coolingUntil');
      const refusal = await refuse(quota, [k]);
      checkEqual(
        refusal,
        {
          ok: false,
          blocked: [{ keyId: 'k', reason: 'cooling', retryAfterMs: 10_000 }],
          retryAfterMs: 10_000,
        },
        'refusal',
      );
      clock.advance(9_999);
      await refuse(quota, [k], 0, '1 ms before the end');
      clock.advance(1);
      await take(quota, [k], 0, 'at the end');
      checkEqual(quota.view(k).coolingUntil, undefined, 'no coolingUntil once over');
    }),

    defineCase(
      make,
      'cooldown: a longer one extends, a shorter one never shortens',
      async ({ quota, clock }) => {
        const k = key('k');
        const start = clock.now();
        checkEqual(await quota.cooldown(k, 10_000), start + 10_000, 'first');
        clock.advance(1_000);
        checkEqual(await quota.cooldown(k, 2_000), start + 10_000, 'shorter one keeps the end');
        checkEqual(await quota.cooldown(k, 20_000), start + 21_000, 'longer one extends');
        checkEqual(await quota.cooldown(k, 0), start + 21_000, 'zero keeps the end');
        checkEqual(await quota.cooldown(key('fresh'), 0), clock.now(), 'zero on a key never cooled ends now');
        checkEqual(quota.view(k).coolingUntil, start + 21_000, 'view');
      },
    ),

    defineCase(
      make,
      'quarantine: blocks the key; clear() lifts quarantine and cooldown',
      async ({ quota, clock }) => {
        const k = key('k');
        const other = key('other');
        await quota.quarantine(k, 60_000);
        checkEqual(quota.view(k).quarantinedUntil, clock.now() + 60_000, 'view.quarantinedUntil');
        const refusal = await refuse(quota, [k]);
        checkEqual(refusal.blocked[0], { keyId: 'k', reason: 'quarantined', retryAfterMs: 60_000 }, 'block');
        checkEqual((await take(quota, [k, other])).keyId, 'other', 'falls through to the next key');
        await quota.cooldown(k, 5_000);
        await quota.clear?.(k);
        if (quota.clear) {
          const view = quota.view(k);
          checkEqual([view.coolingUntil, view.quarantinedUntil], [undefined, undefined], 'after clear');
          await take(quota, [k], 0, 'after clear');
        }
      },
    ),

    defineCase(
      make,
      'rate limit: 0 remaining requests at settle blocks until the reset',
      async ({ quota, clock }) => {
        const k = key('k');
        const lease = await take(quota, [k]);
        await quota.settle(lease, {
          rateLimit: { remainingRequests: 0, resetRequestsMs: 5_000, remainingTokens: 900 },
        });
        const refusal = await refuse(quota, [k]);
        checkEqual(refusal.blocked[0], { keyId: 'k', reason: 'cooling', retryAfterMs: 5_000 }, 'block');
        clock.advance(5_000);
        await take(quota, [k], 0, 'after the reset');
      },
    ),

    defineCase(
      make,
      'rate limit: 0 remaining tokens (observe) blocks; extend-only; >0 remaining does not',
      async ({ quota, clock }) => {
        const k = key('k');
        const other = key('other');
        await quota.observe(other, { remainingRequests: 3, resetRequestsMs: 9_000, remainingTokens: 10 });
        await quota.settle(await take(quota, [other], 0, 'remaining > 0 does not block'));
        await quota.observe(k, { remainingTokens: 0, resetTokensMs: 3_000 });
        checkEqual(quota.view(k).coolingUntil, clock.now() + 3_000, 'coolingUntil');
        await quota.observe(k, { remainingTokens: 0, resetTokensMs: 1_000 });
        checkEqual(quota.view(k).coolingUntil, clock.now() + 3_000, 'a shorter reset never shortens');
        await quota.cooldown(k, 1_000);
        checkEqual(quota.view(k).coolingUntil, clock.now() + 3_000, 'nor does a shorter cooldown');
        clock.advance(3_000);
        await take(quota, [k], 0, 'after the reset');
      },
    ),

    defineCase(make, 'view: exact numbers for a key used by this store', async ({ quota }) => {
      const k = key('k', { rpm: 10, tpm: 1_000, maxConcurrent: 4 });
      checkEqual(
        quota.view(k),
        { inFlight: 0, queued: 0, requestsInWindow: 0, tokensInWindow: 0 },
        'unused key',
      );
      const a = await take(quota, [k], 100);
      await take(quota, [k], 200);
      await quota.settle(a, { tokens: 40 });
      checkEqual(
        quota.view(k),
        { inFlight: 1, queued: 0, requestsInWindow: 2, tokensInWindow: 240 },
        'after use',
      );
    }),

    defineCase(make, 'counters: never negative whatever the inputs', async ({ quota }) => {
      const k = key('k', { tpm: 100 });
      const lease = await take(quota, [k], 10);
      await quota.settle(lease, { tokens: -50 });
      await quota.settle(lease, { tokens: -50 });
      const view = quota.view(k);
      check(view.inFlight === 0 && view.tokensInWindow === 0, `view ${JSON.stringify(view)}`);
      await quota.cooldown(k, -1_000);
      await take(quota, [k], Number.NaN, 'negative cooldown and NaN tokens are harmless');
    }),
  ];
}
