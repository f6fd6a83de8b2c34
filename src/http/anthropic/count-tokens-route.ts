import type { RelayRoute, RouteContext } from '../relay/types.js';
import type { TransformRequest } from '../openai/chat-route.js';
import { renderAnthropicError } from './errors.js';
import { parseCountTokensRequest } from './request.js';
import { transformed } from './route.js';
import { requestOptions } from '../relay/request-options.js';

/**
 * `POST /v1/messages/count_tokens`: `{ input_tokens }`, counted by the upstream when the first
 * candidate that can count speaks Anthropic, else the router's estimate (then the
 * `x-model-router-estimated: true` header says so).
 */
export function countTokensRoute(transformRequest: TransformRequest | undefined): RelayRoute {
  return {
    path: ['messages', 'count_tokens'],
    methods: ['POST'],
    renderError: renderAnthropicError,
    handle: (context) => countTokens(context, transformRequest),
  };
}

async function countTokens(context: RouteContext, transformRequest: TransformRequest | undefined) {
  const { router, input, requestId } = context;
  const parsed = parseCountTokensRequest(await input.readJson(context.maxBodyBytes), input.headers);
  const chat = await transformed(parsed.chat, context, transformRequest);
  const count = await router.countTokens(chat, requestOptions(context));
  const headers: Record<string, string> = { 'request-id': requestId };
  if (count.estimated) headers['x-model-router-estimated'] = 'true';
  else headers['x-model-router-model'] = `${count.providerId}/${count.modelId}`;
  return { kind: 'json' as const, status: 200, headers, body: { input_tokens: count.inputTokens } };
}
