import { CatalogHolder } from './catalog/catalog-holder.js';
import { counts } from './catalog/counts.js';
import { opaque } from './util/opaque.js';
import type { Resolution } from './catalog/resolution.js';
import { RouterError } from './errors/router-error.js';
import { invalid } from './errors/validation.js';
import { RouterEmitter, type RouterEventName, type RouterListener, type RouterOperation } from './events.js';
import { type ModelRouterOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { memoryQuota } from './quota/memory-quota.js';
import type { QuotaStore } from './quota/quota-store.js';
import { RequestPreparer, checkName, checkRequestOptions } from './request-prep.js';
import { CandidateStats } from './routing/candidate-stats.js';
import { CircuitBreakers } from './routing/circuit-breaker.js';
import { Demotions } from './routing/demotion.js';
import { completeBody } from './routing/complete-body.js';
import { embedBody } from './routing/embed-body.js';
import type { EmbedCall } from './providers/adapter.js';
import type { EmbedRequest, EmbeddingResult } from './types/embed.js';
import { runLoop } from './routing/loop.js';
import { type PlanOptions, type PlannedCandidate, planCandidates } from './routing/plan.js';
import { type TokenCount, countTokens } from './routing/count-tokens.js';
import { RetryBudget } from './routing/retry-budget.js';
import { RouterStrategyContext } from './routing/order.js';
import type { Runtime } from './routing/runtime.js';
import type { Strategy } from './routing/strategy.js';
import { builtinStrategies } from './routing/strategies/index.js';
import { type ModelInfo, listModelInfo } from './router-models.js';
import { type RouterStats, collectStats } from './router-stats.js';
import { defaultResolveSecret } from './secrets.js';
import { memoryStorage } from './storage/memory-storage.js';
import type { RouterStorage } from './storage/storage.js';
import { type StreamHandle, streamRequest } from './stream/router-stream.js';
import type { ChatRequest, RequestOptions } from './types/request.js';
import type { CompletionResult } from './types/result.js';
import type { RouterStream } from './types/stream.js';
import { DEFAULT_BATCHING, UsageBuffer } from './usage/usage-buffer.js';
import { estimatePromptTokens } from './usage/estimate.js';
import { UsageSink } from './usage/usage-sink.js';
import { systemClock } from './util/clock.js';
import { newRequestId } from './util/ids.js';
import { attachTelemetry } from './telemetry/attach.js';
import type { AttemptBody, RequestContext } from './routing/attempt-context.js';
import { createAdminApi } from './admin/admin-api.js';
import type { RouterAdmin } from './admin/types.js';
import { Reporter } from './logging/reporter.js';
import { affinityStoreOf } from './affinity/store-of.js';
import { affinityId } from './affinity/derive-key.js';
import { authenticateKey } from './tenants/authenticate.js';
import { LedgerSeeds } from './budgets/ledger-seed.js';
import { hashKey } from './tenants/key-secret.js';
import type { TenantPrincipal } from './tenants/types.js';

/** How long `close()` gives async `onUsage` hooks to finish. */
const HOOK_GRACE_MS = 5_000;

/**
 * Routes chat requests for logical model names to providers, with quota-aware failover across
 * providers and key pools. See the README for a tour.
 */
export class ModelRouter {
  /** Catalog management: groups, providers, keys, models (writes need `authorize`). */
  readonly admin: RouterAdmin;

  private readonly options: ResolvedOptions;
  private readonly storage: RouterStorage;
  private readonly quota: QuotaStore;
  private readonly emitter = new RouterEmitter();
  private readonly runtime: Runtime;
  private readonly usageBuffer: UsageBuffer;
  private readonly usageSink: UsageSink;
  private readonly completeBody: AttemptBody<CompletionResult>;
  private readonly embedBody: AttemptBody<EmbeddingResult, EmbedCall['request']>;
  private readonly catalog: CatalogHolder;
  private readonly preparer: RequestPreparer;
  private active = 0;
  /** Live streams, so that `close()` can cancel those nobody reads. */
  private readonly streams = new Set<StreamHandle>();
  private closing: Promise<void> | undefined;
  private drained: (() => void) | undefined;
  private readonly telemetryOff: (() => void) | undefined;

  constructor(options: ModelRouterOptions) {
    if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
    const clock = options.clock ?? systemClock;
    this.options = resolveOptions(options, {
      clock,
      estimateTokens: estimatePromptTokens,
      resolveSecret: defaultResolveSecret,
    });
    this.emitter.reporter = new Reporter(this.options.logger);
    const builtins = builtinStrategies();
    const trustedStrategies = new Set<Strategy>(Object.values(builtins));
    const strategies = new Map<string, Strategy>(Object.entries(builtins));
    for (const [name, s] of Object.entries(this.options.strategies)) strategies.set(name, s);
    if (!strategies.has(this.options.defaultStrategy)) {
      throw invalid('options.defaultStrategy', `unknown strategy "${this.options.defaultStrategy}"`);
    }
    if (this.options.cooldown.minMs > this.options.cooldown.maxMs) {
      throw invalid('options.cooldown.minMs', 'must not exceed cooldown.maxMs');
    }
    this.storage =
      options.storage ?? memoryStorage({ ...(options.catalog ? { catalog: options.catalog } : {}), clock });
    if (!options.storage && options.catalog) {
      options.catalog.groups?.forEach((g, i) => {
        if (g.failoverStrategy !== undefined && !strategies.has(g.failoverStrategy)) {
          throw invalid(`catalog.groups[${i}].failoverStrategy`, `unknown strategy "${g.failoverStrategy}"`);
        }
      });
    }
    this.quota = options.quota ?? memoryQuota({ clock });
    this.usageBuffer = new UsageBuffer(this.storage, {
      ...DEFAULT_BATCHING,
      ...this.storage.usageBatching,
      onLost: (error, records) => this.emitter.emit('error', { source: 'usage', error, records }),
      onRetry: (error) => this.emitter.emit('error', { source: 'usage', error }),
    });
    this.usageSink = new UsageSink(this.emitter, this.usageBuffer, this.options.onUsage);
    const stats = new CandidateStats();
    this.runtime = {
      options: this.options,
      quota: this.quota,
      emitter: this.emitter,
      usage: this.usageSink,
      stats,
      trustedStrategies,
      strategyContext: new RouterStrategyContext({ options: this.options, quota: this.quota, stats }),
      breakers: new CircuitBreakers(this.options.circuitBreaker, this.options.random),
      demotions: new Demotions(this.options.circuitBreaker.demoteAfterTimeoutMs),
      budget: new RetryBudget(this.options.retryBudget),
      strategies,
      counters: { inFlight: 0, queued: 0 },
      affinity: this.options.affinity ? affinityStoreOf(this.quota, clock) : undefined,
      ledgerSeeds: new LedgerSeeds(this.storage.tenants),
      cache: () => this.catalog.cache!,
    };
    this.catalog = new CatalogHolder(this.storage, this.quota, this.emitter);
    // The router reaches the catalog, and so every key's secret: printing it shows a summary only.
    opaque(this, 'ModelRouter', () => ({
      ...(this.catalog.cache ? counts(this.catalog.cache.catalog) : { loaded: false }),
      inFlight: this.runtime.counters.inFlight,
      closed: this.closing !== undefined,
    }));
    this.preparer = new RequestPreparer(this.options, this.emitter, this.catalog);
    this.completeBody = completeBody(this.runtime);
    this.embedBody = embedBody(this.runtime);
    this.admin = createAdminApi({
      storage: this.storage,
      authorize: this.options.authorize,
      catalog: async () => (await this.catalog.ready()).catalog,
      onWrite: () => this.catalog.reload('write'),
      onError: (error) => this.emitter.emit('error', { source: 'catalog', error }),
      adapters: () => Object.keys(this.options.adapters),
      strategies: () => [...strategies.keys()],
      hashKey: (key) => hashKey(key, this.options.virtualKeyPepper),
    });
    if (options.telemetry) this.telemetryOff = attachTelemetry(this, options.telemetry);
  }

  /** Load the catalog and subscribe to changes. Called lazily by the first request. */
  async ready(): Promise<void> {
    if (this.closing) throw closedError();
    await this.catalog.ready();
  }

  /** Send a request and wait for the whole completion, failing over as needed. */
  async complete(request: ChatRequest, options: RequestOptions = {}): Promise<CompletionResult> {
    if (this.closing) throw closedError();
    checkRequestOptions(options); // before anything is counted or taken
    this.active++;
    const requestId = options.requestId ?? newRequestId();
    const calledAt = this.options.clock.now();
    let rc: RequestContext | undefined;
    try {
      const prepared = this.preparer.prepare(request, options, requestId, false);
      rc = prepared instanceof Promise ? await prepared : prepared;
      const out = await runLoop(this.runtime, rc, this.completeBody);
      const result = out.value;
      result.attempts = out.attempts;
      result.latencyMs = this.options.clock.now() - rc.startedAt;
      this.succeeded(rc, result);
      return result;
    } catch (error) {
      throw this.failed(requestId, error, rc, calledAt);
    } finally {
      this.release();
    }
  }

  /**
   * Embed one text or several, through the same resolution, strategy, key pools, tpm accounting,
   * failover, usage records and release as `complete()`. Candidates whose adapter has no `embed`
   * are skipped. Vectors come back in input order, as `number[]` (`float`, the default) or base64.
   */
  embed(
    request: EmbedRequest & { encodingFormat: 'base64' },
    options?: RequestOptions,
  ): Promise<EmbeddingResult<string>>;
  embed(request: EmbedRequest, options?: RequestOptions): Promise<EmbeddingResult<number[]>>;
  async embed(request: EmbedRequest, options: RequestOptions = {}): Promise<EmbeddingResult> {
    if (this.closing) throw closedError();
    checkRequestOptions(options); // before anything is counted or taken
    this.active++;
    const requestId = options.requestId ?? newRequestId();
    const calledAt = this.options.clock.now();
    let rc: RequestContext<EmbedCall['request']> | undefined;
    try {
      const prepared = this.preparer.prepareEmbed(request, options, requestId);
      rc = prepared instanceof Promise ? await prepared : prepared;
      const out = await runLoop(this.runtime, rc, this.embedBody);
      const result = out.value;
      result.attempts = out.attempts;
      result.latencyMs = this.options.clock.now() - rc.startedAt;
      if (this.emitter.has('success')) {
        this.emitter.emit('success', {
          requestId: rc.requestId,
          model: rc.target.name,
          operation: 'embed',
          result,
          queueWaitMs: rc.waited.queueMs,
        });
      }
      return result;
    } catch (error) {
      throw this.failed(requestId, error, rc, calledAt, 'embed');
    } finally {
      this.release();
    }
  }

  /**
   * Start a streamed request. Returns at once; iterate it for parts. Failover is invisible until the
   * first content part; `break`, `cancel()` or the caller's abort release everything.
   */
  stream(request: ChatRequest, options: RequestOptions = {}): RouterStream {
    if (this.closing) return streamRequest.failed(closedError());
    try {
      checkRequestOptions(options); // before anything is counted or taken
    } catch (error) {
      return streamRequest.failed(error as RouterError);
    }
    const requestId = options.requestId ?? newRequestId();
    const calledAt = this.options.clock.now();
    this.active++;
    let handle: StreamHandle | undefined;
    return streamRequest(this.runtime, {
      requestId,
      signal: options.signal,
      prepare: async () => this.preparer.prepare(request, options, requestId, true),
      onSuccess: (result, rc) => this.succeeded(rc, result),
      onFailure: (error, rc) => this.failed(requestId, error, rc, calledAt),
      onEnd: () => {
        if (handle) this.streams.delete(handle);
        this.release();
      },
      track: (h) => {
        handle = h;
        this.streams.add(h);
      },
    });
  }

  /**
   * Count a request's prompt tokens: by the first candidate whose adapter can count (Anthropic's
   * `count_tokens`), else the router's estimate (`estimated: true`). Takes no quota, writes no usage.
   */
  async countTokens(request: ChatRequest, options: RequestOptions = {}): Promise<TokenCount> {
    if (this.closing) throw closedError();
    checkRequestOptions(options);
    this.active++;
    try {
      const requestId = options.requestId ?? newRequestId();
      // Not announced: a count is no routed request (no quota, no usage, no success or failure event).
      const prepared = this.preparer.prepare(request, options, requestId, false, false);
      return await countTokens(this.runtime, prepared instanceof Promise ? await prepared : prepared);
    } finally {
      this.release();
    }
  }

  /**
   * The tenant and key behind a virtual key (`mr-…`), to pass as `RequestOptions.tenant`. Unknown,
   * revoked or expired keys are `UNAUTHENTICATED`; a disabled tenant is `FORBIDDEN`.
   */
  async authenticateKey(key: string): Promise<TenantPrincipal> {
    if (this.closing) throw closedError();
    await this.catalog.ready(); // initialises the storage
    const store = this.storage.tenants;
    if (!store) {
      throw new RouterError('STORAGE_ERROR', 'This storage does not store tenants (RouterStorage.tenants)');
    }
    return authenticateKey(store, key, this.options.virtualKeyPepper, this.options.clock.now());
  }

  /** What a model name means now: a group and its members, or one direct model. */
  async resolve(model: string): Promise<Resolution> {
    const cache = await this.catalog.ready();
    return cache.resolution(cache.lookup(checkName(model, 'model')));
  }

  /**
   * The candidates of `model` in the order the strategy would try them now, with why any is skipped
   * and, when known, when it may serve again. `{ operation: 'embed' }` plans `embed()`: candidates
   * whose adapter has no `embed` show `no_embed`. `{ request }` (its `messages`, and `maxTokens`):
   * candidates whose context window cannot hold it show `context_window`.
   */
  async plan(model: string, options: PlanOptions = {}): Promise<PlannedCandidate[]> {
    const cache = await this.catalog.ready();
    const operation = options.operation ?? 'chat';
    if (operation !== 'chat' && operation !== 'embed') {
      throw invalid('options.operation', "expected 'chat' or 'embed'");
    }
    if (options.tenantId !== undefined && typeof options.tenantId !== 'string')
      throw invalid('options.tenantId', 'must be a string');
    const target = cache.lookup(checkName(model, 'model'));
    const request = options.request;
    if (request === undefined) return planCandidates(this.runtime, target, operation);
    if (typeof request !== 'object' || request === null || !Array.isArray(request.messages))
      throw invalid('options.request.messages', 'must be an array of messages');
    const promptTokens = Math.max(0, Math.ceil(this.options.estimateTokens(request as ChatRequest)) || 0);
    const affinity = this.options.affinity;
    const id =
      affinity && operation === 'chat'
        ? affinityId(request as ChatRequest, target.name, affinity, options.tenantId)
        : undefined;
    return planCandidates(this.runtime, target, operation, {
      promptTokens,
      ...(typeof request.maxTokens === 'number' ? { maxTokens: request.maxTokens } : {}),
      ...(id === undefined ? {} : { affinityId: id, request: request as ChatRequest }),
      ...(typeof request.maxCostUsd === 'number' ? { maxCostUsd: request.maxCostUsd } : {}),
      ...(Array.isArray(request.tags) ? { tags: request.tags.filter((t) => typeof t === 'string') } : {}),
    });
  }

  /** Logical models: groups first, then direct models, each with `available`. */
  async listModels(): Promise<ModelInfo[]> {
    return listModelInfo(this.runtime, await this.catalog.ready());
  }

  /** Counters for dashboards and for tests that prove everything was released. */
  stats(): RouterStats {
    return collectStats(this.runtime, this.catalog.cache);
  }

  /** Reload the catalog from storage. */
  async refresh(): Promise<void> {
    await this.catalog.reload('refresh');
  }

  on<E extends RouterEventName>(event: E, listener: RouterListener<E>): () => void {
    return this.emitter.on(event, listener);
  }

  once<E extends RouterEventName>(event: E, listener: RouterListener<E>): () => void {
    return this.emitter.on(event, listener, true);
  }

  off<E extends RouterEventName>(event: E, listener: RouterListener<E>): void {
    this.emitter.off(event, listener);
  }

  /**
   * Stop accepting requests, wait for those in flight, flush usage, and close the storage and quota
   * store (each closes only what it created). Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async shutdown(): Promise<void> {
    if (this.active > 0) await this.drain();
    const errors: unknown[] = [];
    const step = async (fn: () => Promise<unknown> | undefined) => {
      try {
        await fn();
      } catch (error) {
        errors.push(error);
      }
    };
    await step(() => this.usageSink.flush(HOOK_GRACE_MS, this.options.timeouts.closeMs));
    await step(() => this.catalog.close());
    await step(() => this.storage.close?.());
    await step(() => this.quota.close?.());
    this.telemetryOff?.();
    this.emitter.removeAll();
    if (errors.length > 0) {
      throw new RouterError('STORAGE_ERROR', 'close() could not release everything', {
        cause: errors[0],
        details: { errors: errors.length },
      });
    }
  }

  /**
   * Wait for the requests in flight. Every `timeouts.closeMs`, streams whose consumer has not read
   * since the last check (and is not waiting for a part) are cancelled: an abandoned stream must not
   * hold `close()` — and its slot — for `totalMs`. Streams being read run on to their end.
   */
  private async drain(): Promise<void> {
    const drained = new Promise<void>((resolve) => (this.drained = resolve));
    const closeMs = this.options.timeouts.closeMs;
    for (;;) {
      const seen = new Map<StreamHandle, number>();
      for (const h of this.streams) seen.set(h, h.reads());
      let timer: ReturnType<typeof setTimeout> | undefined;
      const tick = new Promise<'tick'>((resolve) => (timer = setTimeout(() => resolve('tick'), closeMs)));
      const outcome = await Promise.race([drained.then(() => 'drained' as const), tick]);
      clearTimeout(timer);
      if (outcome === 'drained') return;
      for (const [h, reads] of seen) {
        if (this.streams.has(h) && !h.reading() && h.reads() === reads) {
          h.cancel(
            new RouterError(
              'ABORTED',
              `Stream cancelled by close(): not read for timeouts.closeMs (${closeMs} ms)`,
            ),
          );
        }
      }
    }
  }

  private release(): void {
    this.active--;
    if (this.active === 0 && this.drained) this.drained();
  }

  private succeeded(rc: RequestContext, result: CompletionResult): void {
    if (!this.emitter.has('success')) return;
    this.emitter.emit('success', {
      requestId: rc.requestId,
      model: rc.target.name,
      operation: 'chat',
      result,
      queueWaitMs: rc.waited.queueMs,
    });
  }

  /** `rc` is the request's context once its name resolved (the `request` event went out). */
  private failed(
    requestId: string,
    error: unknown,
    rc: RequestContext<object> | undefined,
    calledAt: number,
    operation: RouterOperation = 'chat',
  ): unknown {
    if (RouterError.isInstance(error) && this.emitter.has('failure')) {
      this.emitter.emit('failure', {
        requestId,
        error,
        operation,
        ...(rc ? { model: rc.target.name } : {}),
        ...(rc?.target.group ? { groupName: rc.target.group.name } : {}),
        latencyMs: Math.max(0, this.options.clock.now() - calledAt),
        queueWaitMs: rc?.waited.queueMs ?? 0,
      });
    }
    return error;
  }
}

function closedError(): RouterError {
  return new RouterError('CLOSED', 'The router is closed');
}
