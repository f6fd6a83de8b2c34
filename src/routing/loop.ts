import type { CandidateEntry } from '../catalog/cache.js';
import { ProviderError } from '../errors/provider-error.js';
import { RouterError } from '../errors/router-error.js';
import type { QuotaKey } from '../quota/quota-store.js';
import type { AttemptSummary, Usage } from '../types/result.js';
import { type AttemptBody, type RequestContext, adapterSkip, unsupportedError } from './attempt-context.js';
import { InterruptedAttempt } from './attempt-context.js';
import { abortedError, runAttempt } from './attempt.js';
import { retryDelay, sleep } from './backoff.js';
import { decide } from './classify.js';
import { coolKey, emitFailover } from './failover-effects.js';
import { type Skip, finalError, interruptedError, skipOf, withAttempts } from './loop-errors.js';
import { poolState } from './headroom.js';
import { costOrder, orderCandidates } from './order.js';
import type { RequestSize } from './expected-cost.js';
import type { ChatRequest } from '../types/request.js';
import { filterCandidates } from './request-filter.js';
import {
  type AffinityDecision,
  affinityKeyOrder,
  decideAffinity,
  keptByFilter,
  pinOrder,
  rememberAffinity,
  withCacheHint,
} from './affinity-pin.js';
import { type PoolSecrets, resolvePoolSecrets } from './pool-secrets.js';
import type { Runtime } from './runtime.js';
import { reserveTenant, settleTenant } from './tenant-gate.js';
import { reserveBudgets, settleBudgets } from './budget-gate.js';
import type { BudgetLease } from '../budgets/budget-store.js';

export interface LoopSuccess<T> {
  value: T;
  usage: Usage;
  candidate: CandidateEntry;
  attempts: AttemptSummary[];
}

/**
 * The attempt loop (README: How a request is routed): order the candidates, try each with a key that has capacity,
 * rotate keys on 429/auth, move to the next candidate on provider failures, stop on request errors
 * and caller aborts, and wait (bounded by `queueWaitMs`) only when every remaining candidate is
 * blocked by concurrency alone. Everything an attempt takes is released inside `runAttempt`.
 */
export function runLoop<T, R extends object>(
  rt: Runtime,
  rc: RequestContext<R>,
  body: AttemptBody<T, R>,
): Promise<LoopSuccess<T>> {
  // Without a tenant and an affinity entry there is nothing to hold around the loop: no frame of
  // its own (an async function and its await cost every request).
  if (!rc.tenant && (rc.affinityId === undefined || !rt.affinity)) {
    return loop(rt, rc, body, { promptTokens: rc.promptEstimate, maxTokens: rc.maxOutputTokens }, undefined);
  }
  return gatedLoop(rt, rc, body);
}

/** The loop with what a tenant and affinity take around it, given back whatever happens. */
async function gatedLoop<T, R extends object>(
  rt: Runtime,
  rc: RequestContext<R>,
  body: AttemptBody<T, R>,
): Promise<LoopSuccess<T>> {
  // Taken before the first attempt, given back in the finally below whatever happens.
  const tenantLease = rc.tenant ? await reserveTenant(rt, rc) : undefined;
  let budgetLease: BudgetLease | undefined;
  try {
    // Affinity: the request's entry, read once (sliding its TTL), before the filters and the budget
    // hold, since a session's cache discount counts in both (README: prompt-cache affinity).
    let size: RequestSize = { promptTokens: rc.promptEstimate, maxTokens: rc.maxOutputTokens };
    let affinity: AffinityDecision | undefined;
    if (rc.affinityId !== undefined && rt.affinity) {
      const read = await decideAffinity(rt, rc.affinityId, rc.target.active);
      ({ size, decision: affinity } = withCacheHint(rt, rc.request as ChatRequest, read, size));
    }
    // The worst case held on the tenant's and key's budgets, settled with the real cost below.
    if (rc.tenant) budgetLease = await reserveBudgets(rt, rc, size);
    return await loop(rt, rc, body, size, affinity);
  } finally {
    if (budgetLease) await settleBudgets(rt, rc, budgetLease);
    if (tenantLease) await settleTenant(rt, rc, tenantLease);
  }
}

