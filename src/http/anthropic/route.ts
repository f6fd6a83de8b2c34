import type { ChatRequest, StreamPart } from 'model-router';
import type { TransformRequest } from '../openai/chat-route.js';
import { prepend } from '../relay/prepend.js';
import { openCommittedStream, servedBy, servedOf } from '../relay/committed-stream.js';
import type { RelayRoute, RouteContext } from '../relay/types.js';
import { renderAnthropicError } from './errors.js';
import { type AnthropicRelayRequest, parseMessagesRequest } from './request.js';
import { anthropicOnlyWarnings, toAnthropicMessage, warningHeaders } from './response.js';
import { anthropicEventStream } from './stream.js';
import { requestOptions } from '../relay/request-options.js';

/** `POST /v1/messages`: Anthropic's Messages API, plain and streamed. */
export function messagesRoute(transformRequest: TransformRequest | undefined): RelayRoute {
  return {
    path: ['messages'],
    methods: ['POST'],
    renderError: renderAnthropicError,
    handle: (context) => messages(context, transformRequest),
  };
}

async function messages(context: RouteContext, transformRequest: TransformRequest | undefined) {
  const { router, input, requestId } = context;
  const parsed = parseMessagesRequest(await input.readJson(context.maxBodyBytes), input.headers);
  const chat = await transformed(parsed.chat, context, transformRequest);
  const id = `msg_${requestId.slice(4)}`;
  const routeOptions = requestOptions(context);
  if (!parsed.stream) {
    const result = await router.complete(chat, routeOptions);
    const passThrough = result.wire?.format === 'anthropic-messages';
    const warnings = [...(result.warnings ?? []), ...onlyWarnings(parsed, passThrough)];
    const served = servedOf(result);
    return {
      kind: 'json' as const,
      status: 200,
      headers: { ...servedBy(served), ...warningHeaders(warnings), 'request-id': requestId },
      body: toAnthropicMessage(result, id),
    };
  }
  const { stream, parts, served } = await openCommittedStream(router, chat, routeOptions);
  // The part after `start` says whether the upstream speaks Anthropic: its events come as `wire`
  // parts, held back until `start`, so the first of them (or the first content part) is there already.
  let start: IteratorResult<StreamPart>;
  let second: IteratorResult<StreamPart>;
  try {
    start = await parts.next();
    second = await parts.next();
  } catch (error) {
    stream.cancel(error);
    throw error;
  }
  const passThrough = !second.done && second.value.type === 'wire';
  const adapterWarnings = !start.done && start.value.type === 'start' ? (start.value.warnings ?? []) : [];
  const warnings = [...adapterWarnings, ...onlyWarnings(parsed, passThrough)];
  return anthropicEventStream(
    stream,
    prepend(second, parts),
    { id, model: served.modelId, passThrough, requestId },
    { ...servedBy(served), ...warningHeaders(warnings), 'request-id': requestId },
  );
}

function onlyWarnings(parsed: AnthropicRelayRequest, passThrough: boolean) {
  return passThrough ? [] : anthropicOnlyWarnings(parsed.anthropicOnly);
}

/**
 * Apply `transformRequest`. The client's body still goes to an Anthropic upstream unless the
 * conversation or the tools changed (then the typed request, translated, is what is sent): a model,
 * `maxTokens` or `user` set by the hook is written over the body by the adapter either way.
 */
export async function transformed(
  chat: ChatRequest,
  { actor, input }: RouteContext,
  transformRequest: TransformRequest | undefined,
): Promise<ChatRequest> {
  if (!transformRequest) return chat;
  const messages = chat.messages.map((m) => [m, m.content] as const);
  const tools = chat.tools?.slice();
  const out = await transformRequest(chat, { actor, request: input.webRequest() });
  const same =
    out.messages.length === messages.length &&
    out.messages.every((m, i) => m === messages[i]![0] && m.content === messages[i]![1]) &&
    (out.tools?.length ?? 0) === (tools?.length ?? 0) &&
    (out.tools ?? []).every((t, i) => t === tools?.[i]);
  if (same) return out;
  const { wire: _dropped, ...rest } = out;
  return rest;
}
