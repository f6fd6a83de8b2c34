import { getEventListeners } from 'node:events';
import fc from 'fast-check';
import { expect } from 'vitest';
import type { QuotaKey, QuotaLease, QuotaStore } from '../../src/quota/quota-store.js';
import { type ManualClock, manualClock } from '../../src/testing/manual-clock.js';

export const WINDOW_MS = 10_000;
export const BUCKET_MS = 500;

const KEYS: QuotaKey[] = [
  { providerId: 'p', keyId: 'a', rpm: 4, tpm: 300, maxConcurrent: 2 },
  { providerId: 'p', keyId: 'b', rpm: 6, maxConcurrent: 3 },
  { providerId: 'p', keyId: 'c', tpm: 500 },
];

type Op =
  | { kind: 'reserve'; first: number; count: number; tokens: number }
  | { kind: 'settle'; pick: number; tokens: number | undefined; twice: boolean }
  | { kind: 'cooldown'; key: number; ms: number }
  | { kind: 'advance'; ms: number }
  | { kind: 'wait'; key: number }
  | { kind: 'abort'; pick: number };

// Reserves and settles dominate so that windows and slots actually fill up between clock moves.
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('reserve' as const),
      first: fc.nat(2),
      count: fc.integer({ min: 1, max: 3 }),
      tokens: fc.integer({ min: 0, max: 120 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('settle' as const),
      pick: fc.nat(),
      tokens: fc.option(fc.integer({ min: 0, max: 150 }), { nil: undefined }),
      twice: fc.boolean(),
    }),
  },
  fc.record({
    kind: fc.constant('cooldown' as const),
    key: fc.nat(2),
    ms: fc.integer({ min: -100, max: 5_000 }),
  }),
  fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 1_500 }) }),
  fc.record({ kind: fc.constant('wait' as const), key: fc.nat(2) }),
  fc.record({ kind: fc.constant('abort' as const), pick: fc.nat() }),
);

/** The exact log a perfect sliding window would keep: what the provider really sees. */
interface Sent {
  keyId: string;
  at: number;
  tokens: number;
}

/** A fresh store whose time follows `clock`, with WINDOW_MS / BUCKET_MS; `cleanup` runs after each run. */
export type MakeStore = (clock: ManualClock) => Promise<{ quota: QuotaStore; cleanup?: () => Promise<void> }>;

/**
 * Random sequences of reserve / settle (once or twice) / cooldown / clock advance / wait / abort. After each
 * step: no exact sliding window ever exceeded a limit, in-flight counts match the leases held, counters are
 * never negative, cooldowns only extend, accounting is exact; at the end nothing is left behind.
 * `exactView`: the store's window counts are exact at any time (memory), not only as last seen (Redis).
 */
