import type { EmbedRequest, EmbeddingResult } from 'model-router';
import { renderOpenAIError } from '../openai/errors.js';
import { servedBy } from '../relay/committed-stream.js';
import type { RelayRoute, RouteContext } from '../relay/types.js';
import { parseEmbeddingsRequest } from './request.js';
import { embeddingsListJson } from './response.js';
import { requestOptions } from '../relay/request-options.js';

export type TransformEmbedRequest = (
  request: EmbedRequest,
  context: { actor: unknown; request: Request },
) => EmbedRequest | Promise<EmbedRequest>;

/** `POST /v1/embeddings`: float and base64 vectors, string or array input, OpenAI's list object. */
export function embeddingsRoute(transform: TransformEmbedRequest | undefined): RelayRoute {
  return {
    path: ['embeddings'],
    methods: ['POST'],
    renderError: renderOpenAIError,
    handle: (context) => embeddings(context, transform),
  };
}

async function embeddings(context: RouteContext, transform: TransformEmbedRequest | undefined) {
  const { router, input, actor, maxBodyBytes } = context;
  const parsed = parseEmbeddingsRequest(await input.readJson(maxBodyBytes));
  const request = transform ? await transform(parsed, { actor, request: input.webRequest() }) : parsed;
  const result: EmbeddingResult = await router.embed(request, requestOptions(context));
  const asked = typeof request.model === 'string' ? request.model : undefined;
  return {
    kind: 'json' as const,
    status: 200,
    headers: servedBy(result),
    body: undefined,
    text: embeddingsListJson(result, asked ?? result.groupName ?? `${result.providerId}/${result.modelId}`),
  };
}
