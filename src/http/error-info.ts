import { ProviderError, RouterError, type RouterErrorCode } from 'model-router';
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

interface CodeRule {
  status: number;
  type: string;
  param?: string;
  /** Details keys that may leave the process (all of them are secret-free). */
  details?: readonly string[];
}

const RULES: Record<RouterErrorCode, CodeRule> = {
  VALIDATION: { status: 400, type: 'invalid_request_error', details: ['field', 'issues'] },
  UNKNOWN_MODEL: {
    status: 404,
    type: 'invalid_request_error',
    param: 'model',
    details: ['model', 'suggestions'],
  },
  // 400, not 409: a name that stays ambiguous is not a conflict that a retry resolves (clients retry 409).
  AMBIGUOUS_MODEL: {
    status: 400,
    type: 'invalid_request_error',
    param: 'model',
    details: ['model', 'candidates'],
  },
  // 400, not 422: a name with no usable candidate stays so until the catalog changes, and LangChain
  // retries 422 (it spares only 400–407, 409 and 413).
  NO_CANDIDATES: {
    status: 400,
    type: 'invalid_request_error',
    param: 'model',
    details: ['model', 'tags', 'filtered'],
  },
  QUOTA_EXHAUSTED: { status: 429, type: 'rate_limit_error' },
  QUEUE_TIMEOUT: { status: 429, type: 'rate_limit_error' },
  // 424 Failed Dependency: the upstreams this request depends on failed, after the router's own
  // failover and retries. Not 5xx: clients (the AI SDK, LangChain) retry 5xx and would multiply them.
  ALL_CANDIDATES_FAILED: {
    status: 424,
    type: 'server_error',
    details: ['reason', 'skipped', 'skippedMore'],
  },
  PROVIDER_ERROR: { status: 502, type: 'server_error' },
  STREAM_INTERRUPTED: { status: 502, type: 'server_error' },
  TIMEOUT: { status: 504, type: 'server_error' },
  ABORTED: { status: 499, type: 'invalid_request_error' },
  FORBIDDEN: { status: 403, type: 'permission_error', details: ['action'] },
  NOT_FOUND: { status: 404, type: 'not_found_error', details: ['entity', 'id'] },
  CONFLICT: { status: 409, type: 'invalid_request_error', details: ['entity'] },
  STORAGE_ERROR: { status: 500, type: 'server_error' },
  PROTOCOL_ERROR: { status: 502, type: 'server_error' },
  MISSING_DEPENDENCY: { status: 500, type: 'server_error' },
  CLOSED: { status: 503, type: 'server_error' },
  // 400: every candidate costs more than the request allows; a retry costs the same.
  COST_LIMIT_EXCEEDED: {
    status: 400,
    type: 'invalid_request_error',
    details: ['maxCostUsd', 'cheapestUsd', 'skipped'],
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
  const rule = RULES[error.code] ?? { status: 500, type: 'server_error' };
  const info: ErrorInfo = {
    status: rule.status,
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
  if (error.code === 'TIMEOUT') info.status = 504;
  if (error.code === 'ALL_CANDIDATES_FAILED') Object.assign(info, allFailedRule(error, info.details));
  const retryAfterMs = error.retryAfterMs ?? (error.code === 'QUEUE_TIMEOUT' ? QUEUE_RETRY_MS : undefined);
  if (retryAfterMs !== undefined) info.retryAfterMs = retryAfterMs;
  // Tell clients that honour it (the openai SDKs) whether a retry can help: only capacity that
  // returns (429) or another instance (503 while closing) can; everything else the router has
  // already retried or failed over, or it is the request itself.
  info.headers = { 'x-should-retry': RETRYABLE.has(info.status) ? 'true' : 'false' };
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
    return { status: 429, type: 'rate_limit_error', details: out };
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
        status: 400,
        type: 'invalid_request_error',
        code: 'context_length_exceeded',
        param: 'messages',
        details,
      };
    case 'bad_request':
    case 'content_filter':
      return { status: 400, type: 'invalid_request_error', details };
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