export async function checkQuotaProperties(
  makeStore: MakeStore,
  options: { numRuns: number; exactView: boolean },
) {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 150, size: 'max' }), async (ops) => {
      const clock = manualClock();
      const { quota, cleanup } = await makeStore(clock);
      try {
        const sent: Sent[] = [];
        const open: Array<{ lease: QuotaLease; entry: Sent }> = [];
        const settled: QuotaLease[] = [];
        const waits: Array<{ controller: AbortController; done: Promise<unknown> }> = [];
        const coolingUntil = new Map<string, number>();
        let acquired = 0;
        let released = 0;
        let doubles = 0;
        const inExactWindow = (keyId: string, extraMs = 0) => {
          const now = clock.now();
          return sent.filter((s) => s.keyId === keyId && s.at > now - WINDOW_MS - extraMs);
        };

        for (const step of ops) {
          if (step.kind === 'reserve') {
            const keys = KEYS.slice(step.first, step.first + step.count);
            const before = new Map(keys.map((k) => [k.keyId, inExactWindow(k.keyId)]));
            const result = await quota.reserve({ keys, tokens: step.tokens });
            if (result.ok) {
              acquired += 1;
              const key = KEYS.find((k) => k.keyId === result.lease.keyId)!;
              const window = before.get(key.keyId)!;
              // The provider's view, exact and sliding: never more than the limits.
              if (key.rpm !== undefined) expect(window.length + 1).toBeLessThanOrEqual(key.rpm);
              const tokens = window.reduce((sum, s) => sum + s.tokens, 0);
              if (key.tpm !== undefined) expect(tokens + step.tokens).toBeLessThanOrEqual(key.tpm);
              const entry = { keyId: key.keyId, at: clock.now(), tokens: step.tokens };
              sent.push(entry);
              open.push({ lease: result.lease, entry });
            } else {
              expect(result.blocked.map((b) => b.keyId)).toEqual(keys.map((k) => k.keyId));
              for (const block of result.blocked) {
                if (block.retryAfterMs !== undefined) expect(block.retryAfterMs).toBeGreaterThan(0);
              }
            }
          } else if (step.kind === 'settle') {
            if (open.length > 0) {
              const [held] = open.splice(step.pick % open.length, 1);
              await quota.settle(
                held!.lease,
                step.tokens === undefined ? undefined : { tokens: step.tokens },
              );
              if (step.tokens !== undefined) held!.entry.tokens = step.tokens;
              released += 1;
              settled.push(held!.lease);
              if (step.twice) {
                await quota.settle(held!.lease);
                doubles += 1;
              }
            } else if (settled.length > 0) {
              await quota.settle(settled[step.pick % settled.length]!);
              doubles += 1;
            }
          } else if (step.kind === 'cooldown') {
            const key = KEYS[step.key]!;
            const until = await quota.cooldown(key, step.ms);
            // Extend-only: the end is the latest ever asked for.
            const expected = Math.max(coolingUntil.get(key.keyId) ?? 0, clock.now() + Math.max(0, step.ms));
            expect(until).toBe(expected);
            coolingUntil.set(key.keyId, expected);
          } else if (step.kind === 'advance') {
            clock.advance(step.ms);
          } else if (step.kind === 'wait') {
            const controller = new AbortController();
            const done = quota
              .waitForCapacity([KEYS[step.key]!], 60_000, controller.signal)
              .catch(() => undefined);
            waits.push({ controller, done });
          } else if (waits.length > 0) {
            waits[step.pick % waits.length]!.controller.abort(new Error('gave up'));
          }

          for (const key of KEYS) {
            const view = quota.view(key);
            expect(view.inFlight).toBe(open.filter((o) => o.lease.keyId === key.keyId).length);
            if (key.maxConcurrent !== undefined) expect(view.inFlight).toBeLessThanOrEqual(key.maxConcurrent);
            if (options.exactView) {
              expect(view.requestsInWindow).toBeGreaterThanOrEqual(inExactWindow(key.keyId).length);
              // Conservative by at most two buckets (the partial oldest one and the guard).
              expect(view.requestsInWindow).toBeLessThanOrEqual(
                inExactWindow(key.keyId, 2 * BUCKET_MS).length,
              );
            }
            expect(view.tokensInWindow).toBeGreaterThanOrEqual(0);
            expect(view.queued).toBeGreaterThanOrEqual(0);
            const cooling = coolingUntil.get(key.keyId) ?? 0;
            expect(view.coolingUntil).toBe(cooling > clock.now() ? cooling : undefined);
          }
          expect(quota.accounting?.()).toEqual({
            acquired,
            released,
            outstanding: acquired - released,
            doubleReleases: doubles,
          });
        }

        // Leave nothing behind: abort every wait still pending, release every lease still held.
        for (const wait of waits) wait.controller.abort(new Error('end'));
        await Promise.all(waits.map((w) => w.done));
        for (const wait of waits) expect(getEventListeners(wait.controller.signal, 'abort')).toHaveLength(0);
        for (const held of open) await quota.settle(held.lease);
        for (const key of KEYS) expect(quota.view(key)).toMatchObject({ inFlight: 0, queued: 0 });
        expect(quota.accounting?.()).toMatchObject({ outstanding: 0, doubleReleases: doubles });
      } finally {
        await quota.close?.();
        await cleanup?.();
      }
    }),
    { numRuns: options.numRuns },
  );
}