async function loop<T, R extends object>(
  rt: Runtime,
  rc: RequestContext<R>,
  body: AttemptBody<T, R>,
  size: RequestSize,
  pinned: AffinityDecision | undefined,
): Promise<LoopSuccess<T>> {
  // Keys whose freed slot woke this request, until it tries to reserve one.
  let woken: readonly QuotaKey[] | undefined;
  try {
    const { options, quota } = rt;
    const clock = options.clock;
    rt.budget.request(rc.startedAt);
    const attempts: AttemptSummary[] = [];
    const skipped = new SkipList(rt, rc.requestId);
    // Secrets resolved in this request, per provider (a provider's pool is the same for all its models):
    // the first provider's in two variables, any other's in a map made when needed.
    let firstProvider: string | undefined;
    let firstSecrets: PoolSecrets | Promise<PoolSecrets> | undefined;
    let secrets: Map<string, PoolSecrets | Promise<PoolSecrets>> | undefined;
    // `providerId\0keyId` of keys that failed in this request → clock time until which they stay out
    // (a 429's cooldown; an auth failure: for good).
    let failedKeys: Map<string, number> | undefined;
    // Transient failures per key in this request: a same-candidate retry takes another key first.
    let keyFailures: Map<string, number> | undefined;
    let lastError: unknown;
    let stopReason: 'exhausted' | 'max_attempts' | 'retry_budget' | 'timeout' = 'exhausted';
    let minContext: number | undefined;
    let queueDeadline: number | undefined;
    let queueTimedOut = false;
    let waitExpiry: { expired: boolean } | undefined; // a slot wait ran its full length
    let timedWaitMs = 0; // waited for cooldowns and windows, as the timers count it
    let sameRetries = 0;

    // What the request rules out (its tags, its cost ceiling) goes before the strategy and affinity.
    let target = rc.target;
    let affinity = pinned;
    if (rc.maxCostUsd !== undefined || rc.tags !== undefined) {
      const filtered = filterCandidates(
        target,
        { size, maxCostUsd: rc.maxCostUsd, tags: rc.tags },
        options.defaultMaxOutputTokens,
      );
      if (filtered.skipped.length > 0) skipped.push(...filtered.skipped);
      target = filtered.target;
      if (affinity) affinity = keptByFilter(affinity, target.active);
    }
    let queue = target.active.length > 0 ? orderCandidates(rt, target, rc.startedAt, false, size) : [];
    // Affinity: a layer in front of the strategy — the session's candidate (and key) first, if it can
    // serve (under `cheapest`: while it is the cheapest with its cache discount).
    if (affinity) ({ queue, decision: affinity } = pinOrder(queue, affinity, costOrder(rt, target, size)));
    outer: while (queue.length > 0) {
      const waitlist: CandidateEntry[] = []; // blocked by concurrency: a release wakes them
      const timed: Array<{ cand: CandidateEntry; at: number }> = []; // blocked until a moment
      let retryCand: CandidateEntry | undefined; // the last one that failed transiently in this pass
      let retryError: ProviderError | undefined;
      for (let i = 0; i < queue.length; i++) {
        const cand = queue[i]!;
        const now = clock.now();
        const outputReserve =
          rc.maxOutputTokens ?? cand.model.maxOutputTokens ?? options.defaultMaxOutputTokens;
        // Pre-call context check: a prompt that cannot fit is not sent (it would only cost a 400).
        if (
          cand.model.contextWindow !== undefined &&
          rc.promptEstimate + outputReserve > cand.model.contextWindow
        ) {
          skipped.push({ providerId: cand.providerId, modelId: cand.modelId, reason: 'context_window' });
          continue;
        }
        if (minContext !== undefined && !((cand.model.contextWindow ?? 0) > minContext)) {
          skipped.push(skipOf(cand, 'context_window', now));
          continue;
        }
        const adapter = options.adapters[cand.provider.adapter];
        const unserved = adapterSkip(adapter, rc.operation, rc.request);
        if (unserved) {
          skipped.push(skipOf(cand, unserved, now));
          // What the request asks changes meaning without it (json_schema output): said if nobody can.
          if (unserved === 'unsupported') lastError ??= unsupportedError(adapter, rc.request);
          continue;
        }
        const pool = poolState(cand.keys, quota, now);
        // An exhausted pool still goes to the store: its refusal says when the window frees a slot
        // (QUOTA_EXHAUSTED's retryAfterMs), and it is the authority where the view may be stale.
        if (pool.skip && pool.skip !== 'exhausted') {
          skipped.push(skipOf(cand, pool.skip, now, pool.retryAfterMs));
          if (pool.skip === 'cooling' && pool.retryAfterMs !== undefined) {
            timed.push({ cand, at: now + pool.retryAfterMs });
          }
          continue;
        }
        if (!rt.breakers.tryPass(cand.ref, now)) {
          skipped.push(skipOf(cand, 'circuit_open', now, rt.breakers.retryAfterMs(cand.ref, now)));
          continue;
        }
        let probeUsed = false;
        try {
          let pending = cand.providerId === firstProvider ? firstSecrets : secrets?.get(cand.providerId);
          if (!pending) {
            pending = resolvePoolSecrets(rt, cand.keys);
            if (firstProvider === undefined) {
              firstProvider = cand.providerId;
              firstSecrets = pending;
            } else {
              secrets ??= new Map();
              secrets.set(cand.providerId, pending);
            }
          }
          const { apiKeys, unavailable } = pending instanceof Promise ? await pending : pending;
          if (unavailable.length > 0) {
            // Named in the final error even when another key of the pool serves or fails.
            skipped.push({
              providerId: cand.providerId,
              modelId: cand.modelId,
              reason: 'secret_unavailable',
              keyIds: unavailable.map((u) => u.keyId),
              message: unavailable[0]!.message,
            });
            if (apiKeys.size === 0) continue;
          }
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
            let keys = usableKeys(cand, failedKeys, keyFailures, clock.now());
            if (unavailable.length > 0) keys = withSecrets(keys, apiKeys);
            if (affinity && !keyFailures) keys = affinityKeyOrder(rt, keys, cand, affinity);
            if (keys.length === 0) {
              // Every key failed in this request; those cooling after a 429 come back at a moment.
              const back = failedKeys ? earliestBack(cand, failedKeys) : undefined;
              if (back !== undefined) {
                const at = clock.now();
                skipped.push(skipOf(cand, 'cooling', at, back - at));
                timed.push({ cand, at: back });
              }
              break;
            }
            if (attempts.length > 0 && !rt.budget.tryRetry(clock.now())) {
              stopReason = 'retry_budget';
              break outer;
            }
            woken = undefined; // reserving now: the wake-up (if any) is used
            const outcome = await runAttempt(
              rt,
              rc,
              cand,
              keys,
              attempts.length + 1,
              outputReserve,
              body,
              apiKeys,
            );
            if (outcome.kind === 'blocked') {
              const onlyConcurrency = outcome.blocked.every((b) => b.reason === 'concurrency');
              if (outcome.blocked.some((b) => b.reason === 'concurrency')) waitlist.push(cand);
              if (!onlyConcurrency) {
                const first = outcome.blocked.find((b) => b.reason !== 'concurrency');
                const at = clock.now();
                skipped.push(skipOf(cand, first?.reason ?? 'exhausted', at, outcome.retryAfterMs));
                if (outcome.retryAfterMs !== undefined) timed.push({ cand, at: at + outcome.retryAfterMs });
              }
              break;
            }
            probeUsed = true;
            attempts.push(outcome.summary);
            if (outcome.kind === 'success') {
              if (affinity) {
                const served = {
                  providerId: cand.providerId,
                  modelId: cand.modelId,
                  keyId: outcome.summary.keyId,
                };
                await rememberAffinity(rt, rc.affinityId!, affinity, served);
              }
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
            const failedAt = clock.now();
            if (decision.unhealthy) rt.breakers.failure(cand.ref, failedAt);
            else rt.breakers.neutral(cand.ref);
            // A candidate that hangs goes to the back of the order for a while.
            if (error.kind === 'timeout') rt.demotions.demote(cand.ref, failedAt);
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
            if (decision.transient) {
              retryCand = cand;
              retryError = error;
              const ref = `${cand.providerId}\0${outcome.keyId}`;
              keyFailures ??= new Map();
              keyFailures.set(ref, (keyFailures.get(ref) ?? 0) + 1);
            }
            if (decision.action === 'next_key') {
              failedKeys ??= new Map();
              const until = await coolKey(rt, from, error);
              // A 429 keeps the key out until its cooldown ends; an auth failure, for this request.
              const out =
                error.kind === 'rate_limited' && until !== undefined ? until : Number.POSITIVE_INFINITY;
              failedKeys.set(`${cand.providerId}\0${outcome.keyId}`, out);
            }
            emitFailover(rt, rc, attempts.length, from, decision.action, error);
            if (decision.action !== 'next_key') break;
          }
        } finally {
          // A half-open probe slot taken but not used (no key had capacity) goes back.
          if (!probeUsed) rt.breakers.neutral(cand.ref);
        }
      }
      if (waitlist.length === 0 && timed.length === 0) {
        // Nothing else is left: a passing failure is retried on the same candidate, after a backoff.
        if (!retryCand || !retryError) break;
        if (attempts.length >= options.maxAttempts) {
          stopReason = 'max_attempts';
          break;
        }
        if (!rt.budget.canRetry(clock.now())) {
          stopReason = 'retry_budget';
          break;
        }
        const delay = retryDelay(
          options.retry,
          ++sameRetries,
          retryError,
          clock.now(),
          rc.deadline,
          options.random,
        );
        if (delay === undefined) break; // would not fit before the deadline
        try {
          await sleep(delay, rc.signal);
        } catch (reason) {
          throw withAttempts(abortedError(reason), attempts);
        }
        queue = [retryCand];
        continue;
      }
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
      // Every other candidate is spent: wait for a slot, a cooldown's end or a window's room on the
      // blocked ones — all within the one queueWaitMs, and before the deadline.
      const now = clock.now();
      queueDeadline ??= now + options.timeouts.queueWaitMs;
      const limit = Math.min(queueDeadline, rc.deadline);
      let soonest = Number.POSITIVE_INFINITY;
      for (const t of timed) if (t.at < soonest) soonest = t.at;
      if (waitlist.length === 0) {
        // Only time frees these: wait when the earliest frees within the bound, else fail at once.
        if (soonest > limit || timedWaitMs >= options.timeouts.queueWaitMs) break;
        const ms = Math.max(1, soonest - now);
        timedWaitMs += ms;
        const signal = rc.signal;
        await waitCounted(rt, rc, () => sleep(ms, signal), attempts);
      } else {
        if (limit - now <= 0 || waitExpiry?.expired) {
          queueTimedOut = true;
          break;
        }
        const byTime = soonest <= limit;
        const waitMs = Math.max(byTime ? 1 : 0, Math.min(limit, soonest) - now);
        const keys = waitlist.flatMap((c) => c.keys);
        // The wait ends by a wake-up or by the store's timer, and both look alike. Our own timer of the
        // same length says which: time as the timers see it, which an injected clock may not follow.
        waitExpiry ??= { expired: false };
        const expiry = byTime ? undefined : setTimeout(markExpired, waitMs, waitExpiry);
        expiry?.unref?.();
        const signal = rc.signal;
        const store = quota;
        try {
          await waitCounted(rt, rc, () => store.waitForCapacity(keys, waitMs, signal), attempts);
          woken = keys;
        } finally {
          clearTimeout(expiry);
        }
      }
      // Keys out after a 429 whose cooldown has ended may serve again.
      if (failedKeys) for (const [k, until] of failedKeys) if (until <= clock.now()) failedKeys.delete(k);
      queue = stillBlocked(queue, waitlist, timed);
    }
    // The earliest end of a cooldown this request applied (keys it cooled and has not used since).
    const end = clock.now();
    let cooledMs: number | undefined;
    if (failedKeys) {
      for (const until of failedKeys.values()) {
        if (Number.isFinite(until)) cooledMs = Math.min(cooledMs ?? until - end, Math.max(0, until - end));
      }
    }
    throw finalError(rt, attempts, skipped.list, lastError, stopReason, queueTimedOut, cooledMs, end);
  } finally {
    // Woken for a slot and never tried to take it: hand the wake-up on to the next waiter.
    if (woken) rt.quota.passCapacity?.(woken);
  }
}

