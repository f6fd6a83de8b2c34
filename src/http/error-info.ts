import { ProviderError, RouterError, type RouterErrorCode, relayStatus } from 'model-router';
import { HttpProblem } from './problem.js';
import { redact } from './redact.js';

/** What an error becomes on the wire: OpenAI's error fields, an HTTP status, and a retry hint. */
export interface ErrorInfo {
  status: number;
  /** OpenAI's `error.type` (`invalid_request_error`, `rate_limit_error`, `server_error`, …). */
  type: string;
  /** The router's code (`UNKNOWN_MODEL`, …), or an HTTP-level code (`PAYLOAD_TOO_LARGE`, …). */
  code: string;
  message: string;
  param: string | null;
  /** Secret-free structured details (validation issues, suggestions); absent when there are none. */
  details?: Record<string, unknown>;
  retryAfterMs?: number;
  headers?: Record<string, string>;
}

/** The wire form of a code; its HTTP status is the core's `relayStatus` (also `RouterError.status`). */
interface CodeRule {
  type: string;
  param?: string;
  /** Details keys that may leave the process (all of them are secret-free). */
  details?: readonly string[];
}

const RULES: Record<RouterErrorCode, CodeRule> = {
  VALIDATION: { type: 'invalid_request_error', details: ['field', 'issues'] },
  UNKNOWN_MODEL: {
    type: 'invalid_request_error',
    param: 'model',
    details: ['model', 'suggestions'],
  },
  AMBIGUOUS_MODEL: {
    type: 'invalid_request_error',
    param: 'model',
    details: ['model', 'candidates'],
  },
  NO_CANDIDATES: {
    type: 'invalid_request_error',
    param: 'model',
    details: ['model', 'tags', 'filtered'],
  },
  QUOTA_EXHAUSTED: { type: 'rate_limit_error' },
  QUEUE_TIMEOUT: { type: 'rate_limit_error' },
  ALL_CANDIDATES_FAILED: {
    type: 'server_error',
    details: ['reason', 'skipped', 'skippedMore'],
  },
  PROVIDER_ERROR: { type: 'server_error' },
  STREAM_INTERRUPTED: { type: 'server_error' },
  TIMEOUT: { type: 'server_error' },
  ABORTED: { type: 'invalid_request_error' },
  FORBIDDEN: { type: 'permission_error', details: ['action'] },
  NOT_FOUND: { type: 'not_found_error', details: ['entity', 'id'] },
  CONFLICT: { type: 'invalid_request_error', details: ['entity'] },
  STORAGE_ERROR: { type: 'server_error' },
  PROTOCOL_ERROR: { type: 'server_error' },
  MISSING_DEPENDENCY: { type: 'server_error' },
  CLOSED: { type: 'server_error' },
  COST_LIMIT_EXCEEDED: {
    type: 'invalid_request_error',
    details: ['maxCostUsd', 'cheapestUsd', 'skipped'],
  },
  UNAUTHENTICATED: { type: 'authentication_error' },
  // OpenAI's own type for a spent quota (its 429 insufficient_quota).
  BUDGET_EXCEEDED: {
    type: 'insufficient_quota',
    details: ['scope', 'period', 'limitUsd', 'spentUsd', 'heldUsd', 'resetsAt'],
  },
};

/** A `QUEUE_TIMEOUT` carries no capacity estimate: ask the client to come back shortly. */
const QUEUE_RETRY_MS = 1_000;

/** Map any thrown value to its wire form. Unknown errors become a generic 500: their text stays inside. */
export function describeError(error: unknown): ErrorInfo {
  if (error instanceof HttpProblem) {
    return {
      status: error.status,
      type: error.type,
      code: error.code,
      message: redact(error.message),
      param: error.param,
      headers: error.headers,
    };
  }
  if (!RouterError.isInstance(error)) {
    return {
      status: 500,
      type: 'server_error',
      code: 'INTERNAL',
      message: 'Internal server error',
      param: null,
    };
  }
  const rule = RULES[error.code] ?? { type: 'server_error' };
  const info: ErrorInfo = {
    status: relayStatus(error),
    type: rule.type,
    code: error.code,
    // Storage failures may quote connection details: keep them in the server's logs.
    message: error.code === 'STORAGE_ERROR' ? 'Storage error' : redact(error.message),
    param: rule.param ?? null,
  };
  const details = pick(error.details, rule.details ?? []);
  if (details) info.details = details;
  if (error.code === 'VALIDATION' && typeof error.details.field === 'string')
    info.param = wireField(error.details.field);
  if (ProviderError.isProviderError(error)) Object.assign(info, providerRule(error));
  if (error.code === 'ALL_CANDIDATES_FAILED') Object.assign(info, allFailedRule(error, info.details));
  const retryAfterMs = error.retryAfterMs ?? (error.code === 'QUEUE_TIMEOUT' ? QUEUE_RETRY_MS : undefined);
  if (retryAfterMs !== undefined) info.retryAfterMs = retryAfterMs;
  // Tell clients that honour it (the openai SDKs) whether a retry can help: only capacity that
  // returns (429) or another instance (503 while closing) can; everything else the router has
  // already retried or failed over, or it is the request itself.
  // A spent budget comes back at its period's end (Retry-After), not on a client's quick retry.
  const retryable = RETRYABLE.has(info.status) && error.code !== 'BUDGET_EXCEEDED';
  info.headers = { 'x-should-retry': retryable ? 'true' : 'false' };
  return info;
}

