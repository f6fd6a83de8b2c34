import type { ChatRequest, StreamPart } from 'model-router';
import { prepend } from '../relay/prepend.js';
import type { TransformRequest } from '../openai/chat-route.js';
import { renderOpenAIError } from '../openai/errors.js';
import { openCommittedStream, servedBy, servedOf } from '../relay/committed-stream.js';
import type { RelayRoute, RouteContext } from '../relay/types.js';
import { warningHeaders } from '../relay/warnings.js';
import { parseResponsesRequest } from './request.js';
import { type ResponseMeta, passedResponse, toResponseObject } from './response.js';
import { responsesEventStream, responsesPassThrough } from './stream.js';
import { requestOptions } from '../relay/request-options.js';

/**
 * `POST /v1/responses`: OpenAI's Responses API, stateless, non-streamed and streamed, translated
 * to the router's request (so any candidate of any format can serve it); a Responses upstream
 * (`openaiResponses`) gets the client's body and its answer passes on, its usage counts the router's. `transformRequest`
 * applies as on the chat route.
 */
export function responsesRoute(transformRequest: TransformRequest | undefined): RelayRoute {
  return {
    path: ['responses'],
    methods: ['POST'],
    renderError: renderOpenAIError,
    handle: (context) => responses(context, transformRequest),
  };
}

async function responses(context: RouteContext, transformRequest: TransformRequest | undefined) {
  const { router, input, requestId, actor, maxBodyBytes } = context;
  const parsed = parseResponsesRequest(await input.readJson(maxBodyBytes));
  let chat: ChatRequest = transformRequest
    ? await transformRequest(parsed.chat, { actor, request: input.webRequest() })
    : parsed.chat;
  if (chat.wire && (chat.messages !== parsed.chat.messages || chat.tools !== parsed.chat.tools)) {
    const { wire: _dropped, ...rest } = chat;
    chat = rest;
  }
  const asked = typeof chat.model === 'string' ? chat.model : undefined;
  const meta = (served: { providerId: string; modelId: string }, upstream?: string): ResponseMeta => ({
    id: `resp_${requestId.slice(4)}`,
    createdAt: Math.floor(Date.now() / 1000),
    model: upstream ?? served.modelId ?? asked,
    request: parsed.wire,
  });
  const routeOptions = requestOptions(context);
  if (!parsed.stream) {
    const result = await router.complete(chat, routeOptions);
    // A Responses upstream's own object passes on (encrypted reasoning items included), its usage
    // counts the router's validated ones.
    if (result.wire?.format === 'openai-responses') {
      const warnings = result.warnings ?? [];
      return {
        kind: 'json' as const,
        status: 200,
        headers: { ...servedBy(servedOf(result)), ...warningHeaders(warnings) },
        body: passedResponse(result.wire.body, result.usage),
      };
    }
    const warnings = [...parsed.warnings, ...(result.warnings ?? [])];
    return {
      kind: 'json' as const,
      status: 200,
      headers: { ...servedBy(servedOf(result)), ...warningHeaders(warnings) },
      body: toResponseObject(result, meta(result.model, result.responseModel), warnings),
    };
  }
  const { stream, parts, served } = await openCommittedStream(router, chat, routeOptions);
  // The part after `start` says whether the upstream speaks Responses: its events come as `wire` parts.
  let start: IteratorResult<StreamPart>;
  let second: IteratorResult<StreamPart>;
  try {
    start = await parts.next();
    second = await parts.next();
  } catch (error) {
    stream.cancel(error);
    throw error;
  }
  const startWarnings = !start.done && start.value.type === 'start' ? (start.value.warnings ?? []) : [];
  if (!second.done && second.value.type === 'wire') {
    return responsesPassThrough(stream, prepend(second, parts), {
      ...servedBy(served),
      ...warningHeaders(startWarnings),
    });
  }
  const warnings = [...parsed.warnings, ...startWarnings];
  return responsesEventStream(stream, prepend(second, parts), meta(served), warnings, {
    ...servedBy(served),
    ...warningHeaders(warnings),
  });
}
