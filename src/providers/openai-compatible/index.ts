import { invalid } from '../../errors/validation.js';
import { systemClock } from '../../util/clock.js';
import type { ProviderAdapter } from '../adapter.js';
import { lowerCaseKeys } from '../shared/headers.js';
import { jsonSseAdapter } from '../shared/json-sse-adapter.js';
import { resolveLimits } from '../shared/limits.js';
import { joinUrl } from '../shared/url.js';
import { applyPreset } from './apply-preset.js';
import type { OpenAICompatibleOptions } from './options.js';
import { PRESETS, PRESET_NAMES, type PresetRules } from './presets.js';
import { type BodySettings, toChatCompletionsBody } from './request.js';
import { fromChatCompletion } from './response.js';
import { chatCompletionsDecoder } from './stream.js';
import { openaiEmbed } from './embed.js';

export type { OpenAICompatibleOptions } from './options.js';
export type { PresetName, PresetRules } from './presets.js';
export { PRESETS } from './presets.js';

const NAME = 'openai-compatible';

/**
 * An adapter for OpenAI's chat completions API and the servers that speak it (vLLM, Ollama, Groq,
 * DeepSeek, OpenRouter, Together, Mistral, …): POST `${baseURL}/chat/completions`, the key as
 * `Authorization: Bearer`, streams as server-sent events with usage in a last chunk. Embeddings:
 * POST `${baseURL}/embeddings`.
 *
 * @example
 * const adapters = { openai: openaiCompatible({ baseURL: 'https://api.openai.com/v1' }) };
 */
export function openaiCompatible(options: OpenAICompatibleOptions): ProviderAdapter {
  if (options?.preset !== undefined && !Object.hasOwn(PRESETS, options.preset)) {
    throw invalid(
      'openaiCompatible.preset',
      `expected one of ${PRESET_NAMES.join(', ')}, got ${JSON.stringify(options.preset)}`,
    );
  }
  const preset: PresetRules | undefined = options?.preset ? PRESETS[options.preset] : undefined;
  const baseURL = options?.baseURL ?? preset?.baseURL;
  if (typeof baseURL !== 'string' || baseURL.trim() === '') {
    throw invalid('openaiCompatible.baseURL', 'expected a non-empty URL string');
  }
  const limits = resolveLimits('openaiCompatible', options.limits);
  const clock = options.clock ?? systemClock;
  const extraHeaders = lowerCaseKeys(options.headers);
  const settings = {
    streamUsage: options.streamUsage ?? preset?.streamUsage ?? true,
    maxTokensField: options.maxTokensField ?? 'max_tokens',
    reasoningOnToolCalls: preset?.reasoningOnToolCalls ?? false,
    ...(options.body ? { defaults: { ...options.body } } : {}),
  } satisfies Omit<BodySettings, 'stream'>;

  const chat = jsonSseAdapter({
    name: NAME,
    fetch: options.fetch,
    limits,
    clock,
    request(_ctx, call, stream) {
      const headers: Record<string, string> = {
        ...extraHeaders,
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
      };
      // Keyless local servers (Ollama, vLLM without --api-key) get no Authorization header at all.
      if (call.apiKey && !(preset?.keyless && call.apiKey === 'none'))
        headers.authorization = `Bearer ${call.apiKey}`;
      const url = joinUrl(call.provider.baseUrl ?? baseURL, 'chat/completions');
      const { body, warnings } = toChatCompletionsBody(call, { ...settings, stream });
      if (preset) applyPreset(body, preset, warnings);
      return { url, headers, body, warnings: warnings.result() };
    },
    fromResponse: fromChatCompletion,
    decoder: chatCompletionsDecoder,
  });
  const embed = openaiEmbed({
    name: NAME,
    baseURL,
    fetch: options.fetch,
    limits,
    clock,
    headers: extraHeaders,
  });
  return { ...chat, embed };
}