/** Statuses after which a client's retry may succeed. */
const RETRYABLE = new Set([429, 503]);

/**
 * `ALL_CANDIDATES_FAILED` is 424, except when every attempt was refused by a rate limit: that is a
 * 429, with the (clamped) `Retry-After` of the upstream — a capacity problem, which a retry later fixes.
 * `details.lastError` says what the last attempt met (`kind`, `upstreamStatus`); `details.timeout`
 * that the failures were timeouts.
 */
function allFailedRule(error: RouterError, details: Record<string, unknown> | undefined): Partial<ErrorInfo> {
  const attempts = error.attempts ?? [];
  const last = error.lastError;
  const out: Record<string, unknown> = { ...details };
  if (ProviderError.isProviderError(last)) {
    out.lastError = {
      kind: last.kind,
      ...(last.status === undefined ? {} : { upstreamStatus: last.status }),
    };
  }
  if (isTimeout(error)) out.timeout = true;
  if (attempts.length > 0 && attempts.every((a) => a.errorKind === 'rate_limited')) {
    return { type: 'rate_limit_error', details: out };
  }
  return { details: out };
}

/** `Retry-After` (whole seconds, rounded up, at least 1) and the more precise `retry-after-ms`. */
export function retryHeaders(retryAfterMs: number | undefined): Record<string, string> {
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return {};
  const ms = Math.max(0, Math.ceil(retryAfterMs));
  return { 'retry-after': String(Math.max(1, Math.ceil(ms / 1000))), 'retry-after-ms': String(ms) };
}

/** The OpenAI error envelope. */
export function errorBody(info: ErrorInfo): { error: Record<string, unknown> } {
  const error: Record<string, unknown> = {
    message: info.message,
    type: info.type,
    code: info.code,
    param: info.param,
  };
  if (info.details) error.details = info.details;
  return { error };
}

/** A provider error that did not fail over: the request itself is at fault (400), else the upstream (502). */
function providerRule(error: ProviderError): Partial<ErrorInfo> {
  const details = {
    kind: error.kind,
    ...(error.status === undefined ? {} : { upstreamStatus: error.status }),
  };
  switch (error.kind) {
    case 'context_length':
      // OpenAI's own code: clients look for it to trim the conversation.
      return {
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: 'messages',
        details,
      };
    case 'bad_request':
    case 'content_filter':
      return { type: 'invalid_request_error', details };
    default:
      return { details };
  }
}

function isTimeout(error: RouterError): boolean {
  if (error.details.reason === 'timeout') return true;
  const last = error.lastError;
  return (
    (ProviderError.isProviderError(last) && last.kind === 'timeout') ||
    (RouterError.isInstance(last) && last.code === 'TIMEOUT')
  );
}

function pick(
  details: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (details[k] !== undefined) out[k] = details[k];
  return Object.keys(out).length ? out : undefined;
}

const WIRE_NAMES: Record<string, string> = {
  maxTokens: 'max_tokens',
  topP: 'top_p',
  toolChoice: 'tool_choice',
  responseFormat: 'response_format',
  toolCalls: 'tool_calls',
  toolCallId: 'tool_call_id',
};

/** `request.messages[0].toolCallId` → `messages[0].tool_call_id`: the name the client sent. */
function wireField(field: string): string {
  return (
    field.replace(/^request\.?/, '').replace(/[A-Za-z_]+/g, (name) =>
      // Own names only: `toString` or `__proto__` sent as a field must come back as sent.
      Object.hasOwn(WIRE_NAMES, name) ? WIRE_NAMES[name]! : name,
    ) || 'body'
  );
}