/** The timer of a slot wait: it ran its full length. */
function markExpired(expiry: { expired: boolean }): void {
  expiry.expired = true;
}

/** The keys of `keys` whose secret resolved. */
function withSecrets(keys: readonly QuotaKey[], apiKeys: ReadonlyMap<string, string>): readonly QuotaKey[] {
  return keys.filter((k) => apiKeys.has(k.keyId));
}

/** The candidates of `queue` (in its order) that wait for a slot or a moment. */
function stillBlocked(
  queue: CandidateEntry[],
  waitlist: readonly CandidateEntry[],
  timed: ReadonlyArray<{ cand: CandidateEntry }>,
): CandidateEntry[] {
  const again = new Set<CandidateEntry>([...waitlist, ...timed.map((t) => t.cand)]);
  return queue.filter((c) => again.has(c));
}

/**
 * A wait for capacity, counted in `stats().queued` and in the request's `waited.queueMs`; an abort
 * ends the request with `ABORTED`.
 */
async function waitCounted(
  rt: Runtime,
  rc: RequestContext<object>,
  wait: () => Promise<void>,
  attempts: AttemptSummary[],
): Promise<void> {
  const clock = rt.options.clock;
  const from = clock.now();
  rt.counters.queued++;
  try {
    await wait();
  } catch (reason) {
    throw withAttempts(abortedError(reason), attempts);
  } finally {
    rt.counters.queued--;
    rc.waited.queueMs += Math.max(0, clock.now() - from);
  }
}

