import type { ChatRequest, RouterWarning } from 'model-router';
import { peek } from '../relay/peek.js';
import { droppedFields, warningHeaders } from '../relay/warnings.js';
import { openCommittedStream, type Served, servedBy, servedOf } from '../relay/committed-stream.js';
import type { RelayRoute, RouteContext } from '../relay/types.js';
import { renderOpenAIError } from './errors.js';
import { MODELLED_CHAT_FIELDS, parseOpenAIRequest } from './request.js';
import { type CompletionMeta, passedUsage, toOpenAICompletion } from './response.js';
import { openAIEventStream } from './stream.js';
import { requestOptions } from '../relay/request-options.js';

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
  context: RouteContext,
  transformRequest: TransformRequest | undefined,
  presentation: ChatPresentation,
) {
  const { router, input, requestId, actor, maxBodyBytes } = context;
  const relay = parseOpenAIRequest(await input.readJson(maxBodyBytes));
  let chat = transformRequest
    ? await transformRequest(relay.chat, { actor, request: input.webRequest() })
    : relay.chat;
  if (chat.wire && (chat.messages !== relay.chat.messages || chat.tools !== relay.chat.tools)) {
    // The conversation was rewritten: the client's body no longer says what is asked.
    const { wire: _dropped, ...rest } = chat;
    chat = rest;
  }
  const wire = chat.wire?.format === 'openai-chat' ? chat.wire : undefined;
  // What a provider of another format cannot take (seed, logit_bias, …), said rather than hidden.
  const crossFormat = (served: { warnings?: RouterWarning[] | undefined }) => [
    ...(wire ? droppedFields(wire.body, MODELLED_CHAT_FIELDS, 'OpenAI chat-completions') : []),
    ...(served.warnings ?? []),
  ];
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
  const routeOptions = requestOptions(context);
  if (!relay.stream) {
    const result = await router.complete(chat, routeOptions);
    const served = servedOf(result);
    const same =
      wire &&
      result.wire?.format === 'openai-chat' &&
      typeof result.wire.body === 'object' &&
      result.wire.body !== null;
    if (same) {
      // Same format: the upstream's answer as it came (logprobs, system_fingerprint, service_tier,
      // reasoning fields), under the relay's id and the model name this route presents.
      const m = meta(served, result.responseModel);
      const body: Record<string, unknown> = {
        ...(result.wire!.body as Record<string, unknown>),
        id: m.id,
        object: 'chat.completion',
        model: m.model,
      };
      // The router's validated counts over the upstream's (an estimate is never presented as the
      // provider's numbers; garbage counts never pass on).
      const usage = passedUsage(body.usage, result.usage, m);
      if (usage) body.usage = usage;
      else delete body.usage;
      return {
        kind: 'json' as const,
        status: 200,
        headers: completionHeaders(served, result.usage.estimated, result.warnings),
        body,
      };
    }
    const warnings = crossFormat(result);
    const body = toOpenAICompletion(result, meta(served, result.responseModel));
    if (warnings.length > 0) body.warnings = warnings;
    return {
      kind: 'json' as const,
      status: 200,
      headers: completionHeaders(served, result.usage.estimated, warnings),
      body,
    };
  }
  const committed = await openCommittedStream(router, chat, routeOptions);
  const { stream, served } = committed;
  const start = await committed.parts.next(); // the `start` part, already read
  // The part after `start` says who frames the stream: an openai-chat upstream's own chunks
  // (`wire` parts, held back until the commit and sent right after `start`), or the router's parts.
  const { next, rest } = await peek(committed.parts);
  const passThrough = !!wire && next?.done === false && next.value.type === 'wire';
  const startWarnings = !start.done && start.value.type === 'start' ? start.value.warnings : undefined;
  const warnings = passThrough ? (startWarnings ?? []) : crossFormat({ warnings: startWarnings });
  return openAIEventStream(
    stream,
    rest,
    {
      ...meta(served),
      includeUsage: relay.includeUsage,
      passThrough,
    },
    { ...servedBy(served), ...warningHeaders(warnings) },
  );
}

/** A completion's headers: who served, whether its usage is the router's estimate, the warnings. */
function completionHeaders(
  served: Served,
  estimated: boolean,
  warnings: readonly RouterWarning[] | undefined,
): Record<string, string> {
  // One object, written in place (each spread of a headers object costs a copy per request).
  const headers = servedBy(served);
  if (estimated) headers['x-model-router-usage'] = 'estimated';
  if (warnings && warnings.length > 0) Object.assign(headers, warningHeaders(warnings));
  return headers;
}
