import { secretScrubber } from '../../util/secret-scrub.js';
import { isObject, str } from './json.js';

/** What an error body said, whatever its provider's shape. */
export interface ErrorInfo {
  message?: string;
  /** `error.type` (OpenAI `invalid_request_error`, Anthropic `overloaded_error`, vLLM `BadRequestError`). */
  type?: string;
  /** A string `code` (`context_length_exceeded`, `insufficient_quota`, `rate_limit_exceeded`). */
  code?: string;
  /** A numeric `code` some servers put in the body (vLLM, Mistral, OpenRouter): an HTTP status. */
  statusHint?: number;
  /** A `google.rpc.RetryInfo` detail's `retryDelay` (Gemini, Vertex), in milliseconds. */
  retryAfterMs?: number;
}

const MAX_MESSAGE = 500;

/**
 * Read the error shapes OpenAI-compatible servers and Anthropic send:
 * - `{ error: { message, type, code, param } }` — OpenAI, Groq, DeepSeek, Together, Azure, vLLM in streams
 * - `{ type: 'error', error: { type, message } }` — Anthropic (bodies and stream `error` events)
 * - `{ error: { code: 402, message, metadata } }` — OpenRouter
 * - `{ object: 'error', message, type, code: 400 }` — vLLM, Mistral
 * - `{ error: 'text' }` — Ollama; `{ message }`, `{ detail }` — gateways and FastAPI servers
 * - `{ error: { code: 429, message, status: 'RESOURCE_EXHAUSTED', details: [RetryInfo…] } }` — Google
 */
export function extractErrorInfo(body: unknown): ErrorInfo {
  if (typeof body === 'string') return body.trim() ? { message: body.trim() } : {};
  if (!isObject(body)) return {};
  const inner = isObject(body.error) ? body.error : body;
  const info: ErrorInfo = {};
  const message =
    str(inner.message) ??
    str(body.error) ??
    str(body.message) ??
    str(body.detail) ??
    (Array.isArray(body.detail) ? safeJson(body.detail) : undefined);
  if (message) info.message = message;
  const type =
    str(inner.type) ??
    str(inner.type_) ??
    (inner === body ? undefined : (str(body.type) ?? str(inner.status)));
  if (type && type !== 'error') info.type = type;
  const code = inner.code ?? body.code;
  if (typeof code === 'string' && code !== '') info.code = code;
  if (typeof code === 'number' && Number.isInteger(code) && code >= 100 && code < 600) info.statusHint = code;
  const retry = retryInfoMs(inner.details);
  if (retry !== undefined) info.retryAfterMs = retry;
  return info;
}

/** `google.rpc.RetryInfo.retryDelay` (a protobuf Duration in JSON: `"32s"`, `"0.5s"`) in ms. */
function retryInfoMs(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details.slice(0, 32)) {
    if (!isObject(detail) || !String(detail['@type'] ?? '').endsWith('google.rpc.RetryInfo')) continue;
    const match = /^(\d{1,9}(?:\.\d{1,9})?)s$/.exec(str(detail.retryDelay) ?? '');
    if (match) return Math.round(Number(match[1]) * 1000);
  }
  return undefined;
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

/**
 * Make provider text safe for an error message: remove the key if the provider echoed it, and
 * masked keys (`sk-abc***wxyz`, as OpenAI's 401 message shows), then cap the length.
 */
export function redact(text: string, secret: string): string {
  // Cut before the mask pattern: on a long run without spaces it backtracks quadratically (a
  // 64 KiB error body took seconds). The margin keeps a mask straddling the cut recognisable.
  const scrubbed = scrub(text, secret);
  const head = scrubbed.slice(0, MAX_MESSAGE + 200);
  const out = head.replace(/\S*\*{3,}\S*/g, '[redacted]');
  return out.length > MAX_MESSAGE || scrubbed.length > head.length ? `${out.slice(0, MAX_MESSAGE)}…` : out;
}

/**
 * Remove the key from provider text (bodies are kept, hidden, on errors): any run of 8 or more of
 * its characters, in any case, escaped or not (see `secretScrubber`).
 */
export function scrub(text: string, secret: string): string {
  return secretScrubber(secret)(text);
}

/** Parse a body as JSON when it is JSON; keep the text otherwise. */
export function parseBody(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      // A truncated or broken JSON error body is still worth showing as text.
    }
  }
  return text;
}
