import type { CatalogHolder } from './catalog/catalog-holder.js';
import type { CatalogCache } from './catalog/cache.js';
import { RouterError } from './errors/router-error.js';
import { invalid } from './errors/validation.js';
import type { RouterEmitter } from './events.js';
import type { ResolvedOptions } from './options.js';
import { validateRequest } from './request-schema.js';
import { type RequestContext, totalTimeout } from './routing/attempt-context.js';
import type { EmbedCall } from './providers/adapter.js';
import type { EmbedRequest } from './types/embed.js';
import type { ChatRequest, RequestOptions } from './types/request.js';
import { tokensForChars } from './usage/estimate.js';
import { validateEmbedRequest } from './embed/embed-schema.js';
import { affinityId } from './affinity/derive-key.js';
import { checkAllowedModel } from './tenants/policy.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Turns a caller's request into a `RequestContext`: validated, its model resolved to a target,
 * stamped with its deadline and prompt estimate, announced by the `request` event.
 */
export class RequestPreparer {
  constructor(
    private readonly options: ResolvedOptions,
    private readonly emitter: RouterEmitter,
    private readonly catalog: CatalogHolder,
  ) {}

  /**
   * Synchronous when the catalog is loaded and the model is a plain name (every request on the hot
   * path): no promise, no extra turn of the event loop.
   */
  prepare(
    request: ChatRequest,
    options: RequestOptions,
    requestId: string,
    stream: boolean,
    /**
     * Emit the `request` event. `false` for `countTokens()`: it is no routed request (no
     * `success` or `failure` follows, so a listener would wait for its end forever).
     */
    announce = true,
  ): RequestContext | Promise<RequestContext> {
    if (options.signal?.aborted) {
      throw new RouterError('ABORTED', 'Request aborted by the caller', { cause: options.signal.reason });
    }
    const cache = this.catalog.cache;
    const source = (request as ChatRequest | undefined)?.model ?? this.options.defaultModel;
    if (!cache || typeof source === 'function')
      return this.prepareSlow(request, options, requestId, stream, announce);
    const req = validateRequest(request);
    if (source === undefined) throw invalid('request.model', 'required (no defaultModel is set)');
    return this.stamp(cache, req, checkName(source, 'request.model'), options, requestId, stream, announce);
  }

  /**
   * The first request loads the catalog (and a `model` function may take its time): both count
   * against `totalMs` and give way to the caller's abort, so a stalled storage cannot hold a request
   * longer than it asked for. The load itself goes on for the next request.
   */
  private async prepareSlow(
    request: ChatRequest,
    options: RequestOptions,
    requestId: string,
    stream: boolean,
    announce: boolean,
  ): Promise<RequestContext> {
    const startedAt = this.options.clock.now();
    const cache = this.catalog.cache ?? (await this.bounded(this.catalog.ready(), startedAt, options));
    const req = validateRequest(request);
    const source = req.model ?? this.options.defaultModel;
    const name =
      typeof source === 'function'
        ? await this.bounded(this.modelName(req), startedAt, options)
        : await this.modelName(req);
    return this.stamp(cache, req, name, options, requestId, stream, announce, startedAt);
  }

  /** What the request waits on before its first attempt counts against its `totalMs` and signal. */
  private bounded<T>(promise: Promise<T>, startedAt: number, options: RequestOptions): Promise<T> {
    const { totalMs } = this.options.timeouts;
    return withinDeadline(promise, startedAt + totalMs - this.options.clock.now(), options.signal, totalMs);
  }

