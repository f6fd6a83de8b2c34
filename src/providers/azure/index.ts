import { invalid } from '../../errors/validation.js';
import { systemClock } from '../../util/clock.js';
import type { ProviderAdapter } from '../adapter.js';
import { toChatCompletionsBody } from '../openai-compatible/request.js';
import { fromChatCompletion } from '../openai-compatible/response.js';
import { chatCompletionsDecoder } from '../openai-compatible/stream.js';
import { lowerCaseKeys } from '../shared/headers.js';
import { jsonSseAdapter } from '../shared/json-sse-adapter.js';
import { resolveLimits } from '../shared/limits.js';
import { joinUrl } from '../shared/url.js';
import type { AzureOpenAIOptions } from './options.js';

export type { AzureOpenAIOptions } from './options.js';

const NAME = 'azure-openai';
const RESOURCE = /^[A-Za-z0-9][A-Za-z0-9-]{1,62}$/;
const API_VERSION = /^\d{4}-\d{2}-\d{2}(?:-preview)?$/;

/**
 * An adapter for Azure OpenAI chat completions: the v1 API (`/openai/v1/`, deployment name as
 * `model`) or, with `apiVersion`, the legacy deployment URLs. The secret is the resource key
 * (`api-key` header) or an Entra ID token (`auth: 'bearer'`). Bodies, streams, errors and
 * `x-ratelimit-remaining-*` / `retry-after-ms` headers are read as for OpenAI; Azure's content
 * filter refusals (`content_filter`, `ResponsibleAIPolicyViolation`) are kind `content_filter`.
 *
 * @example
 * const adapters = { azure: azureOpenAI({ resource: 'contoso-eastus', deployments: { 'gpt-4o': 'gpt4o-prod' } }) };
 */
export function azureOpenAI(options: AzureOpenAIOptions): ProviderAdapter {
  if (options?.resource !== undefined && !RESOURCE.test(options.resource)) {
    throw invalid(
      'azureOpenAI.resource',
      `expected a resource name, got ${JSON.stringify(options.resource)}`,
    );
  }
  if (options?.apiVersion !== undefined && !API_VERSION.test(options.apiVersion)) {
    throw invalid(
      'azureOpenAI.apiVersion',
      `expected a date like "2024-10-21", got ${JSON.stringify(options.apiVersion)}`,
    );
  }
  const endpoint =
    options?.endpoint ?? (options?.resource ? `https://${options.resource}.openai.azure.com` : undefined);
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
    throw invalid('azureOpenAI.endpoint', 'expected an http(s) URL');
  }
  const auth = options?.auth ?? 'api-key';
  if (auth !== 'api-key' && auth !== 'bearer') {
    throw invalid('azureOpenAI.auth', `expected 'api-key' or 'bearer', got ${JSON.stringify(auth)}`);
  }
  const limits = resolveLimits('azureOpenAI', options.limits);
  const clock = options.clock ?? systemClock;
  const extraHeaders = lowerCaseKeys(options.headers);
  delete extraHeaders['api-key'];
  delete extraHeaders.authorization;
  const deployments = new Map(Object.entries(options.deployments ?? {}));

  return jsonSseAdapter({
    name: NAME,
    fetch: options.fetch,
    limits,
    clock,
    request(_ctx, call, stream) {
      const root = call.provider.baseUrl ?? endpoint;
      if (root === undefined) {
        throw invalid(
          'azureOpenAI.endpoint',
          `provider "${call.provider.id}" has no baseUrl and the adapter no endpoint`,
        );
      }
      const deployment = deployments.get(call.model.modelId) ?? call.model.modelId;
      const url = options.apiVersion
        ? `${joinUrl(root, `openai/deployments/${encodeURIComponent(deployment)}/chat/completions`)}?api-version=${options.apiVersion}`
        : joinUrl(root, 'openai/v1/chat/completions');
      const headers: Record<string, string> = {
        ...extraHeaders,
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
      };
      if (auth === 'bearer') headers.authorization = `Bearer ${call.apiKey}`;
      else headers['api-key'] = call.apiKey;
      const { body, warnings } = toChatCompletionsBody(call, {
        stream,
        streamUsage: true,
        maxTokensField: options.maxTokensField ?? 'max_tokens',
      });
      // v1 routes by the body's model, which is the deployment name; legacy URLs ignore it.
      body.model = deployment;
      return { url, headers, body, warnings: warnings.result() };
    },
    fromResponse: fromChatCompletion,
    decoder: chatCompletionsDecoder,
  });
}