/**
 * The keys of `cand` this request may still use, in preference order: keys out after a failure in
 * this request are left out; keys that failed transiently go after the others (a retry takes
 * another key first).
 */
function usableKeys(
  cand: CandidateEntry,
  failedKeys: Map<string, number> | undefined,
  keyFailures: Map<string, number> | undefined,
  now: number,
): readonly QuotaKey[] {
  let keys: readonly QuotaKey[] = cand.keys;
  if (failedKeys) {
    keys = keys.filter((k) => !((failedKeys.get(`${k.providerId}\0${k.keyId}`) ?? 0) > now));
  }
  if (keyFailures && keys.length > 1) {
    const count = (k: QuotaKey) => keyFailures.get(`${k.providerId}\0${k.keyId}`) ?? 0;
    keys = [...keys].sort((x, y) => count(x) - count(y));
  }
  return keys;
}

/** When the first of `cand`'s keys that are out after a 429 in this request comes back, if any will. */
function earliestBack(cand: CandidateEntry, failedKeys: Map<string, number>): number | undefined {
  let earliest: number | undefined;
  for (const k of cand.keys) {
    const until = failedKeys.get(`${k.providerId}\0${k.keyId}`);
    if (until !== undefined && Number.isFinite(until)) earliest = Math.min(earliest ?? until, until);
  }
  return earliest;
}

/**
 * The request's list of skipped candidates; each entry is also announced as a `skip` event, so that
 * a candidate passed over (exhausted, cooling, circuit open…) is visible when it happens, with when
 * it may serve again.
 */
class SkipList {
  /** What reaches the final error's `details.skipped`: a plain array. */
  readonly list: Skip[] = [];

  constructor(
    private readonly rt: Runtime,
    private readonly requestId: string,
  ) {}

  push(...items: Skip[]): void {
    const emitter = this.rt.emitter;
    if (emitter.has('skip')) {
      for (const s of items) {
        emitter.emit('skip', {
          requestId: this.requestId,
          providerId: s.providerId,
          modelId: s.modelId,
          reason: s.reason,
          ...(s.retryAfterMs === undefined ? {} : { retryAfterMs: s.retryAfterMs }),
          ...(s.keyIds ? { keyIds: s.keyIds } : {}),
        });
      }
    }
    for (const s of items) this.list.push(s);
  }
}
