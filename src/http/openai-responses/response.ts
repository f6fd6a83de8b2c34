import { isJsonObject } from '../json-object.js';
import type { CompletionResult, RouterWarning, Usage } from 'model-router';
import { toReasoningItem, wantsEncrypted } from './reasoning-items.js';
import type { ResponsesWireRequest } from './request.js';

/** What every event and the final object of one response share. */
export interface ResponseMeta {
  /** `resp_…` */
  id: string;
  /** Unix seconds. */
  createdAt: number;
  model: string;
  request: ResponsesWireRequest;
}

export function responsesUsage(usage: Usage): Record<string, unknown> {
  return {
    input_tokens: usage.promptTokens,
    input_tokens_details: { cached_tokens: usage.cachedPromptTokens ?? 0 },
    output_tokens: usage.completionTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.totalTokens,
  };
}

/**
 * The `usage` of a passed-through response: the upstream's object with every count written over by
 * the router's validated one (details' other fields kept), so a garbage count never passes on.
 */
export function passedResponsesUsage(upstream: unknown, usage: Usage): Record<string, unknown> {
  const ours = responsesUsage(usage);
  if (!isJsonObject(upstream)) return ours;
  const out: Record<string, unknown> = { ...upstream };
  for (const [key, value] of Object.entries(ours)) {
    const theirs = upstream[key];
    out[key] = isJsonObject(theirs) && isJsonObject(value) ? { ...theirs, ...value } : value;
  }
  return out;
}

/** A passed-through response object with its usage counts the router's (`passedResponsesUsage`). */
export function passedResponse(body: unknown, usage: Usage): unknown {
  if (!isJsonObject(body)) return body;
  return { ...body, usage: passedResponsesUsage(body.usage, usage) };
}

/** The `response` object without its output: what `response.created` and the final object share. */
export function responseShell(
  meta: ResponseMeta,
  status: 'in_progress' | 'completed' | 'incomplete' | 'failed',
): Record<string, unknown> {
  const r = meta.request;
  return {
    id: meta.id,
    object: 'response',
    created_at: meta.createdAt,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: r.instructions ?? null,
    max_output_tokens: r.max_output_tokens ?? null,
    model: meta.model,
    output: [],
    parallel_tool_calls: r.parallel_tool_calls ?? true,
    previous_response_id: null,
    reasoning: { effort: r.reasoning?.effort ?? null, summary: r.reasoning?.summary ?? null },
    store: false,
    temperature: r.temperature ?? null,
    text: { format: r.text?.format ?? { type: 'text' } },
    tool_choice: r.tool_choice ?? 'auto',
    tools: r.tools ?? [],
    top_p: r.top_p ?? null,
    truncation: 'disabled',
    usage: null,
    user: r.user ?? null,
    metadata: r.metadata ?? {},
  };
}

export const messageItemId = (meta: ResponseMeta) => `msg_${meta.id.slice(5)}`;
export const callItemId = (meta: ResponseMeta, index: number) => `fc_${meta.id.slice(5)}_${index}`;
export const reasoningItemId = (meta: ResponseMeta, index: number) => `rs_${meta.id.slice(5)}_${index}`;

/** A whole (non-streamed) `response` object from a router result. */
export function toResponseObject(
  result: CompletionResult,
  meta: ResponseMeta,
  warnings: readonly RouterWarning[],
): Record<string, unknown> {
  const output: Record<string, unknown>[] = [];
  const { content, toolCalls, reasoning } = result.message;
  // Reasoning precedes the answer it led to, as in OpenAI's own output.
  const encrypted = wantsEncrypted(meta.request.include);
  reasoning?.forEach((part, i) => {
    output.push(toReasoningItem(part, reasoningItemId(meta, i), encrypted));
  });
  if (content !== '' || !toolCalls?.length) {
    output.push({
      type: 'message',
      id: messageItemId(meta),
      status: 'completed',
      role: 'assistant',
      content: [{ type: 'output_text', text: content, annotations: [], logprobs: [] }],
    });
  }
  toolCalls?.forEach((call, i) => {
    output.push({
      type: 'function_call',
      id: callItemId(meta, i),
      call_id: call.id,
      name: call.name,
      arguments: call.arguments,
      status: 'completed',
    });
  });
  const incomplete = result.finishReason.unified === 'length';
  return {
    ...responseShell(meta, incomplete ? 'incomplete' : 'completed'),
    ...(incomplete ? { incomplete_details: { reason: 'max_output_tokens' } } : {}),
    output,
    usage: responsesUsage(result.usage),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
