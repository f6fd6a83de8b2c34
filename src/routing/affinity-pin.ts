import type { AffinityTarget } from '../affinity/affinity-entry.js';
import type { CandidateEntry } from '../catalog/cache.js';
import type { QuotaKey } from '../quota/quota-store.js';
import type { Runtime } from './runtime.js';
import { compareCost } from './strategies/cheapest.js';
import { type RequestSize, cachedPrefixTokens } from './expected-cost.js';
import type { ChatRequest } from '../types/request.js';

/** Why a request with an affinity key did not go where its session went before. */
export type AffinityMiss =
  /** No fresh entry: a new session, or one idle past `affinity.ttlMs`. */
  | 'no_entry'
  /** The entry names a candidate this target no longer has enabled. */
  | 'not_a_candidate'
  /** The entry's key left the pool (removed, disabled, unusable). */
  | 'key_gone'
  | 'key_cooling'
  | 'key_quarantined'
  /** The key's rpm or tpm window is full. */
  | 'key_exhausted'
  /** The key is at `maxConcurrent`. */
  | 'key_busy'
  /** The candidate's circuit is not closed. */
  | 'circuit_open'
  /** The quota store could not be read. */
  | 'store_error'
  /**
   * Under `cheapest`: another candidate is cheaper for this request even with the session's cache
   * read at the cache price on its own candidate, so the session moves (the entry follows it).
   */
  | 'cheaper_elsewhere';

/** What affinity did for one request. */
export interface AffinityDecision {
  /** The entry read, if any. */
  entry: AffinityTarget | undefined;
  /** The candidate the entry names, when this target has it enabled. */
  candidate: CandidateEntry | undefined;
  applied: boolean;
  reason?: AffinityMiss;
  /**
   * Prompt tokens counted at the cache-read price on the pinned candidate (`cachedPrefixTokens`), when
   * the entry holds and the model has a `cacheReadCostPerMTok`.
   */
  cachedTokens?: number;
}

/**
 * Read the request's entry (sliding its TTL unless `dryRun`) and decide whether it holds now: the
 * entry's candidate is one of `active`, its key is in the pool and has room, not cooling, and the
 * candidate's circuit is closed.
 */
export async function decideAffinity(
  rt: Runtime,
  id: string,
  active: readonly CandidateEntry[],
  dryRun = false,
): Promise<AffinityDecision> {
  const store = rt.affinity;
  let entry: AffinityTarget | undefined;
  try {
    entry = await store?.getAffinity(id, dryRun ? undefined : rt.options.affinity?.ttlMs);
  } catch (error) {
    rt.emitter.emit('error', { source: 'quota', error });
    return { entry: undefined, candidate: undefined, applied: false, reason: 'store_error' };
  }
  if (!entry) return { entry, candidate: undefined, applied: false, reason: 'no_entry' };
  const candidate = active.find((c) => c.providerId === entry.providerId && c.modelId === entry.modelId);
  if (!candidate) return { entry, candidate, applied: false, reason: 'not_a_candidate' };
  const reason = keyMiss(rt, candidate, entry.keyId);
  return reason ? { entry, candidate, applied: false, reason } : { entry, candidate, applied: true };
}

function keyMiss(rt: Runtime, c: CandidateEntry, keyId: string): AffinityMiss | undefined {
  const key = c.keys.find((k) => k.keyId === keyId);
  if (!key) return 'key_gone';
  const now = rt.options.clock.now();
  if (rt.breakers.state(c.ref, now) !== 'closed') return 'circuit_open';
  const v = rt.quota.view(key);
  if ((v.quarantinedUntil ?? 0) > now) return 'key_quarantined';
  if ((v.coolingUntil ?? 0) > now) return 'key_cooling';
  if (
    v.freeInMs !== undefined ||
    (key.rpm !== undefined && v.requestsInWindow >= key.rpm) ||
    (key.tpm !== undefined && v.tokensInWindow >= key.tpm)
  )
    return 'key_exhausted';
  if (key.maxConcurrent !== undefined && v.inFlight >= key.maxConcurrent) return 'key_busy';
  return undefined;
}

/**
 * The request's size with its cache hint: when the entry holds and its candidate's model has a
 * `cacheReadCostPerMTok`, the prompt tokens likely in the session's cache on that candidate's key
 * (`cachedPrefixTokens`) count at that price wherever its expected cost is used (the cost ceiling,
 * `cheapest`, `plan()`). Estimated only then: other requests pay nothing for it.
 */
