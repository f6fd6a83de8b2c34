import type { ChatRequest } from 'model-router';
import { openCommittedStream, type Served, servedBy } from '../relay/committed-stream.js';
import type { RelayRoute, RouteContext } from '../relay/types.js';
import { renderOpenAIError } from './errors.js';
import { parseOpenAIRequest } from './request.js';
import { type CompletionMeta, toOpenAICompletion } from './response.js';
import { openAIEventStream } from './stream.js';

/** How the chat route presents what served and what it cost (see `RelayHandlerOptions`). */
export interface ChatPresentation {
  responseModel: 'served' | 'requested';
  estimatedUsage: 'omit' | 'mark';
}

export type TransformRequest = (
  request: ChatRequest,
  context: { actor: unknown; request: Request },
) => ChatRequest | Promise<ChatRequest>;

/** `POST /v1/chat/completions`: plain and SSE, tool calls, `stream_options.include_usage`. */
export function chatCompletionsRoute(
  transformRequest: TransformRequest | undefined,
  presentation: ChatPresentation = { responseModel: 'served', estimatedUsage: 'omit' },
): RelayRoute {
  return {
    path: ['chat', 'completions'],
    methods: ['POST'],
    renderError: renderOpenAIError,
    handle: (context) => chatCompletions(context, transformRequest, presentation),
  };
}

async function chatCompletions(
  { router, input, requestId, actor, maxBodyBytes }: RouteContext,
  transformRequest: TransformRequest | undefined,
  presentation: ChatPresentation,
) {
  const relay = parseOpenAIRequest(await input.readJson(maxBodyBytes));
  const chat = transformRequest
    ? await transformRequest(relay.chat, { actor, request: input.webRequest() })
    : relay.chat;
  const asked = typeof chat.model === 'string' ? chat.model : undefined;
  // The model that answered (as the upstream named it, when it did), as OpenAI and other gateways
  // report it; or, with `responseModel: 'requested'`, the name the client asked for.
  const meta = (served: Served, upstreamModel?: string): CompletionMeta => ({
    id: `chatcmpl-${requestId.slice(4)}`,
    created: Math.floor(Date.now() / 1000),
    model:
      presentation.responseModel === 'requested'
        ? (asked ?? served.groupName ?? `${served.providerId}/${served.modelId}`)
        : (upstreamModel ?? served.modelId),
    estimatedUsage: presentation.estimatedUsage,
  });
  const routeOptions = { signal: input.signal, requestId };
  if (!relay.stream) {
    const result = await router.complete(chat, routeOptions);
    const served = { ...result.model, ...(result.groupName ? { groupName: result.groupName } : {}) };
    return {
      kind: 'json' as const,
      status: 200,
      headers: {
        ...servedBy(served),
        ...(result.usage.estimated ? { 'x-model-router-usage': 'estimated' } : {}),
      },
      body: toOpenAICompletion(result, meta(served, result.responseModel)),
    };
  }
  const { stream, parts, served } = await openCommittedStream(router, chat, routeOptions);
  return openAIEventStream(
    stream,
    parts,
    { ...meta(served), includeUsage: relay.includeUsage },
    servedBy(served),
  );
}
