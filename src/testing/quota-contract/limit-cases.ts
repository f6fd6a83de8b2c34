import type { KeyView } from '../../quota/quota-store.js';
import { check, checkEqual } from './assert.js';
import { defineCase, key, type MakeQuota, type QuotaContractCase, refuse, take } from './harness.js';

/** Limits, all-or-nothing, key order, settle and accounting. */
export function limitCases(make: MakeQuota): QuotaContractCase[] {
  return [
    defineCase(make, 'rpm: the limit is reached, then refused with reason rpm', async ({ quota }) => {
      const k = key('k', { rpm: 3 });
      for (let i = 0; i < 3; i++) await quota.settle(await take(quota, [k], 0, `request ${i + 1}`));
      const refusal = await refuse(quota, [k], 0, 'request 4');
      checkEqual(
        refusal.blocked.map((b) => b.reason),
        ['rpm'],
        'blocked reasons',
      );
      check((refusal.retryAfterMs ?? 0) > 0, `retryAfterMs must be > 0, got ${refusal.retryAfterMs}`);
      checkEqual(quota.view(k).requestsInWindow, 3, 'requestsInWindow');
    }),

    defineCase(make, 'tpm: estimated tokens count against the window', async ({ quota }) => {
      const k = key('k', { tpm: 100 });
      await take(quota, [k], 60, '60 tokens');
      const refusal = await refuse(quota, [k], 50, '50 more tokens');
      checkEqual(refusal.blocked[0]?.reason, 'tpm', 'reason');
      await take(quota, [k], 40, '40 more tokens (exactly the limit)');
      checkEqual(quota.view(k).tokensInWindow, 100, 'tokensInWindow');
    }),

    defineCase(
      make,
      'tpm: an estimate above the whole limit runs alone in an empty window',
      async ({ quota }) => {
        const k = key('k', { tpm: 100 });
        const big = await take(quota, [k], 500, 'oversized request on an empty window');
        await quota.settle(big, { tokens: 1 });
        await refuse(quota, [k], 500, 'oversized request beside another');
      },
    ),

    defineCase(make, 'all or nothing: a refusal takes no request, token or slot', async ({ quota }) => {
      const k = key('k', { rpm: 5, tpm: 100, maxConcurrent: 5 });
      await take(quota, [k], 90);
      const before = quota.view(k);
      const accountingBefore = quota.accounting?.();
      await refuse(quota, [k], 20, 'over tpm');
      checkEqual(quota.view(k), before, 'view after a refusal');
      checkEqual(quota.accounting?.(), accountingBefore, 'accounting after a refusal');
    }),

    defineCase(
      make,
      'keys: the first key with capacity in preference order, then the next',
      async ({ quota }) => {
        const a = key('a', { rpm: 1 });
        const b = key('b', { rpm: 1 });
        checkEqual((await take(quota, [a, b])).keyId, 'a', 'first lease');
        checkEqual((await take(quota, [a, b])).keyId, 'b', 'second lease falls through to b');
        const refusal = await refuse(quota, [a, b], 0, 'both exhausted');
        checkEqual(
          refusal.blocked.map((block) => [block.keyId, block.reason]),
          [
            ['a', 'rpm'],
            ['b', 'rpm'],
          ],
          'blocked',
        );
        checkEqual(quota.view(b).requestsInWindow, 1, 'b requests');
      },
    ),

    defineCase(make, 'keys: same keyId under two providers are independent', async ({ quota }) => {
      const p = key('k', { rpm: 1 }, 'p');
      const q = key('k', { rpm: 1 }, 'q');
      await take(quota, [p]);
      await take(quota, [q], 0, 'same keyId, other provider');
    }),

    defineCase(
      make,
      'concurrency: maxConcurrent slots; no retryAfterMs when only concurrency blocks',
      async ({ quota }) => {
        const k = key('k', { maxConcurrent: 2 });
        const first = await take(quota, [k]);
        await take(quota, [k]);
        const refusal = await refuse(quota, [k], 0, 'third concurrent');
        checkEqual(refusal.blocked, [{ keyId: 'k', reason: 'concurrency' }], 'blocked');
        checkEqual(refusal.retryAfterMs, undefined, 'retryAfterMs');
        checkEqual(quota.view(k).inFlight, 2, 'inFlight');
        await quota.settle(first);
        checkEqual(quota.view(k).inFlight, 1, 'inFlight after settle');
        await take(quota, [k], 0, 'after a release');
      },
    ),

    defineCase(make, 'settle: reconciles the tokens to the real usage', async ({ quota }) => {
      const k = key('k', { tpm: 100 });
      await quota.settle(await take(quota, [k], 80), { tokens: 20 });
      checkEqual(quota.view(k).tokensInWindow, 20, 'tokens after a smaller real usage');
      await quota.settle(await take(quota, [k], 10), { tokens: 70 });
      checkEqual(quota.view(k).tokensInWindow, 90, 'tokens after a larger real usage');
      await refuse(quota, [k], 11, 'over the reconciled window');
      await quota.settle(await take(quota, [k], 10));
      checkEqual(quota.view(k).tokensInWindow, 100, 'settle without tokens keeps the reservation');
    }),

    defineCase(
      make,
      'settle: after the window slid, reconciling changes nothing',
      async ({ quota, clock, windowMs, slackMs }) => {
        const k = key('k', { tpm: 100 });
        const lease = await take(quota, [k], 50);
        clock.advance(windowMs + slackMs + 1);
        await quota.settle(lease, { tokens: 5 });
        checkEqual(quota.view(k).tokensInWindow, 0, 'tokens (never negative, never resurrected)');
      },
    ),

    defineCase(make, 'settle twice: counted as a double release, never a double free', async ({ quota }) => {
      const k = key('k', { maxConcurrent: 1 });
      const lease = await take(quota, [k]);
      await quota.settle(lease);
      await quota.settle(lease);
      const held = await take(quota, [k], 0, 'the one slot after the release');
      await refuse(quota, [k], 0, 'a second slot (a double free would allow it)');
      checkEqual(quota.view(k).inFlight, 1, 'inFlight');
      const accounting = quota.accounting?.();
      if (accounting)
        checkEqual(accounting, { acquired: 2, released: 1, outstanding: 1, doubleReleases: 1 }, 'accounting');
      await quota.settle(held);
    }),

    defineCase(make, 'accounting: acquired = released + outstanding, exactly', async ({ quota }) => {
      const k = key('k', { rpm: 10, maxConcurrent: 3 });
      const leases = [await take(quota, [k]), await take(quota, [k]), await take(quota, [k])];
      await refuse(quota, [k]);
      await quota.settle(leases[0]!);
      await quota.settle(leases[1]!, { tokens: 3 });
      const accounting = quota.accounting?.();
      if (accounting)
        checkEqual(accounting, { acquired: 3, released: 2, outstanding: 1, doubleReleases: 0 }, 'accounting');
    }),

    defineCase(
      make,
      'window: slides, and requests and tokens leave it',
      async ({ quota, clock, windowMs, slackMs }) => {
        // `view` of a shared store is "as last seen", so each check follows an operation on the key.
        const k = key('k', { rpm: 2, tpm: 100 });
        await quota.settle(await take(quota, [k], 50));
        clock.advance(windowMs / 2);
        await quota.settle(await take(quota, [k], 50));
        await refuse(quota, [k], 0, 'window full');
        clock.advance(windowMs / 2 + slackMs + 1);
        await quota.settle(await take(quota, [k], 30, 'room again once the first slid out'));
        checkEqual(
          counts(quota.view(k)),
          { inFlight: 0, queued: 0, requestsInWindow: 2, tokensInWindow: 80 },
          'view',
        );
        clock.advance(windowMs + slackMs + 1);
        await quota.settle(await take(quota, [k], 10));
        checkEqual(
          counts(quota.view(k)),
          { inFlight: 0, queued: 0, requestsInWindow: 1, tokensInWindow: 10 },
          'all slid out',
        );
      },
    ),

    defineCase(
      make,
      'window: an event is never forgotten before windowMs',
      async ({ quota, clock, windowMs }) => {
        const k = key('k', { rpm: 1 });
        await quota.settle(await take(quota, [k]));
        clock.advance(windowMs - 1);
        await refuse(quota, [k], 0, 'one ms before the window ends');
      },
    ),

    defineCase(
      make,
      'retryAfterMs: the earliest moment a window has room',
      async ({ quota, clock, windowMs, slackMs }) => {
        const k = key('k', { rpm: 2 });
        await quota.settle(await take(quota, [k]));
        clock.advance(windowMs / 4);
        await quota.settle(await take(quota, [k]));
        const refusal = await refuse(quota, [k]);
        const wait = refusal.retryAfterMs ?? -1;
        check(
          wait >= (windowMs * 3) / 4 && wait <= (windowMs * 3) / 4 + slackMs,
          `retryAfterMs ${wait} out of range`,
        );
        checkEqual(refusal.blocked[0]?.retryAfterMs, wait, 'per-key retryAfterMs');
        clock.advance(wait - 1);
        await refuse(quota, [k], 0, 'one ms before retryAfterMs');
        clock.advance(1);
        await take(quota, [k], 0, 'at retryAfterMs');
      },
    ),

    defineCase(
      make,
      'retryAfterMs: the earliest over keys; the longest block of one key',
      async ({ quota, clock }) => {
        const a = key('a', { maxConcurrent: 1 });
        const b = key('b', { rpm: 1 });
        await take(quota, [a]);
        await take(quota, [b]);
        await quota.cooldown(b, 5_000);
        await quota.quarantine(a, 9_000);
        const refusal = await refuse(quota, [a, b]);
        const [blockA, blockB] = refusal.blocked;
        checkEqual(
          [blockA?.reason, blockA?.retryAfterMs],
          ['quarantined', 9_000],
          'key a: quarantine outlasts concurrency',
        );
        checkEqual(blockB?.reason, 'rpm', 'key b: the window outlasts the cooldown');
        check((blockB?.retryAfterMs ?? 0) > 5_000, 'key b waits for its window');
        checkEqual(refusal.retryAfterMs, Math.min(9_000, blockB?.retryAfterMs ?? 0), 'overall retryAfterMs');
        clock.advance(9_000);
        const stillBusy = await refuse(quota, [a], 0, 'a after quarantine, slot still held');
        checkEqual(
          stillBusy,
          { ok: false, blocked: [{ keyId: 'a', reason: 'concurrency' }] },
          'concurrency only',
        );
      },
    ),
  ];
}

/** The counting fields of a view (a store may add optional hints such as `freeInMs`). */
function counts(v: KeyView): Pick<KeyView, 'inFlight' | 'queued' | 'requestsInWindow' | 'tokensInWindow'> {
  return {
    inFlight: v.inFlight,
    queued: v.queued,
    requestsInWindow: v.requestsInWindow,
    tokensInWindow: v.tokensInWindow,
  };
}
