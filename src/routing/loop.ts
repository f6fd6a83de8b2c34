import type { CandidateEntry } from '../catalog/cache.js';
import { ProviderError } from '../errors/provider-error.js';
import { RouterError } from '../errors/router-error.js';
import type { QuotaKey } from '../quota/quota-store.js';
import type { AttemptSummary, Usage } from '../types/result.js';
import type { AttemptBody, RequestContext } from './attempt-context.js';
import { InterruptedAttempt } from './attempt-context.js';
import { abortedError, runAttempt } from './attempt.js';
import { decide } from './classify.js';
import { coolKey, emitFailover } from './failover-effects.js';
import { type Skip, finalError, interruptedError, withAttempts } from './loop-errors.js';
import { poolState } from './headroom.js';
import { orderCandidates } from './order.js';
import type { Runtime } from './runtime.js';

export interface LoopSuccess<T> {
  value: T;
  usage: Usage;
  candidate: CandidateEntry;
  attempts: AttemptSummary[];
}

/**
 * The attempt loop (DESIGN section 4): order the candidates, try each with a key that has capacity,
 * rotate keys on 429/auth, move to the next candidate on provider failures, stop on request errors
 * and caller aborts, and wait (bounded by `queueWaitMs`) only when every remaining candidate is
 * blocked by concurrency alone. Everything an attempt takes is released inside `runAttempt`.
 */
export async function runLoop<T>(
  rt: Runtime,
  rc: RequestContext,
  body: AttemptBody<T>,
): Promise<LoopSuccess<T>> {
  const wake: WakeState = { keys: undefined };
  try {
    return await loop(rt, rc, body, wake);
  } finally {
    // Woken for a slot and never tried to take it: hand the wake-up on to the next waiter.
    if (wake.keys) rt.quota.passCapacity?.(wake.keys);
  }
}

/** Keys whose freed slot woke this request, until it tries to reserve one. */
interface WakeState {
  keys: readonly QuotaKey[] | undefined;
}