export function withCacheHint(
  rt: Runtime,
  request: ChatRequest,
  decision: AffinityDecision,
  size: RequestSize,
): { size: RequestSize; decision: AffinityDecision } {
  const pinned = decision.applied ? decision.candidate : undefined;
  if (!pinned || pinned.model.cacheReadCostPerMTok === undefined) return { size, decision };
  const cachedTokens = cachedPrefixTokens(rt.options.estimateTokens, request, size.promptTokens);
  return { size: { ...size, cachedOn: pinned, cachedTokens }, decision: { ...decision, cachedTokens } };
}

/**
 * The decision once the request's filters ran: an entry whose candidate the request's tags or cost
 * ceiling (with its cache discount) rule out does not hold (`not_a_candidate`, as before filtering
 * moved ahead of the read).
 */
export function keptByFilter(decision: AffinityDecision, kept: readonly CandidateEntry[]): AffinityDecision {
  if (!decision.candidate || kept.includes(decision.candidate)) return decision;
  return { entry: decision.entry, candidate: undefined, applied: false, reason: 'not_a_candidate' };
}

/** The pinned candidate first, the strategy's order after it. */
export function pinFirst(queue: CandidateEntry[], decision: AffinityDecision): CandidateEntry[] {
  const pinned = decision.applied ? decision.candidate : undefined;
  if (!pinned || queue[0] === pinned) return queue;
  return [pinned, ...queue.filter((c) => c !== pinned)];
}

/**
 * Affinity in front of the strategy's order. Under `cheapest` (`cost` given: the request's expected
 * cost, the pinned candidate's with its cache discount) the session stays on its candidate while
 * that is the cheapest (equal costs stay); when the strategy's first is cheaper, the order stands and
 * the decision says `cheaper_elsewhere`. Under any other strategy, the pinned candidate goes first.
 */
export function pinOrder(
  queue: CandidateEntry[],
  decision: AffinityDecision,
  cost: ((c: CandidateEntry) => number | undefined) | undefined,
): { queue: CandidateEntry[]; decision: AffinityDecision } {
  const pinned = decision.applied ? decision.candidate : undefined;
  if (!pinned || queue[0] === pinned) return { queue, decision };
  if (cost && queue.length > 0 && queue.includes(pinned)) {
    const first = cost(queue[0]!) ?? Number.POSITIVE_INFINITY;
    const own = cost(pinned) ?? Number.POSITIVE_INFINITY;
    if (compareCost(own, first) > 0) {
      return { queue, decision: { ...decision, applied: false, reason: 'cheaper_elsewhere' } };
    }
  }
  return { queue: pinFirst(queue, decision), decision };
}

/**
 * The order to offer a candidate's keys to the store for a request with an affinity key: the pinned
 * key first; for a session not pinned (new, or moving) the key with the most room first, so that
 * sessions spread across the pool instead of filling its first key.
 */
export function affinityKeyOrder(
  rt: Runtime,
  keys: readonly QuotaKey[],
  candidate: CandidateEntry,
  decision: AffinityDecision,
): readonly QuotaKey[] {
  if (keys.length < 2) return keys;
  // A session moved for a cheaper candidate that falls back to its own takes its cached key first.
  if ((decision.applied || decision.reason === 'cheaper_elsewhere') && decision.candidate === candidate) {
    const keyId = decision.entry!.keyId;
    const i = keys.findIndex((k) => k.keyId === keyId);
    if (i <= 0) return keys;
    return [keys[i]!, ...keys.slice(0, i), ...keys.slice(i + 1)];
  }
  const room = new Map<QuotaKey, number>();
  for (const k of keys) room.set(k, keyRoom(rt, k));
  return [...keys].sort((a, b) => room.get(b)! - room.get(a)!);
}

/** A key's free fraction: the least of its rpm, tpm and concurrency room (1 where unlimited). */
function keyRoom(rt: Runtime, k: QuotaKey): number {
  const v = rt.quota.view(k);
  let room = 1;
  if (k.rpm !== undefined) room = Math.min(room, 1 - v.requestsInWindow / k.rpm);
  if (k.tpm !== undefined) room = Math.min(room, 1 - v.tokensInWindow / k.tpm);
  if (k.maxConcurrent !== undefined) room = Math.min(room, 1 - v.inFlight / k.maxConcurrent);
  return room;
}

/** After a success: point the entry at what served, unless it already does (the read slid its TTL). */
export async function rememberAffinity(
  rt: Runtime,
  id: string,
  decision: AffinityDecision,
  served: AffinityTarget,
): Promise<void> {
  const e = decision.entry;
  if (e && e.providerId === served.providerId && e.modelId === served.modelId && e.keyId === served.keyId)
    return;
  try {
    await rt.affinity?.setAffinity(id, served, rt.options.affinity?.ttlMs ?? 300_000);
  } catch (error) {
    rt.emitter.emit('error', { source: 'quota', error });
  }
}
