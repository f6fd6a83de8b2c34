import type { AttemptSummary } from '../types/result.js';
import type { RouterErrorCode } from './codes.js';
import type { RouterErrorDetails } from './details.js';
import { relayStatus } from './relay-status.js';

const MARKER = Symbol.for('model-router.error');

export interface RouterErrorOptions {
  cause?: unknown;
  /** Structured, secret-free details (field names, candidate lists, attempts). */
  details?: Record<string, unknown>;
  /** Earliest moment (ms from now) when trying again may succeed. */
  retryAfterMs?: number;
  /** Every attempt made (for `ALL_CANDIDATES_FAILED`, `STREAM_INTERRUPTED` and non-failover errors). */
  attempts?: AttemptSummary[];
  /** The error of the last attempt. */
  lastError?: unknown;
}

/**
 * The one error type the library throws. Match on `code`; `RouterError.isInstance(e)` works across
 * two copies of the package (it checks a `Symbol.for` marker, not the prototype chain).
 */
export class RouterError<C extends RouterErrorCode = RouterErrorCode> extends Error {
  readonly code: C;
  /** Secret-free structured details; typed per code where the shape is known (`RouterErrorDetailsMap`). */
  readonly details: RouterErrorDetails<C>;
  /**
   * The HTTP status the relay answers this error with (`UNKNOWN_MODEL` 404, `QUOTA_EXHAUSTED` 429,
   * `ALL_CANDIDATES_FAILED` 424 — or 429 when every attempt was rate limited —, …; the README's
   * error-code table). On a `ProviderError`, `status` is the upstream's status, as it always was.
   */
  declare readonly status: C extends 'PROVIDER_ERROR' ? number | undefined : number;
  readonly retryAfterMs: number | undefined;
  /** Every attempt made, when the error ends a routed request. */
  attempts: AttemptSummary[] | undefined;
  /** The last attempt's error, when the error ends a routed request. */
  lastError: unknown;

  constructor(code: C, message: string, options: RouterErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RouterError';
    this.code = code;
    this.details = (options.details ?? {}) as RouterErrorDetails<C>;
    this.retryAfterMs = options.retryAfterMs;
    this.attempts = options.attempts;
    this.lastError = options.lastError;
    Object.defineProperty(this, MARKER, { value: true, enumerable: false });
  }

  /**
   * Whether `value` is a `RouterError` (from any copy of the package) — of code `code` when given,
   * which types its `details`: `if (RouterError.isInstance(e, 'UNKNOWN_MODEL')) e.details.suggestions`.
   */
  static isInstance<K extends RouterErrorCode>(value: unknown, code: K): value is RouterError<K>;
  static isInstance(value: unknown): value is RouterError;
  static isInstance(value: unknown, code?: RouterErrorCode): boolean {
    return isMarked(value) && (code === undefined || value.code === code);
  }

  toJSON(): Record<string, unknown> {
    const json: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    if (Object.keys(this.details).length > 0) json.details = this.details;
    if (this.retryAfterMs !== undefined) json.retryAfterMs = this.retryAfterMs;
    if (this.attempts) json.attempts = this.attempts;
    if (isMarked(this.lastError)) json.lastError = this.lastError.toJSON();
    return json;
  }
}

// On the prototype, computed when read (attempts may be attached after construction); a
// ProviderError's own `status` field (the upstream's) shadows it.
Object.defineProperty(RouterError.prototype, 'status', {
  get(this: RouterError) {
    return relayStatus(this);
  },
  enumerable: false,
  configurable: true,
});

// The class body never names its own class: a self-reference makes the bundler rename it
// (`class _RouterError`), which stack traces and util.inspect would then print.
function isMarked(value: unknown): value is RouterError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
}

/** Attach a property that `JSON.stringify`, `util.inspect` and spreading never show. */
export function hide(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: true, configurable: true });
}