async function loop<T>(
  rt: Runtime,
  rc: RequestContext,
  body: AttemptBody<T>,
  wake: WakeState,
): Promise<LoopSuccess<T>> {
  const { options, quota } = rt;
  const clock = options.clock;
  rt.budget.request(rc.startedAt);
  const attempts: AttemptSummary[] = [];
  const skipped: Skip[] = [];
  let failedKeys: Set<string> | undefined; // `providerId\0keyId` of keys that failed in this request
  let lastError: unknown;
  let stopReason: 'exhausted' | 'max_attempts' | 'retry_budget' | 'timeout' = 'exhausted';
  let minContext: number | undefined;
  let queueDeadline: number | undefined;
  let queueTimedOut = false;
  let waitExpired = false; // a slot wait ran its full length
  let cooledUntil: number | undefined; // earliest end of a cooldown this request applied

  let queue = orderCandidates(rt, rc.target, rc.startedAt);
  outer: while (queue.length > 0) {
    const waitlist: CandidateEntry[] = [];
    for (let i = 0; i < queue.length; i++) {
      const cand = queue[i]!;
      const now = clock.now();
      if (minContext !== undefined && !((cand.model.contextWindow ?? 0) > minContext)) {
        skipped.push({ providerId: cand.providerId, modelId: cand.modelId, reason: 'context_window' });
        continue;
      }
      if (!options.adapters[cand.provider.adapter]) {
        skipped.push({ providerId: cand.providerId, modelId: cand.modelId, reason: 'no_adapter' });
        continue;
      }
      const pool = poolState(cand.keys, (k) => quota.view(k), now);
      // An exhausted pool still goes to the store: its refusal says when the window frees a slot
      // (QUOTA_EXHAUSTED's retryAfterMs), and it is the authority where the view may be stale.
      if (pool.skip && pool.skip !== 'exhausted') {
        skipped.push({
          providerId: cand.providerId,
          modelId: cand.modelId,
          reason: pool.skip,
          ...(pool.retryAfterMs === undefined ? {} : { retryAfterMs: pool.retryAfterMs }),
        });
        continue;
      }
      if (!rt.breakers.tryPass(cand.ref, now)) {
        const retryAfterMs = rt.breakers.retryAfterMs(cand.ref, now);
        skipped.push({
          providerId: cand.providerId,
          modelId: cand.modelId,
          reason: 'circuit_open',
          ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        });
        continue;
      }
      let probeUsed = false;
      try {
        const outputReserve =
          rc.request.maxTokens ?? cand.model.maxOutputTokens ?? options.defaultMaxOutputTokens;
        // Key rotation within this candidate's provider.
        for (;;) {
          if (attempts.length >= options.maxAttempts) {
            stopReason = 'max_attempts';
            break outer;
          }
          if (rc.signal?.aborted) throw abortedError(rc.signal.reason);
          if (clock.now() >= rc.deadline) {
            stopReason = 'timeout';
            break outer;
          }
          const failed = failedKeys;
          const keys: readonly QuotaKey[] = failed
            ? cand.keys.filter((k) => !failed.has(`${k.providerId}\0${k.keyId}`))
            : cand.keys;
          if (keys.length === 0) break;
          if (attempts.length > 0 && !rt.budget.tryRetry(clock.now())) {
            stopReason = 'retry_budget';
            break outer;
          }
          wake.keys = undefined; // reserving now: the wake-up (if any) is used
          const outcome = await runAttempt(rt, rc, cand, keys, attempts.length + 1, outputReserve, body);
          if (outcome.kind === 'blocked') {
            const onlyConcurrency = outcome.blocked.every((b) => b.reason === 'concurrency');
            if (outcome.blocked.some((b) => b.reason === 'concurrency')) waitlist.push(cand);
            if (!onlyConcurrency) {
              const first = outcome.blocked.find((b) => b.reason !== 'concurrency');
              skipped.push({
                providerId: cand.providerId,
                modelId: cand.modelId,
                reason: first?.reason ?? 'exhausted',
                ...(outcome.retryAfterMs === undefined ? {} : { retryAfterMs: outcome.retryAfterMs }),
              });
            }
            break;
          }
          probeUsed = true;
          attempts.push(outcome.summary);
          if (outcome.kind === 'success') {
            return { value: outcome.value, usage: outcome.usage, candidate: cand, attempts };
          }
          const error = outcome.error;
          lastError = error instanceof InterruptedAttempt ? error.error : error;
          if (error instanceof InterruptedAttempt) {
            rt.breakers.neutral(cand.ref);
            if (RouterError.isInstance(error.error) && error.error.code === 'ABORTED') {
              throw withAttempts(error.error, attempts);
            }
            throw interruptedError(error, attempts);
          }
          if (!ProviderError.isProviderError(error)) {
            rt.breakers.neutral(cand.ref);
            if (RouterError.isInstance(error) && error.code === 'TIMEOUT') {
              stopReason = 'timeout';
              break outer;
            }
            if (RouterError.isInstance(error)) error.attempts = attempts;
            throw error; // ABORTED, or a bug surfacing as itself
          }
          const decision = decide(error.kind);
          if (decision.unhealthy) rt.breakers.failure(cand.ref, clock.now());
          else rt.breakers.neutral(cand.ref);
          const from = { providerId: cand.providerId, modelId: cand.modelId, keyId: outcome.keyId };
          if (decision.action === 'stop') {
            error.attempts = attempts;
            throw error;
          }
          if (decision.action === 'context_fallback') {
            minContext = cand.model.contextWindow ?? rc.promptEstimate;
            const limit = minContext;
            const rest = queue.slice(i + 1).some((c) => (c.model.contextWindow ?? 0) > limit);
            if (!rest) {
              error.attempts = attempts;
              throw error;
            }
          }
          if (decision.action === 'next_key') {
            failedKeys ??= new Set();
            failedKeys.add(`${cand.providerId}\0${outcome.keyId}`);
            const until = await coolKey(rt, from, error);
            if (until !== undefined) cooledUntil = Math.min(cooledUntil ?? until, until);
          }
          emitFailover(rt, rc, attempts.length, from, decision.action, error);
          if (decision.action !== 'next_key') break;
        }
      } finally {
        // A half-open probe slot taken but not used (no key had capacity) goes back.
        if (!probeUsed) rt.breakers.neutral(cand.ref);
      }
    }
    if (waitlist.length === 0) break;
    // Wait only if an attempt may follow: a waiter that cannot use the slot would also swallow the
    // wake-up meant for the next waiter of that key.
    if (attempts.length >= options.maxAttempts) {
      stopReason = 'max_attempts';
      break;
    }
    if (attempts.length > 0 && !rt.budget.canRetry(clock.now())) {
      stopReason = 'retry_budget';
      break;
    }
    // Every other candidate is spent: wait for a slot on the waitlisted ones, within queueWaitMs.
    const now = clock.now();
    queueDeadline ??= now + options.timeouts.queueWaitMs;
    const waitMs = Math.min(queueDeadline, rc.deadline) - now;
    if (waitMs <= 0 || waitExpired) {
      queueTimedOut = true;
      break;
    }
    const keys = waitlist.flatMap((c) => c.keys);
    // The wait ends by a wake-up or by the store's timer, and both look alike. Our own timer of the
    // same length says which: time as the timers see it, which an injected clock may not follow.
    const expiry = setTimeout(() => (waitExpired = true), waitMs);
    expiry.unref?.();
    rt.counters.queued++;
    try {
      await quota.waitForCapacity(keys, waitMs, rc.signal);
      wake.keys = keys;
    } catch (reason) {
      throw withAttempts(abortedError(reason), attempts);
    } finally {
      clearTimeout(expiry);
      rt.counters.queued--;
    }
    queue = waitlist;
  }
  const cooledMs = cooledUntil === undefined ? undefined : Math.max(0, cooledUntil - clock.now());
  throw finalError(rt, attempts, skipped, lastError, stopReason, queueTimedOut, cooledMs);
}
