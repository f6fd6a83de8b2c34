import type { CandidateEntry, RouteTarget } from '../catalog/cache.js';
import type { ChatRequest } from '../types/request.js';
import { type Operation, adapterSkip } from './attempt-context.js';
import type { CircuitState } from './circuit-breaker.js';
import { type SkipReason, poolState } from './headroom.js';
import { costOrder, orderCandidates } from './order.js';
import { filterCandidates } from './request-filter.js';
import {
  type AffinityDecision,
  type AffinityMiss,
  decideAffinity,
  keptByFilter,
  pinOrder,
  withCacheHint,
} from './affinity-pin.js';
import { type RequestSize, expectedCostUsd } from './expected-cost.js';
import { resolvePoolSecrets } from './pool-secrets.js';
import type { Runtime } from './runtime.js';

/** The second argument of `router.plan()`. */
export interface PlanOptions {
  /** Plan `embed()` rather than `complete()` / `stream()`. @default 'chat' */
  operation?: Operation;
  /**
   * The request to plan for (its `messages`, and `maxTokens`): candidates whose context window
   * cannot hold its prompt estimate plus the output reserve show `skip: 'context_window'`.
   * @default none (no context-window, cost-ceiling, tag or affinity check)
   */
  request?: Pick<ChatRequest, 'messages'> & Partial<ChatRequest>;
  /**
   * Plan the request as this tenant's (`TenantPrincipal.tenant.id`): affinity entries are kept per
   * tenant, so a tenant's pinned session shows only when its id is given.
   * @default none (the entries of requests made without a tenant)
   */
  tenantId?: string;
}

/** One candidate in `router.plan()`: where it stands and why it would be skipped now. */
export interface PlannedCandidate {
  providerId: string;
  modelId: string;
  priority: number;
  weight: number;
  /** Remaining fraction of the key pool, in [0, 1]. */
  headroom: number;
  usableKeys: number;
  totalKeys: number;
  inFlight: number;
  circuit: CircuitState;
  /** Enabled keys of the provider that cannot be used as stored (see `ProviderKey.unusable`), by id. */
  unusableKeys?: string[];
  /** Set when the router would not try this candidate now. */
  skip?: SkipReason;
  /** Ms until a skipped candidate may be tried again, when known. */
  retryAfterMs?: number;
  /**
   * Set when the planned request has an affinity key: on the candidate its entry names, whether the
   * session stays there (`applied`, on `keyId`) or why not; with no usable entry (`no_entry`,
   * `not_a_candidate`, `store_error`), on the candidate the session would start on.
   */
  affinity?: PlannedAffinity;
}

/** What affinity would do for the planned request. */
export interface PlannedAffinity {
  applied: boolean;
  /** The key the entry names. */
  keyId?: string;
  reason?: AffinityMiss;
  /**
   * When the entry holds and the model has a `cacheReadCostPerMTok`: the prompt tokens counted at
   * that price on this candidate (the prompt of the session's previous turn, see the README), and the
   * request's expected cost here with them — what the cost ceiling and `cheapest` weighed. Kept with
   * `reason: 'cheaper_elsewhere'` (another candidate is cheaper even so, and the session moves).
   */
  cachedPromptTokens?: number;
  expectedCostUsd?: number;
}

/** What `plan()` knows of a request, for the context-window check. */
export interface PlanRequest {
  /** Prompt estimate, in tokens. */
  promptTokens: number;
  /** `maxTokens` of the request, when it sets one. */
  maxTokens?: number;
  /** The request's affinity id, when it has one. */
  affinityId?: string;
  /** The request's `maxCostUsd`, when it sets one. */
  maxCostUsd?: number;
  /** The request's `tags`, when it sets some. */
  tags?: readonly string[];
  /** The request itself, for the part of its prompt a pinned session likely has cached. */
  request?: ChatRequest;
}

/**
 * The strategy's order for the enabled candidates, then the disabled ones. With a request, a
 * candidate whose context window cannot hold its prompt and output reserve shows `context_window`.
 */
