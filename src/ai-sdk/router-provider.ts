import type { LanguageModelV3, ProviderV3 } from '@ai-sdk/provider';
import { type ModelRouter, RouterError } from 'model-router';
import { routerLanguageModel } from './router-language-model.js';

export interface RouterProviderOptions {
  /**
   * The `provider` name the AI SDK reports (telemetry, `response`).
   * @default 'model-router'
   */
  name?: string;
}

/** An AI SDK provider over a router: `provider('coding')` or `provider.languageModel('coding')`. */
export interface RouterProvider extends ProviderV3 {
  (model: string): LanguageModelV3;
  languageModel(model: string): LanguageModelV3;
}

/**
 * Use a router from the AI SDK: `generateText({ model: provider('coding'), … })` and `streamText` run
 * through the router with its failover. Router failures surface as `APICallError` with
 * `isRetryable: false` (the SDK does not retry on top of the router), the `RouterError` as `cause`.
 * Per-call router options go in `providerOptions.modelRouter` (`requestId`, `user`, `metadata`,
 * `providerOptions`); `providerMetadata.modelRouter` tells which provider and model served.
 * Language models only: the other model kinds throw `NOT_FOUND`.
 */
export function createRouterProvider(
  router: ModelRouter,
  options: RouterProviderOptions = {},
): RouterProvider {
  const name = options.name ?? 'model-router';
  const languageModel = (model: string): LanguageModelV3 => {
    if (typeof model !== 'string' || model.length === 0) {
      throw new RouterError('VALIDATION', 'Invalid model: a non-empty model name is required', {
        details: { field: 'model' },
      });
    }
    return routerLanguageModel(router, model, name);
  };
  const only =
    (kind: string) =>
    (model: string): never => {
      throw new RouterError(
        'NOT_FOUND',
        `model-router serves language models only (asked for ${kind} model "${model}")`,
        {
          details: { entity: `${kind} model`, id: model },
        },
      );
    };
  return Object.assign((model: string) => languageModel(model), {
    specificationVersion: 'v3' as const,
    languageModel,
    embeddingModel: only('embedding'),
    imageModel: only('image'),
  });
}
