import { randomUUID } from 'node:crypto';
import { RouterError } from '../errors/router-error.js';
import { memoryQuota } from '../quota/memory-quota.js';
import type {
  KeyBlock,
  KeyView,
  QuotaKey,
  QuotaKeyRef,
  QuotaLease,
  QuotaStore,
  ReserveInput,
  ReserveResult,
  SettleInput,
} from '../quota/quota-store.js';
import { rateLimitBlockMs } from '../quota/rate-limit-block.js';
import { failAll, waitInQueues, wakeFirst, wakeOneOf } from '../quota/waiters.js';
import type { RateLimitInfo } from '../types/rate-limit.js';
import { systemClock } from '../util/clock.js';
import { startUpkeep } from './upkeep.js';
import type { RedisQuotaOptions } from './options.js';
import { Orphans } from './orphans.js';
import { CARRY, carryArgs, OutageJournal } from './outage-journal.js';
import { RedisLease } from './redis-lease.js';
import { type RemoteKey, RemoteKeys } from './remote-key.js';
import { resolveRedisQuotaOptions } from './resolve-options.js';
import { runScript, type Script } from './script-runner.js';
import { BLOCK, RENEW, RESERVE, SETTLE } from './scripts.js';
import { redisAffinity } from './affinity.js';
import { redisBudgets } from './redis-budgets.js';
import type { BudgetCounters } from '../budgets/budget-store.js';

const REASONS = ['quarantined', 'cooling', 'rpm', 'tpm', 'concurrency'] as const;
/** Values per refused candidate in the reserve script's reply: reason, wait, then the six state values. */
const PER_KEY = 8;

/** The Redis store: a `QuotaStore` plus `renew`, for a caller that wants to push a lease's expiry itself. */
export type RedisQuotaStore = QuotaStore &
  Required<Pick<QuotaStore, 'renew' | 'clear' | 'accounting' | 'close'>> &
  BudgetCounters;

/**
 * A `QuotaStore` shared by every instance that points at the same Redis and prefix: rpm/tpm windows,
 * concurrency leases that expire when their holder dies, cooldowns and quarantine — each check-and-take
 * one atomic script, one round trip. `view()` answers from what the scripts returned last.
 */