export async function planCandidates(
  rt: Runtime,
  target: RouteTarget,
  operation: Operation = 'chat',
  request?: PlanRequest,
): Promise<PlannedCandidate[]> {
  const now = rt.options.clock.now();
  const max = rt.options.defaultMaxOutputTokens;
  let size: RequestSize = { promptTokens: request?.promptTokens ?? 0, maxTokens: request?.maxTokens };
  // The entry is read (without sliding it) before the filters, as in a request: a pinned session's
  // cache discount counts in the cost ceiling and in `cheapest`'s order.
  let decision: AffinityDecision | undefined;
  if (request?.affinityId !== undefined && rt.affinity) {
    const read = await decideAffinity(rt, request.affinityId, target.active, true);
    ({ size, decision } = request.request
      ? withCacheHint(rt, request.request, read, size)
      : { size, decision: read });
  }
  const filtered = filterCandidates(
    target,
    { size, maxCostUsd: request?.maxCostUsd, tags: request?.tags },
    max,
    false,
  );
  const allowed = filtered.target;
  let ordered: CandidateEntry[] =
    allowed.active.length > 0 ? orderCandidates(rt, allowed, now, true, size) : [];
  let affinity: { candidate: CandidateEntry | undefined; planned: PlannedAffinity } | undefined;
  if (decision) {
    let d = keptByFilter(decision, allowed.active);
    ({ queue: ordered, decision: d } = pinOrder(ordered, d, costOrder(rt, allowed, size)));
    const planned: PlannedAffinity = { applied: d.applied };
    if (d.entry && d.candidate) planned.keyId = d.entry.keyId;
    if (d.reason) planned.reason = d.reason;
    if (d.cachedTokens !== undefined && d.candidate) {
      planned.cachedPromptTokens = d.cachedTokens;
      const cost = expectedCostUsd(d.candidate, size, max);
      if (cost !== undefined) planned.expectedCostUsd = cost;
    }
    affinity = { candidate: d.candidate ?? ordered[0], planned };
  }
  const rest = target.all.filter((c) => !ordered.includes(c));
  const noSecret = new Set<string>();
  for (const providerId of new Set([...ordered, ...rest].map((c) => c.providerId))) {
    const c = target.all.find((x) => x.providerId === providerId)!;
    if (c.keys.length > 0 && (await resolvePoolSecrets(rt, c.keys)).apiKeys.size === 0)
      noSecret.add(providerId);
  }
  return [...ordered, ...rest].map((c) => {
    const pool = poolState(c.keys, rt.quota, now);
    const circuit = rt.breakers.state(c.ref, now);
    const planned: PlannedCandidate = {
      providerId: c.providerId,
      modelId: c.modelId,
      priority: c.priority,
      weight: c.weight,
      headroom: pool.headroom,
      usableKeys: pool.usableKeys,
      totalKeys: c.keys.length,
      inFlight: rt.stats.get(c.ref).inFlight,
      circuit,
    };
    const unusable = c.provider.keys.filter((k) => k.enabled && k.unusable !== undefined);
    if (unusable.length > 0) planned.unusableKeys = unusable.map((k) => k.id);
    let skip: SkipReason | undefined = pool.skip;
    let retryAfterMs = pool.retryAfterMs;
    const unserved = adapterSkip(rt.options.adapters[c.provider.adapter], operation);
    const reserve = request?.maxTokens ?? c.model.maxOutputTokens ?? rt.options.defaultMaxOutputTokens;
    const ruledOut = filtered.reasons.get(c);
    if (!c.enabled) skip = 'disabled';
    else if (ruledOut) {
      skip = ruledOut as SkipReason;
      retryAfterMs = undefined;
    } else if (unserved) skip = unserved;
    else if (
      request &&
      c.model.contextWindow !== undefined &&
      request.promptTokens + reserve > c.model.contextWindow
    ) {
      skip = 'context_window';
      retryAfterMs = undefined;
    } else if (noSecret.has(c.providerId)) {
      skip = 'secret_unavailable';
      retryAfterMs = undefined;
    } else if (!skip && circuit === 'open') {
      skip = 'circuit_open';
      retryAfterMs = rt.breakers.retryAfterMs(c.ref, now);
    }
    if (affinity && affinity.candidate === c) planned.affinity = affinity.planned;
    if (skip) planned.skip = skip;
    if (skip && retryAfterMs !== undefined && Number.isFinite(retryAfterMs))
      planned.retryAfterMs = retryAfterMs;
    return planned;
  });
}
