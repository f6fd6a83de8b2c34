import type { RateLimitInfo } from '../../types/rate-limit.js';
import type { ToolCall } from '../../types/request.js';
import type { FinishReason, UnifiedFinishReason } from '../../types/result.js';
import type { AdapterUsage, ProviderResult } from '../adapter.js';
import { type CallContext, protocolError } from '../shared/context.js';
import { errorFromBody, isErrorBody } from '../shared/http.js';
import { type JsonObject, count, isObject, str } from '../shared/json.js';
import { OPENAI_CHAT_FAMILY } from './request.js';

const FINISH: Record<string, UnifiedFinishReason> = {
  stop: 'stop',
  eos: 'stop', // some vLLM / TGI builds
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls', // the legacy functions API
  content_filter: 'content_filter',
};

export function mapFinishReason(raw: unknown): FinishReason {
  const value = str(raw);
  if (value === undefined) return { unified: 'other' };
  return { unified: FINISH[value] ?? 'other', raw: value };
}

/** `usage` as OpenAI-compatible servers report it; `undefined` when it says nothing. */
export function mapUsage(usage: unknown): AdapterUsage | undefined {
  if (!isObject(usage)) return undefined;
  const out: AdapterUsage = {};
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  const total = count(usage.total_tokens);
  if (prompt !== undefined) out.promptTokens = prompt;
  if (completion !== undefined) out.completionTokens = completion;
  if (total !== undefined) out.totalTokens = total;
  const details = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : undefined;
  // OpenAI's cached prompt tokens; DeepSeek reports them as `prompt_cache_hit_tokens`.
  const cached = count(details?.cached_tokens) ?? count(usage.prompt_cache_hit_tokens);
  if (cached !== undefined) out.cachedPromptTokens = cached;
  // o-series and other reasoning models: part of completion_tokens.
  const output = isObject(usage.completion_tokens_details) ? usage.completion_tokens_details : undefined;
  const reasoning = count(output?.reasoning_tokens);
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Message content as text: a string, or (Mistral, some gateways) an array of text parts. */
export function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  let text = '';
  for (const part of content) {
    if (isObject(part) && part.type === 'text' && typeof part.text === 'string') text += part.text;
  }
  return text;
}

function toolCalls(ctx: CallContext, raw: unknown): ToolCall[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  return raw.map((call, i) => {
    const fn = isObject(call) && isObject(call.function) ? call.function : undefined;
    const name = str(fn?.name);
    if (!fn || !name) throw protocolError(ctx, `tool call ${i} has no function name`);
    const args = fn.arguments;
    return {
      // Some servers (older Ollama) send no id; the caller needs one to answer the call.
      id: (isObject(call) && str(call.id)) || `call_${i}`,
      name,
      // Arguments are JSON text; a server that sends an object gets it serialised.
      arguments: typeof args === 'string' ? args : args === undefined ? '' : JSON.stringify(args),
    };
  });
}

/** Reasoning text some servers return beside the content (`reasoning_content`: DeepSeek, vLLM; `reasoning`: Ollama, OpenRouter). */
export function reasoningText(message: JsonObject): string | undefined {
  return str(message.reasoning_content) ?? str(message.reasoning);
}

/** A chat-completions response body → `ProviderResult` (the first choice). */
export function fromChatCompletion(
  ctx: CallContext,
  json: unknown,
  rateLimit: RateLimitInfo | undefined,
): ProviderResult {
  // OpenRouter and some proxies answer 200 with an error body.
  if (isErrorBody(json)) throw errorFromBody(ctx, json, rateLimit);
  if (!isObject(json)) throw protocolError(ctx, 'response body is not an object');
  const choice = Array.isArray(json.choices) ? json.choices[0] : undefined;
  if (!isObject(choice) || !isObject(choice.message))
    throw protocolError(ctx, 'response has no choices[0].message');
  const calls = toolCalls(ctx, choice.message.tool_calls);
  const usage = mapUsage(json.usage);
  const id = str(json.id);
  const responseModel = str(json.model);
  const reasoning = reasoningText(choice.message);
  return {
    message: {
      role: 'assistant',
      content: contentText(choice.message.content),
      ...(calls ? { toolCalls: calls } : {}),
      ...(reasoning
        ? { reasoning: [{ type: 'reasoning', family: OPENAI_CHAT_FAMILY, text: reasoning }] }
        : {}),
    },
    finishReason: mapFinishReason(choice.finish_reason),
    ...(usage ? { usage } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(id ? { id } : {}),
    ...(responseModel ? { responseModel } : {}),
    raw: json,
    wire: { format: 'openai-chat', body: json },
  };
}
