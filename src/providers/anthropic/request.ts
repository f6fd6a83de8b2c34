import type { ChatMessage, ChatRequest, ToolDefinition } from '../../types/request.js';
import type { ProviderCall } from '../adapter.js';
import { type CallContext, providerError } from '../shared/context.js';
import { type JsonObject, isObject } from '../shared/json.js';
import { Warnings } from '../shared/warnings.js';
import { cacheField, contentBlocks, maxTokensOf, toToolChoice } from './blocks.js';
import { passThroughBody } from './pass-through.js';

type Role = 'user' | 'assistant';
interface Turn {
  role: Role;
  content: JsonObject[];
}

/** `tool_use.input` must be an object; the router's history holds the model's JSON text. */
function toolInput(ctx: CallContext, name: string, args: string): JsonObject {
  if (args.trim() === '') return {};
  let input: unknown;
  try {
    input = JSON.parse(args);
  } catch (cause) {
    throw providerError(ctx, {
      kind: 'bad_request',
      message: `anthropic: the arguments of tool call "${name}" in the history are not valid JSON`,
      cause,
    });
  }
  if (!isObject(input)) {
    throw providerError(ctx, {
      kind: 'bad_request',
      message: `anthropic: the arguments of tool call "${name}" in the history are not a JSON object`,
    });
  }
  return input;
}

/**
 * System messages (wherever they are) → the top-level `system`; tool results → `tool_result`
 * blocks in a user turn; assistant tool calls → `tool_use` blocks. Consecutive turns of one role
 * are merged, since every tool result of a turn must come in the one user message after it.
 */
export function toAnthropicMessages(
  ctx: CallContext,
  messages: readonly ChatMessage[],
  warnings: Warnings = new Warnings(),
): { system: JsonObject[]; turns: Turn[] } {
  const system: JsonObject[] = [];
  const turns: Turn[] = [];
  const push = (role: Role, blocks: JsonObject[]): void => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((message, i) => {
    const field = `messages[${i}].content`;
    switch (message.role) {
      case 'system':
        system.push({ type: 'text', text: message.content, ...cacheField(message.cacheControl) });
        break;
      case 'user':
        push('user', contentBlocks(message.content, warnings, field));
        break;
      case 'assistant':
        push('assistant', [
          ...contentBlocks(message.content, warnings, field),
          ...(message.toolCalls ?? []).map((call) => ({
            type: 'tool_use',
            id: call.id,
            name: call.name,
            input: toolInput(ctx, call.name, call.arguments),
          })),
        ]);
        break;
      case 'tool':
        push('user', [
          {
            type: 'tool_result',
            tool_use_id: message.toolCallId,
            content: message.content,
            ...(message.isError ? { is_error: true } : {}),
            ...cacheField(message.cacheControl),
          },
        ]);
        break;
    }
  });
  return { system, turns };
}

export function toTool(tool: ToolDefinition): JsonObject {
  return {
    name: tool.function.name,
    ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
    ...cacheField(tool.cacheControl),
  };
}

/** The top-level `system`: a string as before, blocks when any system block carries a cache hint. */
function systemField(blocks: JsonObject[]): string | JsonObject[] {
  if (blocks.some((b) => b.cache_control !== undefined)) return blocks;
  return blocks.map((b) => b.text as string).join('\n\n');
}

/**
 * The Messages API body for a call, and what had to be left out of it. A request that came in
 * Anthropic's own wire format is passed through (see `passThroughBody`); any other is translated.
 * `responseFormat` has no Messages API equivalent and is not sent; `providerOptions[provider.id]` is
 * merged last (`thinking`, `service_tier`, …), and only `stream` stays the adapter's.
 */
export function toMessagesBody(
  ctx: CallContext,
  call: ProviderCall,
  settings: { stream: boolean; defaultMaxTokens: number },
): { body: JsonObject; warnings: Warnings } {
  const r = call.request;
  const warnings = new Warnings();
  const body =
    r.wire?.format === 'anthropic-messages'
      ? passThroughBody(call, r.wire.body, settings.defaultMaxTokens)
      : translatedBody(ctx, call, r, settings.defaultMaxTokens, warnings);
  Object.assign(body, r.providerOptions?.[call.provider.id]);
  if (settings.stream) body.stream = true;
  else delete body.stream;
  return { body, warnings };
}

function translatedBody(
  ctx: CallContext,
  call: ProviderCall,
  r: Readonly<ChatRequest>,
  defaultMaxTokens: number,
  warnings: Warnings,
): JsonObject {
  const { system, turns } = toAnthropicMessages(ctx, r.messages, warnings);
  const body: JsonObject = {
    model: call.model.modelId,
    max_tokens: maxTokensOf(call, defaultMaxTokens),
    messages: turns,
  };
  if (system.length > 0) body.system = systemField(system);
  if (r.temperature !== undefined) body.temperature = r.temperature;
  if (r.topP !== undefined) body.top_p = r.topP;
  if (r.topK !== undefined) body.top_k = r.topK;
  if (r.stop !== undefined) body.stop_sequences = typeof r.stop === 'string' ? [r.stop] : r.stop;
  if (r.tools?.length) body.tools = r.tools.map(toTool);
  if (r.toolChoice !== undefined) body.tool_choice = toToolChoice(r.toolChoice);
  if (r.user !== undefined) body.metadata = { user_id: r.user };
  return body;
}
