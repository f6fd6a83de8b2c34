import type { RateLimitInfo } from '../../types/rate-limit.js';
import type { HttpHeaders } from './transport.js';

/*
 * Providers report a key's remaining capacity in headers. Every duration here is made relative to
 * `now` (the moment the response arrived) so the quota store never compares two machines' clocks.
 * A header we cannot read is ignored, never an error: rate-limit headers are advice.
 */

const NUMBER = /^-?\d+(?:\.\d+)?$/;
/** A bare number this large is an epoch timestamp (seconds), not a duration. */
const EPOCH_SECONDS = 1e9;

const clamp = (ms: number): number => Math.max(0, Math.round(ms));

/**
 * A duration as OpenAI-style servers write it: Go syntax (`"1s"`, `"6m0s"`, `"120ms"`,
 * `"2m59.56s"`), or a bare number of seconds. Returns milliseconds, or `undefined` when unreadable.
 */
export function parseDurationMs(value: string): number | undefined {
  const text = value.trim();
  if (NUMBER.test(text)) return clamp(Number(text) * 1000);
  const ms = goDurationMs(text);
  return ms === undefined ? undefined : clamp(ms);
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/**
 * Go's duration syntax, `(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+` in full, scanned by hand (every
 * response carries one or two: a regex test and a `matchAll` per value cost microseconds). The parts
 * add up in order, as `Number(part) × unit`.
 */
function goDurationMs(text: string): number | undefined {
  const end = text.length;
  if (end === 0) return undefined;
  let total = 0;
  let i = 0;
  while (i < end) {
    const start = i;
    while (i < end && isDigit(text.charCodeAt(i))) i++;
    if (i === start) return undefined;
    if (text.charCodeAt(i) === 0x2e /* . */) {
      const fraction = ++i;
      while (i < end && isDigit(text.charCodeAt(i))) i++;
      if (i === fraction) return undefined;
    }
    const amount = Number(text.slice(start, i));
    const unit = text.charCodeAt(i);
    const next = text.charCodeAt(i + 1);
    let ms: number;
    if (unit === 0x68 /* h */) ms = 3_600_000;
    else if (unit === 0x6d /* m */) ms = next === 0x73 /* s */ ? 1 : 60_000;
    else if (unit === 0x73 /* s */) ms = 1000;
    else if ((unit === 0x75 /* u */ || unit === 0xb5) /* µ */ && next === 0x73) ms = 1e-3;
    else if (unit === 0x6e /* n */ && next === 0x73) ms = 1e-6;
    else return undefined;
    // Two-letter units: ms, us, µs, ns.
    i += unit === 0x68 || unit === 0x73 || (unit === 0x6d && next !== 0x73) ? 1 : 2;
    total += amount * ms;
  }
  return total;
}

/**
 * A reset moment in any of the forms providers use: a duration (OpenAI, Groq), an RFC 3339
 * timestamp (Anthropic), an HTTP date, or epoch seconds. Returns milliseconds from `now`, at least 0.
 */
export function parseResetMs(value: string, now: number): number | undefined {
  const text = value.trim();
  if (NUMBER.test(text)) {
    const n = Number(text);
    return n >= EPOCH_SECONDS ? clamp(n * 1000 - now) : clamp(n * 1000);
  }
  const duration = parseDurationMs(text);
  if (duration !== undefined) return duration;
  return parseDate(text, now);
}

function parseDate(text: string, now: number): number | undefined {
  // Date.parse accepts odd inputs ("1" is the year 2001); require a date-looking shape first.
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) && !/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4}/.test(text))
    return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : clamp(at - now);
}

/** `retry-after-ms` (milliseconds) wins over `retry-after` (seconds or an HTTP date). Garbage is ignored. */
export function parseRetryAfterMs(headers: HttpHeaders, now: number): number | undefined {
  const ms = headers.get('retry-after-ms')?.trim();
  if (ms && NUMBER.test(ms)) return clamp(Number(ms));
  const after = headers.get('retry-after')?.trim();
  if (!after) return undefined;
  if (NUMBER.test(after)) return clamp(Number(after) * 1000);
  return parseDate(after, now);
}

function count(headers: HttpHeaders, name: string): number | undefined {
  const text = headers.get(name)?.trim();
  if (!text || !NUMBER.test(text)) return undefined;
  const n = Math.floor(Number(text));
  return n >= 0 ? n : undefined;
}