  /**
   * The embeddings twin of `prepare`: the same resolution, deadline and `request` event; `input`
   * becomes an array and the prompt estimate counts its characters.
   */
  prepareEmbed(
    request: EmbedRequest,
    options: RequestOptions,
    requestId: string,
  ): RequestContext<EmbedCall['request']> | Promise<RequestContext<EmbedCall['request']>> {
    if (options.signal?.aborted) {
      throw new RouterError('ABORTED', 'Request aborted by the caller', { cause: options.signal.reason });
    }
    const cache = this.catalog.cache;
    const source = (request as EmbedRequest | undefined)?.model ?? this.options.defaultModel;
    if (cache && typeof source !== 'function') {
      const req = validateEmbedRequest(request);
      if (source === undefined) throw invalid('request.model', 'required (no defaultModel is set)');
      return this.stampEmbed(cache, req, checkName(source, 'request.model'), options, requestId);
    }
    return (async () => {
      const startedAt = this.options.clock.now();
      const loaded = await this.bounded(this.catalog.ready(), startedAt, options);
      const req = validateEmbedRequest(request);
      const name = await this.bounded(this.modelName(req), startedAt, options);
      return this.stampEmbed(loaded, req, name, options, requestId, startedAt);
    })();
  }

  private stampEmbed(
    cache: CatalogCache,
    req: EmbedRequest,
    name: string,
    options: RequestOptions,
    requestId: string,
    startedAt = this.options.clock.now(),
  ): RequestContext<EmbedCall['request']> {
    const target = this.begin(cache, name, options, requestId, false, true, 'embed');
    const input = typeof req.input === 'string' ? [req.input] : req.input;
    const request = { ...req, model: name, input };
    let chars = 0;
    for (const text of input) chars += text.length;
    return this.context(
      target,
      request,
      options,
      requestId,
      false,
      startedAt,
      'embed',
      tokensForChars(chars),
      0,
    );
  }

  private stamp(
    cache: CatalogCache,
    req: ChatRequest,
    name: string,
    options: RequestOptions,
    requestId: string,
    stream: boolean,
    announce: boolean,
    startedAt = this.options.clock.now(),
  ): RequestContext {
    const target = this.begin(cache, name, options, requestId, stream, announce, 'chat');
    const resolved: ChatRequest = req.model === name ? req : { ...req, model: name };
    const affinity = this.options.affinity;
    const id = affinity ? affinityId(resolved, target.name, affinity, options.tenant?.tenant.id) : undefined;
    const estimate = Math.max(0, Math.ceil(this.options.estimateTokens(resolved)) || 0);
    const rc = this.context(
      target,
      resolved,
      options,
      requestId,
      stream,
      startedAt,
      'chat',
      estimate,
      resolved.maxTokens,
    );
    rc.affinityId = id;
    if (resolved.maxCostUsd !== undefined) rc.maxCostUsd = resolved.maxCostUsd;
    if (resolved.tags?.length) rc.tags = mergeTags(options.tenant?.tenant.tags, resolved.tags);
    return rc;
  }

  /** Resolve the target and announce the request. */
  private begin(
    cache: CatalogCache,
    name: string,
    options: RequestOptions,
    requestId: string,
    stream: boolean,
    announce: boolean,
    operation: RequestContext['operation'],
  ) {
    const target = cache.target(name);
    if (options.tenant) checkAllowedModel(options.tenant, name, target);
    if (announce && this.emitter.has('request')) {
      this.emitter.emit('request', {
        requestId,
        model: name,
        kind: target.kind,
        ...(target.group ? { groupName: target.group.name } : {}),
        stream,
        operation,
      });
    }
    return target;
  }

  /**
   * The request's context, stamped with its deadline. One object literal with every field, in
   * one order, whatever the request sets: every context has the same shape, so the loop's reads
   * of it stay monomorphic (spreading optional fields made a new shape per combination).
   */
  private context<R extends object>(
    target: RequestContext['target'],
    request: R,
    options: RequestOptions,
    requestId: string,
    stream: boolean,
    startedAt: number,
    operation: RequestContext['operation'],
    promptEstimate: number,
    maxOutputTokens: number | undefined,
  ): Mutable<RequestContext<R>> {
    return {
      requestId,
      target,
      request,
      operation,
      maxOutputTokens,
      signal: options.signal,
      stream,
      startedAt,
      deadline: startedAt + this.options.timeouts.totalMs,
      promptEstimate,
      waited: { queueMs: 0 },
      tenant: options.tenant,
      spent: { tokens: 0, usd: 0 },
      affinityId: undefined,
      maxCostUsd: undefined,
      // A tenant's tags apply to every request of its keys (chat and embeddings), through #15's tag filter.
      tags: mergeTags(options.tenant?.tenant.tags, undefined),
    };
  }

