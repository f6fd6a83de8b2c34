import type { RateLimitInfo } from '../types/rate-limit.js';
import { RouterError, hide } from './router-error.js';

/** How a provider failed; decides failover (README: How a request is routed, step 6). */
export type ProviderErrorKind =
  | 'rate_limited'
  | 'auth'
  | 'bad_request'
  | 'context_length'
  | 'content_filter'
  | 'not_found'
  | 'server'
  | 'overloaded'
  | 'timeout'
  | 'network'
  | 'protocol'
  | 'unknown';

const RETRYABLE: Record<ProviderErrorKind, boolean> = {
  rate_limited: true,
  auth: true, // another key may work
  bad_request: false,
  context_length: false,
  content_filter: false,
  not_found: true, // the model may exist at another candidate
  server: true,
  overloaded: true,
  timeout: true,
  network: true,
  protocol: true,
  unknown: true,
};

export interface ProviderErrorOptions {
  message: string;
  kind: ProviderErrorKind;
  status?: number;
  retryAfterMs?: number;
  rateLimit?: RateLimitInfo;
  providerId?: string;
  modelId?: string;
  keyId?: string;
  /** Response body; kept non-enumerable so it never reaches logs. */
  body?: unknown;
  /** Response headers; kept non-enumerable. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** A failed call to a provider. Adapters throw it; the router fills in ids the adapter left out. */
export class ProviderError extends RouterError<'PROVIDER_ERROR'> {
  readonly kind: ProviderErrorKind;
  /** The upstream's HTTP status (the relay's answer is 400 or 502: `relayStatus`). */
  override readonly status: number | undefined;
  readonly isRetryable: boolean;
  providerId: string | undefined;
  modelId: string | undefined;
  keyId: string | undefined;
  readonly rateLimit: RateLimitInfo | undefined;
  declare readonly body: unknown;
  declare readonly headers: Record<string, string> | undefined;

  constructor(options: ProviderErrorOptions) {
    super('PROVIDER_ERROR', options.message, {
      cause: options.cause,
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
    });
    this.name = 'ProviderError';
    this.kind = options.kind;
    this.status = options.status;
    this.isRetryable = RETRYABLE[options.kind];
    this.providerId = options.providerId;
    this.modelId = options.modelId;
    this.keyId = options.keyId;
    this.rateLimit = options.rateLimit;
    hide(this, 'body', options.body);
    hide(this, 'headers', options.headers);
  }

  static isProviderError(value: unknown): value is ProviderError {
    return RouterError.isInstance(value) && value.code === 'PROVIDER_ERROR' && 'kind' in value;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      kind: this.kind,
      status: this.status,
      providerId: this.providerId,
      modelId: this.modelId,
      keyId: this.keyId,
    };
  }
}