function reset(headers: HttpHeaders, name: string, now: number): number | undefined {
  const text = headers.get(name);
  return text ? parseResetMs(text, now) : undefined;
}

interface LimitWindow {
  limit?: number;
  remaining?: number;
  resetMs?: number;
}

function readWindow(headers: HttpHeaders, names: WindowNames, now: number): LimitWindow | undefined {
  const w = {
    limit: count(headers, names[0]),
    remaining: count(headers, names[1]),
    resetMs: reset(headers, names[2], now),
  };
  return w.limit === undefined && w.remaining === undefined && w.resetMs === undefined ? undefined : w;
}

/** The tightest window: lowest remaining fraction (or lowest remaining when no limit is given). */
function tightest(windows: (LimitWindow | undefined)[]): LimitWindow | undefined {
  let best: LimitWindow | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const w of windows) {
    if (!w) continue;
    const score =
      w.remaining === undefined ? Number.POSITIVE_INFINITY : w.limit ? w.remaining / w.limit : w.remaining;
    if (!best || score < bestScore) {
      best = w;
      bestScore = score;
    }
  }
  return best;
}

type WindowNames = [limit: string, remaining: string, reset: string];
const OPENAI_REQUESTS: WindowNames = [
  'x-ratelimit-limit-requests',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-reset-requests',
];
const OPENAI_TOKENS: WindowNames = [
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-tokens',
];
const UNSUFFIXED_REQUESTS: WindowNames = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'];
const anthropicWindow = (kind: string): WindowNames => [
  `anthropic-ratelimit-${kind}-limit`,
  `anthropic-ratelimit-${kind}-remaining`,
  `anthropic-ratelimit-${kind}-reset`,
];
const ANTHROPIC_REQUESTS = anthropicWindow('requests');
const ANTHROPIC_TOKENS = ['tokens', 'input-tokens', 'output-tokens'].map(anthropicWindow);

/**
 * Read `x-ratelimit-*` (OpenAI, Groq, DeepSeek, Together, …) and `anthropic-ratelimit-*` headers.
 * Anthropic reports separate token windows (`tokens`, `input-tokens`, `output-tokens`); the tightest
 * one is reported, since it is the one that will refuse the next call. Returns `undefined` when
 * the response carried none of these headers.
 */
export function parseRateLimitHeaders(headers: HttpHeaders, now: number): RateLimitInfo | undefined {
  const requests =
    readWindow(headers, OPENAI_REQUESTS, now) ??
    readWindow(headers, ANTHROPIC_REQUESTS, now) ??
    // Unsuffixed headers (Together and many gateways) count requests.
    readWindow(headers, UNSUFFIXED_REQUESTS, now);
  const tokens =
    readWindow(headers, OPENAI_TOKENS, now) ??
    tightest(ANTHROPIC_TOKENS.map((names) => readWindow(headers, names, now)));
  const retryAfterMs = parseRetryAfterMs(headers, now);
  const info: RateLimitInfo = {};
  if (requests?.limit !== undefined) info.limitRequests = requests.limit;
  if (requests?.remaining !== undefined) info.remainingRequests = requests.remaining;
  if (requests?.resetMs !== undefined) info.resetRequestsMs = requests.resetMs;
  if (tokens?.limit !== undefined) info.limitTokens = tokens.limit;
  if (tokens?.remaining !== undefined) info.remainingTokens = tokens.remaining;
  if (tokens?.resetMs !== undefined) info.resetTokensMs = tokens.resetMs;
  if (retryAfterMs !== undefined) info.retryAfterMs = retryAfterMs;
  return Object.keys(info).length > 0 ? info : undefined;
}

/**
 * How long to wait after a rate-limit refusal: `retry-after` when given, else the latest reset of
 * the windows the provider reports as spent. `undefined` when the headers do not say.
 */
export function retryAfterFromRateLimit(info: RateLimitInfo | undefined): number | undefined {
  if (!info) return undefined;
  if (info.retryAfterMs !== undefined) return info.retryAfterMs;
  const spent: number[] = [];
  if (info.remainingRequests === 0 && info.resetRequestsMs !== undefined) spent.push(info.resetRequestsMs);
  if (info.remainingTokens === 0 && info.resetTokensMs !== undefined) spent.push(info.resetTokensMs);
  return spent.length > 0 ? Math.max(...spent) : undefined;
}
