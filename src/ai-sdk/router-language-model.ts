import type {
  LanguageModelV3,
  LanguageModelV3CallOptions,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamResult,
} from '@ai-sdk/provider';
import type { ModelRouter, StreamPart } from 'model-router';
import { routerMetadata, toV3Content, toV3FinishReason, toV3Usage } from './from-result.js';
import { loadAiSdkProvider } from './peer.js';
import { toApiCallError } from './to-api-call-error.js';
import { toChatRequest } from './to-chat-request.js';
import { toV3Stream } from './to-v3-stream.js';
import { prepend } from '../http/relay/prepend.js';

/**
 * A `LanguageModelV3` whose calls go through `router` for the logical model `model` (a group name,
 * `providerId/modelId` or a unique `modelId`), with the router's failover, quotas and accounting.
 */
export function routerLanguageModel(
  router: ModelRouter,
  model: string,
  providerName: string,
): LanguageModelV3 {
  const newRequestId = () => `aisdk_${crypto.randomUUID().replaceAll('-', '')}`;

  return {
    specificationVersion: 'v3',
    provider: providerName,
    modelId: model,
    // The router's adapters take image URLs as they are: the SDK need not download them first.
    supportedUrls: { 'image/*': [/^https?:\/\/.*$/i] },

    async doGenerate(options: LanguageModelV3CallOptions): Promise<LanguageModelV3GenerateResult> {
      const peer = await loadAiSdkProvider();
      const signal = options.abortSignal;
      try {
        const call = toChatRequest(model, options);
        const requestId = call.requestId ?? newRequestId();
        const result = await router.complete(call.request, { requestId, ...(signal ? { signal } : {}) });
        return {
          content: toV3Content(result),
          finishReason: toV3FinishReason(result.finishReason),
          usage: toV3Usage(result.usage),
          providerMetadata: routerMetadata({
            requestId: result.requestId,
            ...result.model,
            ...(result.groupName ? { groupName: result.groupName } : {}),
            attempts: result.attempts.length,
            estimatedUsage: result.usage.estimated,
          }),
          response: {
            id: result.requestId,
            // The model that answered, as the upstream named it (else the catalog's modelId).
            modelId: result.responseModel ?? result.model.modelId,
            timestamp: new Date(),
          },
          warnings: call.warnings,
        };
      } catch (error) {
        throw toApiCallError(peer, error, model, signal);
      }
    },

    async doStream(options: LanguageModelV3CallOptions): Promise<LanguageModelV3StreamResult> {
      const peer = await loadAiSdkProvider();
      const signal = options.abortSignal;
      const mapError = (error: unknown) => toApiCallError(peer, error, model, signal);
      try {
        const call = toChatRequest(model, options);
        const requestId = call.requestId ?? newRequestId();
        const stream = router.stream(call.request, { requestId, ...(signal ? { signal } : {}) });
        const parts = stream[Symbol.asyncIterator]();
        // Wait for the serving attempt to commit: a failure before that (unknown model, quota, every
        // candidate failed) rejects doStream itself, as a provider's failed HTTP call would.
        let first: IteratorResult<StreamPart>;
        try {
          first = await parts.next();
        } catch (error) {
          stream.cancel(error);
          throw error;
        }
        return {
          stream: toV3Stream(stream, prepend(first, parts), { requestId, warnings: call.warnings, mapError }),
        };
      } catch (error) {
        throw mapError(error);
      }
    },
  };
}
