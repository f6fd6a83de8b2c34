import type { ProviderErrorKind } from '../../errors/provider-error.js';
import type { ErrorInfo } from './error-body.js';

/*
 * One table for every provider: the kind decides failover (README: How a request is routed, step 6), so a wrong kind either
 * retries a request that cannot succeed or gives up on one that could.
 */

/**
 * Prompt + output over the model's window (OpenAI, Anthropic, vLLM, Mistral, Groq, DeepSeek,
 * Together; Gemini "input token count … exceeds the maximum number of tokens allowed"; Bedrock
 * "Input is too long for requested model").
 */
const CONTEXT_LENGTH =
  /context[_ ]length|context window|maximum context|prompt is too long|prompt too long|reduce the length of the messages|input is too long|too many (?:input )?tokens|max_new_tokens|exceeds the maximum number of tokens/;
/** Refused by a moderation layer (OpenAI, Azure `ResponsibleAIPolicyViolation`, OpenRouter moderation). */
const CONTENT_FILTER =
  /content[_ ]filter|content[_ ]policy|content management policy|responsibleaipolicyviolation|moderation|flagged|safety system/;
/** The account is out of credit: no retry on this key will succeed, so quarantine it like a bad key. */
const OUT_OF_CREDIT =
  /insufficient_quota|billing_hard_limit|insufficient[_ ]credits|credit balance is too low/;

const BY_TYPE: [RegExp, ProviderErrorKind][] = [
  // Google's `status` names (google.rpc.Code) sit beside the HTTP-style types.
  [/overloaded|^unavailable$/, 'overloaded'],
  [/rate_limit|ratelimit|too_many_requests|^requests$|^tokens$|resource_exhausted/, 'rate_limited'],
  [/authentication|permission|invalid_api_key|unauthori[sz]ed|unauthenticated|forbidden/, 'auth'],
  [/not_found/, 'not_found'],
  [/timeout|deadline_exceeded/, 'timeout'],
  [
    /invalid_request|bad_?request|validation|request_too_large|invalid_argument|failed_precondition/,
    'bad_request',
  ],
  [/api_error|server_error|internal/, 'server'],
];

/**
 * The kind of a provider failure, from the HTTP status (`undefined` for an error event inside a
 * 200 stream) and what the error body said.
 */
export function classifyError(status: number | undefined, info: ErrorInfo): ProviderErrorKind {
  const type = (info.type ?? '').toLowerCase();
  const code = (info.code ?? '').toLowerCase();
  const text = `${type} ${code} ${(info.message ?? '').toLowerCase()}`;
  const s = status ?? info.statusHint;

  if (OUT_OF_CREDIT.test(text) || s === 402) return 'auth';
  if (type.includes('overloaded')) return 'overloaded';
  const refusable = s === undefined || s === 400 || s === 403 || s === 413 || s === 422;
  if (refusable && CONTENT_FILTER.test(text)) return 'content_filter';
  if (refusable && s !== 403 && CONTEXT_LENGTH.test(text)) return 'context_length';

  if (s !== undefined) {
    if (s === 429) return 'rate_limited';
    if (s === 503 || s === 529) return 'overloaded';
    if (s === 401 || s === 403) return 'auth';
    if (s === 404) return 'not_found';
    if (s === 408) return 'timeout';
    if (s >= 500) return 'server';
    if (s >= 400) return 'bad_request';
  }
  for (const [pattern, kind] of BY_TYPE) if (pattern.test(type) || pattern.test(code)) return kind;
  // An unexplained error event mid-stream is upstream trouble, not the caller's fault.
  return 'server';
}
