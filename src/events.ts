import { EventEmitter } from 'eventemitter3';
import type { RouterError } from './errors/router-error.js';
import type { EmbeddingResult } from './types/embed.js';
import type { CompletionResult } from './types/result.js';
import type { UsageRecord } from './types/usage-record.js';
import type { Reporter } from './logging/reporter.js';

export interface AttemptRef {
  providerId: string;
  modelId: string;
  keyId: string;
}

/** What a routed request does: a chat completion (`complete()`, `stream()`) or `embed()`. */
export type RouterOperation = 'chat' | 'embed';

interface SuccessBase {
  requestId: string;
  /** The name the request asked for, resolved (as in the `request` event). */
  model: string;
  /** Time the request waited for capacity (a concurrency slot, a cooldown, a window), in ms. */
  queueWaitMs: number;
}

/** The `success` event's payload: a chat result or an embedding result, told apart by `operation`. */
export type SuccessEvent =
  | (SuccessBase & { operation: 'chat'; result: CompletionResult })
  | (SuccessBase & { operation: 'embed'; result: EmbeddingResult });

/** Payload of every event, by name. Events are per router instance. */
export interface RouterEvents {
  /** A request was accepted and its model resolved. */
  request: {
    requestId: string;
    model: string;
    kind: 'group' | 'direct';
    groupName?: string;
    stream: boolean;
    /** `chat` for `complete()` and `stream()`, `embed` for `embed()`. */
    operation: RouterOperation;
  };
  /** An attempt is about to call a provider. */
  attempt: AttemptRef & { requestId: string; attempt: number; stream: boolean };
  /** An attempt failed and the router moves on. */
  failover: {
    requestId: string;
    attempt: number;
    from: AttemptRef;
    /** `next_key`: same provider, another key; `next_candidate`; `context_fallback`: a larger context window. */
    action: 'next_key' | 'next_candidate' | 'context_fallback';
    error: { code: string; kind?: string; status?: number; message: string };
  };
  /**
   * A candidate was passed over without a call: its pool is exhausted or cooling, its circuit is
   * open, its context window is too small, no key's secret resolves… `retryAfterMs` says when it
   * may serve again, when known.
   */
  skip: {
    requestId: string;
    providerId: string;
    modelId: string;
    reason: string;
    retryAfterMs?: number;
    /** For `secret_unavailable`: the keys whose secret could not be resolved. */
    keyIds?: string[];
  };
  /** A key was taken out of rotation for a while. */
  cooldown: {
    providerId: string;
    keyId: string;
    until: number;
    reason: 'rate_limited' | 'auth' | 'rate_limit_headers';
  };
  /**
   * A request succeeded: `operation: 'chat'` for `complete()` or a stream that ended normally (its
   * `result` a `CompletionResult`), `operation: 'embed'` for `embed()` (an `EmbeddingResult`).
   * Narrow on `operation` before reading `result`.
   */
  success: SuccessEvent;
  /** A request failed with a `RouterError`. */
  failure: {
    requestId: string;
    error: RouterError;
    /** `chat` for `complete()` and `stream()`, `embed` for `embed()`. */
    operation: RouterOperation;
    /**
     * The name the request asked for, once it resolved (as in the `request` event); absent when the
     * request was refused before that (an unknown name, an invalid request), so that a metric
     * labelled by it stays bounded by the catalog.
     */
    model?: string;
    /** The group the name resolved to, when it is one. */
    groupName?: string;
    /** From the call to the failure, in ms. */
    latencyMs: number;
    /** Time the request waited for capacity, in ms (0 when it never resolved). */
    queueWaitMs: number;
  };
  usage: UsageRecord;
  catalog: {
    reason: 'load' | 'refresh' | 'write' | 'subscribe';
    groups: number;
    models: number;
    providers: number;
  };
  /** Internal trouble that changed no request's outcome. */
  error: {
    source: 'hook' | 'listener' | 'usage' | 'catalog' | 'quota' | 'storage' | 'count_tokens';
    error: unknown;
    /** Usage records that could not be written, when `source` is `usage`. */
    records?: UsageRecord[];
  };
}

export type RouterEventName = keyof RouterEvents;
export type RouterListener<E extends RouterEventName> = (payload: RouterEvents[E]) => void;

/**
 * Typed events over eventemitter3. A listener that throws (or rejects) never breaks a request:
 * its error goes to the `error` event, and an `error` listener that throws is ignored.
 */
export class RouterEmitter {
  private readonly ee = new EventEmitter();
  private readonly wrapped = new Map<Function, Map<string, Function>>();
  /** Listeners per event, kept by `on`/`off` so that `has` is one map lookup. */
  private readonly counts = new Map<string, number>();

  /** Cheap check so that hot paths build no payload nobody listens to. */
  has(event: RouterEventName): boolean {
    return (this.counts.get(event) ?? 0) > 0;
  }

  /** Told about every `error` event (it logs, or prints once when nobody listens). */
  reporter: Reporter | undefined;

  emit<E extends RouterEventName>(event: E, payload: RouterEvents[E]): void {
    if (event === 'error') this.reporter?.internalError(payload as RouterEvents['error'], this.has('error'));
    this.ee.emit(event, payload);
  }

  on<E extends RouterEventName>(event: E, listener: RouterListener<E>, once = false): () => void {
    const wrapper = (payload: RouterEvents[E]) => {
      if (once) this.off(event, listener);
      try {
        const r = listener(payload) as unknown;
        if (r && typeof (r as Promise<unknown>).then === 'function') {
          (r as Promise<unknown>).then(undefined, (error) => this.listenerFailed(event, error));
        }
      } catch (error) {
        this.listenerFailed(event, error);
      }
    };
    let byEvent = this.wrapped.get(listener);
    if (!byEvent) {
      byEvent = new Map();
      this.wrapped.set(listener, byEvent);
    }
    // One registration per (event, listener), like addEventListener: a second `on` replaces nothing.
    if (!byEvent.has(event)) {
      byEvent.set(event, wrapper);
      this.ee.on(event, wrapper);
      this.counts.set(event, (this.counts.get(event) ?? 0) + 1);
    }
    return () => this.off(event, listener);
  }

  off<E extends RouterEventName>(event: E, listener: RouterListener<E>): void {
    const byEvent = this.wrapped.get(listener);
    const wrapper = byEvent?.get(event);
    if (!byEvent || !wrapper) return;
    this.ee.off(event, wrapper as (...args: unknown[]) => void);
    this.counts.set(event, (this.counts.get(event) ?? 1) - 1);
    byEvent.delete(event);
    if (byEvent.size === 0) this.wrapped.delete(listener);
  }

  removeAll(): void {
    this.ee.removeAllListeners();
    this.wrapped.clear();
    this.counts.clear();
  }

  private listenerFailed(event: RouterEventName, error: unknown): void {
    if (event === 'error') return;
    this.emit('error', { source: 'listener', error });
  }
}