  private async modelName(request: { model?: ChatRequest['model'] }): Promise<string> {
    const source = request.model ?? this.options.defaultModel;
    if (source === undefined) throw invalid('request.model', 'required (no defaultModel is set)');
    if (typeof source !== 'function') return checkName(source, 'request.model');
    let name: unknown;
    try {
      name = await source();
    } catch (error) {
      if (RouterError.isInstance(error)) throw error;
      throw new RouterError('VALIDATION', 'Invalid request.model: the model selector function threw', {
        cause: error,
        details: { field: 'request.model' },
      });
    }
    return checkName(name, 'request.model');
  }
}

function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** A model name: non-empty, printable, at most 640 characters. */
export function checkName(name: unknown, field: string): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > 640 || hasControlCharacter(name)) {
    throw invalid(
      field,
      'must be a non-empty model name without control characters (at most 640: a provider id, a slash and a 512-character model id)',
    );
  }
  return name;
}

/**
 * The second argument of `complete()` / `stream()`, checked before anything is counted or taken:
 * a non-signal would otherwise throw after a quota lease was taken, and `null` after the request
 * was counted as active (so that `close()` never resolved).
 */
export function checkRequestOptions(options: unknown): void {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'must be an object');
  const { signal, requestId, tenant } = options as RequestOptions;
  if (
    tenant !== undefined &&
    (typeof tenant !== 'object' ||
      tenant === null ||
      typeof tenant.tenant?.id !== 'string' ||
      typeof tenant.key?.id !== 'string')
  ) {
    throw invalid('options.tenant', 'must be what router.authenticateKey() returned');
  }
  if (
    signal !== undefined &&
    (typeof signal !== 'object' ||
      signal === null ||
      typeof signal.aborted !== 'boolean' ||
      typeof signal.addEventListener !== 'function' ||
      typeof signal.removeEventListener !== 'function')
  ) {
    throw invalid('options.signal', 'must be an AbortSignal');
  }
  if (
    requestId !== undefined &&
    (typeof requestId !== 'string' ||
      requestId.length === 0 ||
      requestId.length > 256 ||
      hasControlCharacter(requestId))
  ) {
    throw invalid(
      'options.requestId',
      'must be a non-empty string without control characters (at most 256 characters)',
    );
  }
}

/**
 * `promise`, unless `remainingMs` runs out first (`TIMEOUT`) or `signal` aborts (`ABORTED`). The timer
 * and the listener are gone when it settles, whichever way.
 */
function withinDeadline<T>(
  promise: Promise<T>,
  remainingMs: number,
  signal: AbortSignal | undefined,
  totalMs: number,
): Promise<T> {
  const aborted = () =>
    new RouterError('ABORTED', 'Request aborted by the caller', { cause: signal?.reason });
  if (signal?.aborted || remainingMs <= 0) {
    promise.catch(() => {}); // shared with later requests, which see its outcome themselves
    return Promise.reject(signal?.aborted ? aborted() : totalTimeout(totalMs));
  }
  return new Promise<T>((resolve, reject) => {
    const stop = (error: RouterError) => {
      cleanup();
      promise.catch(() => {});
      reject(error);
    };
    const onAbort = () => stop(aborted());
    const timer = setTimeout(() => stop(totalTimeout(totalMs)), remainingMs);
    const cleanup = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

/** The tags a request's candidates must all carry: its tenant's and its own. */
/** The request's tags: its tenant's and its own, each once; `undefined` when there are none. */
function mergeTags(
  tenant: readonly string[] | undefined,
  own: readonly string[] | undefined,
): readonly string[] | undefined {
  if (!tenant?.length) return own?.length ? own : undefined;
  if (!own?.length) return tenant;
  return [...new Set([...tenant, ...own])];
}
