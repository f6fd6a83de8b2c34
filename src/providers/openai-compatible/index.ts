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
import type { OpenAICompatibleOptions } from './options.js';
import { type BodySettings, toChatCompletionsBody } from './request.js';
import { fromChatCompletion } from './response.js';
import { chatCompletionsDecoder } from './stream.js';

export type { OpenAICompatibleOptions } from './options.js';

const NAME = 'openai-compatible';

/**
 * An adapter for OpenAI's chat completions API and the servers that speak it (vLLM, Ollama, Groq,
 * DeepSeek, OpenRouter, Together, Mistral, …): POST `${baseURL}/chat/completions`, the key as
 * `Authorization: Bearer`, streams as server-sent events with usage in a last chunk.
 *
 * @example
 * const adapters = { openai: openaiCompatible({ baseURL: 'https://api.openai.com/v1' }) };
 */
export function openaiCompatible(options: OpenAICompatibleOptions): ProviderAdapter {
  if (typeof options?.baseURL !== 'string' || options.baseURL.trim() === '') {
    throw invalid('openaiCompatible.baseURL', 'expected a non-empty URL string');
  }
  const limits = resolveLimits('openaiCompatible', options.limits);
  const clock = options.clock ?? systemClock;
  const extraHeaders = lowerCaseKeys(options.headers);
  const settings = {
    streamUsage: options.streamUsage ?? true,
    maxTokensField: options.maxTokensField ?? 'max_tokens',
  } satisfies Omit<BodySettings, 'stream'>;

  function send(call: ProviderCall, stream: boolean): { ctx: CallContext; response: Promise<Response> } {
    const ctx = createContext(NAME, call, { fetch: options.fetch, limits, clock });
    const headers: Record<string, string> = {
      ...extraHeaders,
      'content-type': 'application/json',
      accept: stream ? 'text/event-stream' : 'application/json',
    };
    // Keyless local servers (Ollama, vLLM without --api-key) get no Authorization header at all.
    if (call.apiKey) headers.authorization = `Bearer ${call.apiKey}`;
    const url = joinUrl(call.provider.baseUrl ?? options.baseURL, 'chat/completions');
    const body = toChatCompletionsBody(call, { ...settings, stream });
    return { ctx, response: postJson(ctx, url, headers, body) };
  }

  return {
    name: NAME,

    async complete(call: ProviderCall): Promise<ProviderResult> {
      const { ctx, response } = send(call, false);
      const res = await response;
      const rateLimit = parseRateLimitHeaders(res.headers, clock.now());
      return fromChatCompletion(ctx, await readJson(ctx, res), rateLimit);
    },

    async stream(call: ProviderCall): Promise<ProviderStream> {
      const { ctx, response } = send(call, true);
      const res = await response;
      const rateLimit = parseRateLimitHeaders(res.headers, clock.now());
      const body = await eventStreamBody(ctx, res);
      return { ...(rateLimit ? { rateLimit } : {}), parts: sseParts(ctx, body, chatCompletionsDecoder(ctx)) };
    },
  };
}