export function redisQuota(options: RedisQuotaOptions): RedisQuotaStore {
  const config = resolveRedisQuotaOptions(options);
  const { client, clock, windowMs, bucketMs, leaseTtlMs, commandTimeoutMs, outageRetryMs } = config;
  const owner = {};
  let offset = 0; // Redis server time − local time, for `view()` deadlines
  const instance = randomUUID().slice(0, 8);
  const now = (): number => (clock === undefined ? Date.now() + offset : clock.now());
  const keys = new RemoteKeys(config.prefix, { now, windowMs, bucketMs });
  // Serves in fail-open mode while Redis is down, and mirrors cooldowns so that it knows them then.
  const fallback = memoryQuota({ clock: clock ?? systemClock, windowMs, bucketMs });
  const live = new Set<RedisLease>();
  /** Local leases standing in for a reserve lost in flight: settling one lets its orphan go. */
  const holds = new Map<QuotaLease, () => void>();
  // Local reservations made while Redis was down, carried into Redis when it is back.
  const journal = new OutageJournal(bucketMs, windowMs);
  let carrying: Promise<void> | undefined;
  let downUntil = 0;
  let lastReport = Number.NEGATIVE_INFINITY;
  let sequence = 0;
  let acquired = 0;
  let released = 0;
  let doubleReleases = 0;
  let closed = false;

  const timeArg = (): string => (clock === undefined ? '' : String(clock.now()));
  const sawTime = (serverNow: number | undefined): void => {
    if (clock === undefined && serverNow !== undefined) offset = serverNow - Date.now();
  };
  const healthy = (): boolean => Date.now() >= downUntil;

  function report(error: RouterError): void {
    // An outage fails every call: tell the router once per retry period, not once per request.
    if (Date.now() - lastReport < outageRetryMs) return;
    lastReport = Date.now();
    try {
      config.onError?.(error);
    } catch {
      // A throwing listener must not turn into a failed release.
    }
  }

  function failed(error: unknown): RouterError {
    downUntil = Date.now() + outageRetryMs;
    const routerError = RouterError.isInstance(error)
      ? error
      : new RouterError('STORAGE_ERROR', 'Redis quota store failed', { cause: error });
    report(routerError);
    return routerError;
  }

  const run = (
    target: Script,
    redisKeys: readonly string[],
    args: ReadonlyArray<string | number>,
    onUnknown?: (sealed: Promise<void>) => void,
  ) => runScript(client, target, redisKeys, args, commandTimeoutMs, onUnknown);

  // Leases a lost reserve or settle may have left behind in Redis: released by id (see orphans.ts).
  const orphans = new Orphans({
    run,
    leaseTtlMs,
    retryMs: outageRetryMs,
    freed: (key) => wakeFirst(key.waiters),
  });

  const affinity = redisAffinity(config.prefix, run);
  // Budgets fail closed: a failure rejects (the router refuses the request), never a local fallback.
  const budgets = redisBudgets(config.prefix, run, timeArg);

  const upkeep = startUpkeep({ config, keys, live, run, timeArg, sawTime, healthy, failed, report });

  async function reserveLocally(input: ReserveInput, cause: RouterError): Promise<ReserveResult> {
    if (config.onStoreError === 'fail-closed') {
      throw new RouterError(
        'STORAGE_ERROR',
        'The shared quota store is unreachable; refusing (fail-closed)',
        {
          cause,
          retryAfterMs: Math.max(1, downUntil - Date.now()),
        },
      );
    }
    const result = await fallback.reserve({ ...input, keys: input.keys.map(withoutSeenUsage) });
    if (!result.ok) return result;
    const inner = result.lease;
    acquired += 1;
    const at = now();
    journal.add(keys.get(inner), at, inner.tokens);
    const lease = new RedisLease(inner.leaseId, inner.providerId, inner.keyId, inner.tokens, at, owner, {
      local: inner,
    });
    return { ok: true, lease };
  }

  /**
   * The local fallback starts with an empty window and no slot taken. What Redis last said the key's
   * window held (this instance's calls and the others') is taken off its limits for as long as those
   * calls can still be in the window, and this instance's Redis leases still in use off its slots, so
   * that an outage never hands out that part of the limit again.
   */
  function withoutSeenUsage(candidate: QuotaKey): QuotaKey {
    const key = keys.find(candidate);
    if (key === undefined) return candidate;
    const limited = { ...candidate };
    if (limited.maxConcurrent !== undefined) {
      let held = 0;
      for (const lease of live) if (RedisLease.remote(lease) === key) held += 1;
      limited.maxConcurrent = Math.max(0, limited.maxConcurrent - held);
    }
    if (now() - key.seenAt > windowMs + bucketMs) return limited;
    if (limited.rpm !== undefined) limited.rpm = Math.max(0, limited.rpm - key.requests);
    if (limited.tpm !== undefined) limited.tpm = Math.max(0, limited.tpm - key.tokens);
    return limited;
  }

  /**
   * Carry the journal into Redis (once, whoever asks first), before the first reservation there after
   * an outage. A carry that fails puts its batches back; one that timed out may have run as well and
   * count twice — erring on the side of the limit.
   */
  function carry(): Promise<void> {
    carrying ??= (async () => {
      const batches = journal.take();
      try {
        for (const [provider, batch] of batches) {
          const { keys: redisKeys, args } = carryArgs(batch);
          sawTime((await run(CARRY, redisKeys, [timeArg(), windowMs, bucketMs, ...args]))[0]);
          batches.delete(provider);
        }
      } catch (error) {
        for (const batch of batches.values()) journal.restore(batch);
        throw error;
      }
    })().finally(() => {
      carrying = undefined;
    });
    return carrying;
  }

  function refusal(reply: number[], candidates: readonly QuotaKey[], remote: RemoteKey[]): ReserveResult {
    const blocked: KeyBlock[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (let index = 0; index < candidates.length; index++) {
      const at = 2 + index * PER_KEY;
      const reason = REASONS[(reply[at] ?? 5) - 1] ?? 'concurrency';
      const wait = reply[at + 1] ?? -1;
      remote[index]!.update(reply, at + 2);
      if (wait >= 0) {
        blocked.push({ keyId: candidates[index]!.keyId, reason, retryAfterMs: wait });
        if (wait < earliest) earliest = wait;
      } else {
        blocked.push({ keyId: candidates[index]!.keyId, reason });
      }
    }
    return earliest === Number.POSITIVE_INFINITY
      ? { ok: false, blocked }
      : { ok: false, blocked, retryAfterMs: earliest };
  }

  /** Run a deadline script (cooldown, quarantine, clear); the store time it ran at, or undefined when Redis could not be reached. */
  async function setDeadline(
    ref: QuotaKeyRef,
    field: 'cool' | 'quar' | 'clear',
    ms: number,
  ): Promise<number | undefined> {
    if (!healthy()) return undefined;
    const key = keys.get(ref);
    try {
      const reply = await run(BLOCK, [key.hash, key.leases], [timeArg(), windowMs, bucketMs, field, ms]);
      sawTime(reply[0]);
      key.update(reply, 1);
      return reply[0] ?? now();
    } catch (error) {
      failed(error);
      return undefined;
    }
  }

  const closedError = (): RouterError => new RouterError('CLOSED', 'The quota store is closed');

  return {
    async reserveBudget(input) {
      if (closed) throw closedError();
      try {
        return await budgets.reserveBudget(input);
      } catch (error) {
        throw failed(error);
      }
    },
    async settleBudget(lease, actual) {
      try {
        await budgets.settleBudget(lease, actual);
      } catch (error) {
        // The hold comes back when its lease expires (the request's deadline): erring on the safe side.
        throw failed(error);
      }
    },
    async seedBudget(scope, counter, spend) {
      if (closed) throw closedError();
      try {
        return await budgets.seedBudget(scope, counter, spend);
      } catch (error) {
        throw failed(error);
      }
    },
    budgetLeases: budgets.budgetLeases,

    async reserve(input: ReserveInput): Promise<ReserveResult> {
      if (closed) throw closedError();
      if (!healthy()) {
        return reserveLocally(input, new RouterError('STORAGE_ERROR', 'Redis was unreachable moments ago'));
      }
      if (journal.size > 0 || carrying !== undefined) {
        try {
          await carry();
        } catch (error) {
          return reserveLocally(input, failed(error));
        }
      }
      const tokens = Math.ceil(Math.max(0, input.tokens || 0)); // Redis counts integers
      sequence += 1;
      const leaseId = `${instance}:${sequence.toString(36)}`;
      const remote: RemoteKey[] = [];
      const redisKeys: string[] = [];
      const args: Array<string | number> = [timeArg(), windowMs, bucketMs, tokens, leaseTtlMs, leaseId];
      for (const candidate of input.keys) {
        const key = keys.get(candidate);
        remote.push(key);
        redisKeys.push(key.hash, key.leases);
        args.push(candidate.rpm ?? -1, candidate.tpm ?? -1, candidate.maxConcurrent ?? -1);
      }
      let reply: number[];
      let unhold: (() => void) | undefined;
      try {
        reply = await run(RESERVE, redisKeys, args, (sealed) => {
          orphans.add(leaseId, remote, sealed, new Promise<void>((resolve) => (unhold = resolve)));
        });
      } catch (error) {
        // The lost reserve may hold a slot in Redis: it stands for the local lease until that one ends.
        let result: ReserveResult | undefined;
        try {
          result = await reserveLocally(input, failed(error));
          return result;
        } finally {
          if (result?.ok === true && unhold !== undefined) holds.set(result.lease, unhold);
          else unhold?.();
        }
      }
      sawTime(reply[1]);
      if (reply[0] !== 1) return refusal(reply, input.keys, remote);
      const key = remote[(reply[2] ?? 1) - 1]!;
      key.update(reply, 4);
      acquired += 1;
      const lease = new RedisLease(leaseId, key.providerId, key.keyId, tokens, reply[1] ?? now(), owner, {
        key,
        bucket: reply[3] ?? 0,
      });
      live.add(lease);
      upkeep.renewer.ensure();
      return { ok: true, lease };
    },

    async settle(lease: QuotaLease, input?: SettleInput): Promise<void> {
      if (!RedisLease.claim(lease, owner)) {
        doubleReleases += 1; // settled before, or not ours: counted, never applied
        return;
      }
      released += 1;
      live.delete(lease);
      const local = RedisLease.local(lease);
      const key = RedisLease.remote(lease) ?? keys.get(lease);
      if (input?.rateLimit !== undefined) await fallback.observe(lease, input.rateLimit);
      if (local !== undefined) {
        holds.get(lease)?.();
        holds.delete(lease);
        if (input?.tokens !== undefined)
          journal.adjust(key, lease.reservedAt, Math.ceil(Math.max(0, input.tokens || 0)) - lease.tokens);
        await fallback.settle(local, input);
        wakeFirst(key.waiters);
        return;
      }
      if (healthy()) {
        const delta =
          input?.tokens === undefined ? '' : Math.ceil(Math.max(0, input.tokens || 0)) - lease.tokens;
        const block = input?.rateLimit === undefined ? 0 : rateLimitBlockMs(input.rateLimit);
        try {
          const reply = await run(
            SETTLE,
            [key.hash, key.leases],
            [timeArg(), windowMs, bucketMs, lease.leaseId, RedisLease.bucket(lease), delta, block],
            (sealed) => orphans.add(lease.leaseId, [key], sealed),
          );
          sawTime(reply[1]);
          key.update(reply, 2); // counts our release: wakes one local waiter
          return;
        } catch (error) {
          failed(error);
        }
      }
      // Redis unreachable: its copy of the lease expires by itself; the local side is released now.
      key.inFlight = Math.max(0, key.inFlight - 1);
      wakeFirst(key.waiters);
    },

    async cooldown(ref: QuotaKeyRef, ms: number): Promise<number> {
      const localUntil = await fallback.cooldown(ref, ms);
      const wanted = Math.max(0, ms || 0);
      const at = await setDeadline(ref, 'cool', wanted);
      // The effective end: the longer of the existing cooldown and this one (which may be 0 ms long).
      return at === undefined ? localUntil : Math.max(keys.get(ref).coolingUntil, at + wanted);
    },

    async quarantine(ref: QuotaKeyRef, ms: number): Promise<void> {
      await fallback.quarantine(ref, ms);
      await setDeadline(ref, 'quar', Math.max(0, ms || 0));
    },

    async observe(ref: QuotaKeyRef, info: RateLimitInfo): Promise<void> {
      const ms = rateLimitBlockMs(info);
      if (ms === 0) return;
      await fallback.observe(ref, info);
      await setDeadline(ref, 'cool', ms);
    },

    async clear(ref: QuotaKeyRef): Promise<void> {
      await fallback.clear?.(ref);
      await setDeadline(ref, 'clear', 0);
    },

    passCapacity(refs: readonly QuotaKeyRef[]): void {
      wakeOneOf(refs.map((ref) => keys.get(ref).waiters));
    },

    waitForCapacity(refs: readonly QuotaKeyRef[], maxWaitMs: number, signal?: AbortSignal): Promise<void> {
      if (closed) return Promise.reject(closedError());
      const waiting = waitInQueues(
        refs.map((ref) => keys.get(ref).waiters),
        maxWaitMs,
        signal,
      );
      upkeep.poller.ensure();
      return waiting;
    },

    view(ref: QuotaKey): KeyView {
      const local = fallback.view(ref);
      const key = keys.find(ref);
      if (key === undefined) return local;
      // Other instances' releases reach this one only through Redis: refresh a count read a while ago.
      if (now() - key.inFlightAt > config.pollIntervalMs && healthy()) upkeep.refresh(key);
      const view = key.view(now());
      view.inFlight += local.inFlight;
      // The local window matters while Redis does not count it: once carried, Redis's numbers hold it.
      if (!healthy() || journal.has(key)) {
        view.requestsInWindow += local.requestsInWindow;
        view.tokensInWindow += local.tokensInWindow;
      }
      if ((local.coolingUntil ?? 0) > (view.coolingUntil ?? 0)) view.coolingUntil = local.coolingUntil;
      if ((local.quarantinedUntil ?? 0) > (view.quarantinedUntil ?? 0))
        view.quarantinedUntil = local.quarantinedUntil;
      return view;
    },

    async renew(lease: QuotaLease): Promise<void> {
      if (!(lease instanceof RedisLease) || !RedisLease.isLive(lease)) return;
      const key = RedisLease.remote(lease);
      if (key === undefined || !healthy()) return;
      try {
        const [kept] = await run(RENEW, [key.leases], [timeArg(), leaseTtlMs, lease.leaseId]);
        if (kept === 0)
          report(new RouterError('STORAGE_ERROR', `Lease ${lease.leaseId} expired before renewal`));
      } catch (error) {
        failed(error);
      }
    },

    accounting() {
      return { acquired, released, outstanding: acquired - released, doubleReleases };
    },

    async getAffinity(id: string, slideMs?: number) {
      if (closed) throw closedError();
      if (!healthy()) return fallback.getAffinity?.(id, slideMs);
      try {
        return await affinity.getAffinity(id, slideMs);
      } catch (error) {
        failed(error);
        return fallback.getAffinity?.(id, slideMs);
      }
    },

    async setAffinity(id, target, ttlMs) {
      if (closed) throw closedError();
      // Kept locally too, so that an outage keeps this instance's sessions where they were.
      await fallback.setAffinity?.(id, target, ttlMs);
      if (!healthy()) return;
      try {
        await affinity.setAffinity(id, target, ttlMs);
      } catch (error) {
        failed(error);
      }
    },

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      upkeep.stop();
      for (const unhold of holds.values()) unhold();
      holds.clear();
      orphans.stop();
      const error = closedError();
      for (const key of keys.all()) failAll(key.waiters, error);
      await fallback.close?.();
    },
  };
}
