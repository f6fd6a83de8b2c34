import type { Clock } from '../../util/clock.js';
import type { AdapterLimits } from '../shared/limits.js';

/** Options of `azureOpenAI()`. */
export interface AzureOpenAIOptions {
  /**
   * The resource endpoint, `https://{resource}.openai.azure.com` (or a Foundry
   * `https://{resource}.services.ai.azure.com`). A catalog provider's `baseUrl`, when set, wins.
   * Give this or `resource`.
   * @default `https://{resource}.openai.azure.com`
   */
  endpoint?: string;
  /** The Azure OpenAI resource name: the endpoint becomes `https://{resource}.openai.azure.com`. @default none (give `endpoint`) */
  resource?: string;
  /**
   * Without it, the v1 API: `{endpoint}/openai/v1/chat/completions`, the deployment in the body's
   * `model`. With it, the legacy deployment URLs:
   * `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version={apiVersion}`.
   * @default none (the v1 API)
   */
  apiVersion?: string;
  /**
   * Catalog model id → deployment name, where they differ (`{ 'gpt-4o': 'gpt4o-prod-eastus' }`).
   * A model not listed is deployed under its own id.
   * @default none (every model under its own id)
   */
  deployments?: Record<string, string>;
  /**
   * How the call's secret is sent: `api-key` (the resource key) or `bearer` — a Microsoft Entra ID
   * access token (scope `https://cognitiveservices.azure.com/.default`) that `resolveSecret`
   * returns, refreshed with `cachedToken`.
   * @default 'api-key'
   */
  auth?: 'api-key' | 'bearer';
  /** @default 'max_tokens' (reasoning deployments — o-series, gpt-5 — need 'max_completion_tokens') */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Extra headers on every request. The auth header is the adapter's and wins. @default none */
  headers?: Record<string, string>;
  /** As `openaiCompatible`'s `fetch`. @default fetch's dispatcher, or `globalThis.fetch` once replaced */
  fetch?: typeof globalThis.fetch;
  /** Size caps on lines, events and bodies (see `AdapterLimits`). @default { maxLineBytes: 1_048_576, maxEventBytes: 1_048_576, maxBodyBytes: 16_777_216 } */
  limits?: AdapterLimits;
  /** @default systemClock */
  clock?: Clock;
}
