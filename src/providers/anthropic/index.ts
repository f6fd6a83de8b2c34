import { invalid } from '../../errors/validation.js';
import { systemClock } from '../../util/clock.js';
import type { ProviderAdapter, ProviderCall } from '../adapter.js';
import { lowerCaseKeys } from '../shared/headers.js';
import { jsonSseAdapter } from '../shared/json-sse-adapter.js';
import { messagesCannotServe } from './capabilities.js';
import { resolveLimits } from '../shared/limits.js';
import { joinUrl } from '../shared/url.js';
import { checkVertex, vertexBaseUrl, vertexModelPath } from '../shared/vertex.js';
import type { AnthropicOptions } from './options.js';
import { toMessagesBody } from './request.js';
import { fromMessage } from './response.js';
import { countMessageTokens } from './count-tokens.js';
import { messagesDecoder } from './stream.js';

export type { AnthropicOptions } from './options.js';

const NAME = 'anthropic';
const DEFAULT_BASE_URL = 'https://api.anthropic.com/v1';
const DEFAULT_VERSION = '2023-06-01';
const DEFAULT_MAX_TOKENS = 4096;
const VERTEX_VERSION = 'vertex-2023-10-16';

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
  const { vertex } = options;
  if (vertex) checkVertex('anthropic', vertex);
  const baseURL = options.baseURL ?? (vertex ? vertexBaseUrl(vertex) : DEFAULT_BASE_URL);
  const extraHeaders = lowerCaseKeys(options.headers);

  const adapter = jsonSseAdapter({
    name: NAME,
    fetch: options.fetch,
    limits,
    clock,
    request(ctx, call, stream) {
      const headers = messagesHeaders(call, options.version, extraHeaders, stream);
      const { body, warnings } = toMessagesBody(ctx, call, { stream, defaultMaxTokens });
      if (vertex) {
        // Vertex takes the version in the body and the model in the URL; the key is an OAuth token.
        delete headers['x-api-key'];
        delete headers['anthropic-version'];
        headers.authorization = `Bearer ${call.apiKey}`;
        delete body.model;
        body.anthropic_version = VERTEX_VERSION;
        const method = stream ? 'streamRawPredict' : 'rawPredict';
        const path = `${vertexModelPath(vertex, 'anthropic', call.model.modelId)}:${method}`;
        return {
          url: joinUrl(call.provider.baseUrl ?? baseURL, path),
          headers,
          body,
          warnings: warnings.result(),
        };
      }
      const url = joinUrl(call.provider.baseUrl ?? baseURL, 'messages');
      return { url, headers, body, warnings: warnings.result() };
    },
    fromResponse: fromMessage,
    decoder: messagesDecoder,
  });
  return {
    ...adapter,
    cannotServe: messagesCannotServe,
    countTokens: (call) =>
      countMessageTokens(call, {
        fetch: options.fetch,
        limits,
        clock,
        baseURL,
        defaultMaxTokens,
        headers: (c) => messagesHeaders(c, options.version, extraHeaders, false),
      }),
  };
}

/** Client headers a request in Anthropic's own format carries on to the upstream. */
const FORWARDED = ['anthropic-beta', 'anthropic-version'] as const;

/**
 * The headers of one call. A request that came in Anthropic's wire format brings its client's
 * `anthropic-beta` / `anthropic-version`; the adapter's own `headers` and an explicit `version` pin
 * them (they win). The key is the catalog's, always.
 */
export function messagesHeaders(
  call: ProviderCall,
  pinnedVersion: string | undefined,
  extraHeaders: Record<string, string>,
  stream: boolean,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const wire = call.request.wire;
  if (wire?.format === 'anthropic-messages' && wire.headers) {
    for (const name of FORWARDED) {
      const value = wire.headers[name];
      if (typeof value === 'string' && value !== '') headers[name] = value;
    }
  }
  Object.assign(headers, extraHeaders);
  headers['content-type'] = 'application/json';
  headers.accept = stream ? 'text/event-stream' : 'application/json';
  headers['anthropic-version'] = pinnedVersion ?? headers['anthropic-version'] ?? DEFAULT_VERSION;
  headers['x-api-key'] = call.apiKey;
  return headers;
}
