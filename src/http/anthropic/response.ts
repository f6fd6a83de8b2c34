import { isJsonObject } from '../json-object.js';
import type { CompletionResult, FinishReason, RouterWarning, Usage } from 'model-router';

type Json = Record<string, unknown>;

const STOP_REASONS = new Set([
  'end_turn',
  'max_tokens',
  'stop_sequence',
  'tool_use',
  'pause_turn',
  'refusal',
]);

/** Anthropic's `stop_reason`: the upstream's own when it is one, else from the unified reason. */
export function toStopReason(reason: FinishReason): string {
  if (reason.raw !== undefined && STOP_REASONS.has(reason.raw)) return reason.raw;
  switch (reason.unified) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Anthropic counts uncached input apart from cache reads and writes; the router's prompt holds all three. */
export function toAnthropicUsage(usage: Usage): Json {
  const cacheRead = usage.cachedPromptTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.promptTokens - cacheRead - cacheWrite),
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
    output_tokens: usage.completionTokens,
  };
}

/**
 * The `usage` of a passed-through answer: the upstream's object (server tool use, service tier kept)
 * with each count it sent written over by the router's validated one, so a garbage count never
 * passes on.
 */
export function passedAnthropicUsage(upstream: unknown, usage: Usage): Json {
  const ours = toAnthropicUsage(usage);
  if (!isJsonObject(upstream)) return ours;
  // Only the counts the upstream sent: the event stays as it came, shape for shape.
  const out: Json = { ...upstream };
  for (const key of COUNTS) if (key in upstream) out[key] = ours[key];
  return out;
}

const COUNTS = ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens'];

/**
 * `message_start`'s usage, before the router knows the final counts: a count that is not a
 * non-negative integer becomes 0 (the placeholder Anthropic itself sends; message_delta's counts,
 * the router's, overwrite it in every client).
 */
export function saneStartUsage(upstream: unknown): unknown {
  if (!isJsonObject(upstream)) return upstream;
  const out: Json = { ...upstream };
  for (const key of COUNTS) {
    const v = out[key];
    if (v !== undefined && v !== null && !(Number.isSafeInteger(v) && (v as number) >= 0)) out[key] = 0;
  }
  return out;
}

/** Tool input is an object on Anthropic's side; arguments that are not a JSON object become `{}`. */
export function toolInput(args: string): Json {
  try {
    const v: unknown = JSON.parse(args);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
  } catch {
    return {};
  }
}

/**
 * The Message a client gets. From an Anthropic upstream it is the upstream's own body (blocks,
 * signatures, `stop_sequence`), its usage counts the router's validated ones; from any other it is built from the result:
 * Anthropic-family reasoning as thinking blocks, text, then tool_use blocks.
 */
export function toAnthropicMessage(result: CompletionResult, id: string): Json {
  if (result.wire?.format === 'anthropic-messages' && isMessage(result.wire.body))
    return { ...result.wire.body, usage: passedAnthropicUsage(result.wire.body.usage, result.usage) };
  const content: Json[] = [];
  for (const r of result.message.reasoning ?? []) {
    if (r.family !== 'anthropic') continue; // another family's reasoning means nothing to this client
    if (r.data !== undefined) content.push({ type: 'redacted_thinking', data: r.data });
    else if (r.signature !== undefined)
      content.push({ type: 'thinking', thinking: r.text ?? '', signature: r.signature });
  }
  if (result.message.content !== '') content.push({ type: 'text', text: result.message.content });
  for (const call of result.message.toolCalls ?? []) {
    content.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call.arguments) });
  }
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: result.responseModel ?? result.model.modelId,
    content,
    stop_reason: toStopReason(result.finishReason),
    stop_sequence: null,
    usage: toAnthropicUsage(result.usage),
  };
}

function isMessage(body: unknown): body is Json {
  return typeof body === 'object' && body !== null && (body as Json).type === 'message';
}

/**
 * Warnings as a header: `code (field), …`. Anthropic's Message has no place for them, and a header
 * leaves the body exactly what the SDK expects.
 */
export function warningHeaders(warnings: readonly RouterWarning[]): Record<string, string> {
  if (warnings.length === 0) return {};
  const text = warnings
    .map((w) => (w.field ? `${w.code} (${w.field})` : w.code))
    .join(', ')
    .replace(/[^\x20-\x7e]/g, '?');
  return { 'x-model-router-warnings': text.length > 4000 ? `${text.slice(0, 4000)}...` : text };
}

/** What only Anthropic could honour, as warnings, when another format served. */
export function anthropicOnlyWarnings(only: readonly string[]): RouterWarning[] {
  return only.map((what) => ({
    code: 'field_dropped',
    message: `${what} exists only in Anthropic's format and was not sent to the serving provider`,
    field: what,
  }));
}
