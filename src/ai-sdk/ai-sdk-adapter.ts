import type { LanguageModelV3 } from '@ai-sdk/provider';
import { type Clock, type ProviderAdapter, type ProviderCall, readRateLimitHeaders } from 'model-router';
import { fromV3Result, fromV3Stream } from './from-v3.js';
import { loadAiSdkProvider } from './peer.js';
import { toCallOptions } from './to-call-options.js';
import { toProviderError } from './to-provider-error.js';

/** What a model factory receives: the key the router picked for this attempt, and where it goes. */
export interface AiSdkModelContext {
  /** The attempt's API key (resolved from the key's `secret`): build the AI SDK provider with it. */
  apiKey: string;
  keyId: string;
  providerId: string;
  /** The catalog provider's `baseUrl`, when it has one. */
  baseUrl?: string;
}

/**
 * A fixed model (its provider holds its own credentials; the key pool then only meters), or a factory
 * called per attempt with the router's model id and key, so key pools rotate real credentials:
 * `(modelId, { apiKey }) => createMistral({ apiKey })(modelId)`.
 */
export type AiSdkModelSource =
  | LanguageModelV3
  | ((modelId: string, context: AiSdkModelContext) => LanguageModelV3);

export interface AiSdkAdapterOptions {
  /**
   * The adapter's name (what `provider.adapter` refers to in your catalog is the key in `adapters`).
   * @default 'ai-sdk'
   */
  name?: string;
  /**
   * Time source for rate-limit reset timestamps in response headers.
   * @default Date.now
   */
  clock?: Clock;
}

/**
 * Any AI SDK language model (Google, Mistral, Bedrock, …) as a router `ProviderAdapter`: `complete` via
 * `doGenerate`, `stream` via `doStream`. `APICallError`s become `ProviderError`s by status, so the router
 * cools keys on 429 (honouring retry-after), quarantines them on 401/403 and fails over on 5xx.
 */
export function aiSdkAdapter(source: AiSdkModelSource, options: AiSdkAdapterOptions = {}): ProviderAdapter {
  const modelFor = (call: ProviderCall): LanguageModelV3 =>
    typeof source === 'function'
      ? source(call.model.modelId, {
          apiKey: call.apiKey,
          keyId: call.key.id,
          providerId: call.provider.id,
          ...(call.provider.baseUrl ? { baseUrl: call.provider.baseUrl } : {}),
        })
      : source;

  const now = (): number => (options.clock ? options.clock.now() : Date.now());
  return {
    name: options.name ?? 'ai-sdk',

    async complete(call) {
      const peer = await loadAiSdkProvider();
      let generated: Awaited<ReturnType<LanguageModelV3['doGenerate']>>;
      try {
        generated = await modelFor(call).doGenerate(toCallOptions(call));
      } catch (error) {
        throw toProviderError(peer, error, call, now);
      }
      const result = fromV3Result(generated);
      // The provider's rate-limit headers correct the key's quota view, as with the bundled adapters.
      const rateLimit = readRateLimitHeaders(generated.response?.headers, now());
      return rateLimit ? { ...result, rateLimit } : result;
    },

    async stream(call) {
      const peer = await loadAiSdkProvider();
      const mapError = (error: unknown) => toProviderError(peer, error, call, now);
      let result: Awaited<ReturnType<LanguageModelV3['doStream']>>;
      try {
        result = await modelFor(call).doStream(toCallOptions(call));
      } catch (error) {
        throw mapError(error);
      }
      const rateLimit = readRateLimitHeaders(result.response?.headers, now());
      return { ...(rateLimit ? { rateLimit } : {}), parts: fromV3Stream(result.stream, mapError) };
    },
  };
}
