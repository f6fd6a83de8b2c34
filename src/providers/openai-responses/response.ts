import type { RateLimitInfo } from '../../types/rate-limit.js';
import type { ReasoningPart, ToolCall } from '../../types/request.js';
import type { FinishReason } from '../../types/result.js';
import type { AdapterUsage, ProviderResult } from '../adapter.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { errorFromBody } from '../shared/http.js';
import { type JsonObject, count, isObject, str } from '../shared/json.js';
import { OPENAI_RESPONSES_FAMILY, isResponsesWire } from './request.js';

/** `usage` of a response object; `undefined` when it says nothing. */
export function responsesUsage(usage: unknown): AdapterUsage | undefined {
  if (!isObject(usage)) return undefined;
  const out: AdapterUsage = {};
  const input = count(usage.input_tokens);
  const output = count(usage.output_tokens);
  const total = count(usage.total_tokens);
  if (input !== undefined) out.promptTokens = input;
  if (output !== undefined) out.completionTokens = output;
  if (total !== undefined) out.totalTokens = total;
  const cached = count(
    isObject(usage.input_tokens_details) ? usage.input_tokens_details.cached_tokens : undefined,
  );
  if (cached !== undefined) out.cachedPromptTokens = cached;
  const reasoning = count(
    isObject(usage.output_tokens_details) ? usage.output_tokens_details.reasoning_tokens : undefined,
  );
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Status (and `incomplete_details.reason`) → finish reason; function calls make it `tool_calls`. */
export function responsesFinish(response: JsonObject, hasToolCalls: boolean): FinishReason {
  const status = str(response.status);
  if (status === 'incomplete') {
    const reason = isObject(response.incomplete_details)
      ? str(response.incomplete_details.reason)
      : undefined;
    if (reason === 'max_output_tokens') return { unified: 'length', raw: reason };
    if (reason === 'content_filter') return { unified: 'content_filter', raw: reason };
    return { unified: 'other', raw: reason ?? status };
  }
  if (status === 'completed') return { unified: hasToolCalls ? 'tool_calls' : 'stop', raw: status };
  return { unified: 'other', ...(status ? { raw: status } : {}) };
}

/** A reasoning output item as a reasoning part (its summary as text, `encrypted_content` as data). */
export function reasoningPart(item: JsonObject): ReasoningPart {
  const part: ReasoningPart = { type: 'reasoning', family: OPENAI_RESPONSES_FAMILY };
  const id = str(item.id);
  if (id) part.id = id;
  const summary = Array.isArray(item.summary)
    ? item.summary.map((s) => (isObject(s) ? (str(s.text) ?? '') : '')).filter(Boolean)
    : [];
  if (summary.length > 0) part.text = summary.join('\n\n');
  const data = str(item.encrypted_content);
  if (data) part.data = data;
  return part;
}

/** A whole (non-streamed) response object → the result; the body as it came for a Responses front door. */
export function fromResponse(
  ctx: CallContext,
  json: unknown,
  rateLimit: RateLimitInfo | undefined,
): ProviderResult {
  if (!isObject(json)) throw protocolError(ctx, 'the response is not a JSON object');
  if (str(json.status) === 'failed' || (isObject(json.error) && json.object !== 'response'))
    throw errorFromBody(ctx, { error: json.error }, rateLimit);
  if (!Array.isArray(json.output)) throw protocolError(ctx, 'the response has no output array');
  let text = '';
  const toolCalls: ToolCall[] = [];
  const reasoning: ReasoningPart[] = [];
  for (const item of json.output) {
    if (!isObject(item)) continue;
    if (item.type === 'message' && Array.isArray(item.content)) {
      for (const c of item.content) if (isObject(c) && c.type === 'output_text') text += str(c.text) ?? '';
    } else if (item.type === 'function_call') {
      toolCalls.push({
        id: str(item.call_id) ?? str(item.id) ?? `call_${toolCalls.length}`,
        name: str(item.name) ?? '',
        arguments: str(item.arguments) ?? '',
      });
    } else if (item.type === 'reasoning') {
      reasoning.push(reasoningPart(item));
    }
  }
  const usage = responsesUsage(json.usage);
  const id = str(json.id);
  const responseModel = str(json.model);
  return {
    message: {
      role: 'assistant',
      content: text,
      ...(toolCalls.length ? { toolCalls } : {}),
      ...(reasoning.length ? { reasoning } : {}),
    },
    finishReason: responsesFinish(json, toolCalls.length > 0),
    ...(usage ? { usage } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(id ? { id } : {}),
    ...(responseModel ? { responseModel } : {}),
    raw: json,
    ...(isResponsesWire(ctx.call.request)
      ? { wire: { format: 'openai-responses' as const, body: json } }
      : {}),
  };
}
