import { invalid } from '../../errors/validation.js';
import { systemClock } from '../../util/clock.js';
import type { ProviderAdapter, ProviderCall, ProviderResult, ProviderStream } from '../adapter.js';
import { type CallContext, createContext } from '../shared/context.js';
import { lowerCaseKeys } from '../shared/headers.js';
import { eventStreamBody, postJson, readJson } from '../shared/http.js';
import { resolveLimits } from '../shared/limits.js';
import { parseRateLimitHeaders } from '../shared/rate-limit-headers.js';
import { sseParts } from '../shared/sse.js';
import { joinUrl } from '../shared/url.js';
import type { AnthropicOptions } from './options.js';
import { toMessagesBody } from './request.js';
import { fromMessage } from './response.js';
import { messagesDecoder } from './stream.js';

export type { AnthropicOptions } from './options.js';

const NAME = 'anthropic';
const DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';
const DEFAULT_VERSION = '2023-06-01';
const DEFAULT_MAX_TOKENS = 4096;

/**
 * An adapter for Anthropic's Messages API: POST `${baseURL}/messages` with the key as `x-api-key`
 * and an `anthropic-version` header; system messages go top-level, tools as `tool_use` /
 * `tool_result` blocks; streams follow the Messages API event sequence.
 *
 * @example
 * const adapters = { anthropic: anthropic() };
 */
export function anthropic(options: AnthropicOptions = {}): ProviderAdapter {
  const defaultMaxTokens = options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS;
  if (!Number.isSafeInteger(defaultMaxTokens) || defaultMaxTokens <= 0) {
    throw invalid(
      'anthropic.defaultMaxTokens',
      `expected a positive integer, got ${String(defaultMaxTokens)}`,
    );
  }
  const limits = resolveLimits('anthropic', options.limits);
  const clock = options.clock ?? systemClock;
  const baseURL = options.baseURL ?? DEFAULT_BASE_URL;
  const version = options.version ?? DEFAULT_VERSION;
  const extraHeaders = lowerCaseKeys(options.headers);

  function send(call: ProviderCall, stream: boolean): { ctx: CallContext; response: Promise<Response> } {
    const ctx = createContext(NAME, call, { fetch: options.fetch, limits, clock });
    const headers: Record<string, string> = {
      ...extraHeaders,
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
      'anthropic-version': version,
      'x-api-key': call.apiKey,
    };
    const url = joinUrl(call.provider.baseUrl ?? baseURL, 'messages');
    const body = toMessagesBody(ctx, call, { stream, defaultMaxTokens });
    return { ctx, response: postJson(ctx, url, headers, body) };
  }

  return {
    name: NAME,

    async complete(call: ProviderCall): Promise<ProviderResult> {
      const { ctx, response } = send(call, false);
      const res = await response;
      const rateLimit = parseRateLimitHeaders(res.headers, clock.now());
      return fromMessage(ctx, await readJson(ctx, res), rateLimit);
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      const { ctx, response } = send(call, true);
      const res = await response;
      const rateLimit = parseRateLimitHeaders(res.headers, clock.now());
      const body = await eventStreamBody(ctx, res);
      return { ...(rateLimit ? { rateLimit } : {}), parts: sseParts(ctx, body, messagesDecoder(ctx)) };
    },
  };
}
