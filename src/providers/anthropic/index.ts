import { invalid } from '../../errors/validation.js';
import { systemClock } from '../../util/clock.js';
import type { ProviderAdapter } from '../adapter.js';
import { lowerCaseKeys } from '../shared/headers.js';
import { jsonSseAdapter } from '../shared/json-sse-adapter.js';
import { resolveLimits } from '../shared/limits.js';
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

  return jsonSseAdapter({
    name: NAME,
    fetch: options.fetch,
    limits,
    clock,
    request(ctx, call, stream) {
      const headers: Record<string, string> = {
        ...extraHeaders,
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        'anthropic-version': version,
        'x-api-key': call.apiKey,
      };
      const url = joinUrl(call.provider.baseUrl ?? baseURL, 'messages');
      return { url, headers, body: toMessagesBody(ctx, call, { stream, defaultMaxTokens }) };
    },
    fromResponse: fromMessage,
    decoder: messagesDecoder,
  });
}
