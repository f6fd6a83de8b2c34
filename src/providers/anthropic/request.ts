import type { ChatMessage, ContentPart, ToolChoice, ToolDefinition } from '../../types/request.js';
import type { ProviderCall } from '../adapter.js';
import { type CallContext, providerError } from '../shared/context.js';
import { type JsonObject, isObject } from '../shared/json.js';

type Role = 'user' | 'assistant';
interface Turn {
  role: Role;
  content: JsonObject[];
}

function imageBlock(part: Extract<ContentPart, { type: 'image' }>): JsonObject {
  const data = /^data:([^;,]+);base64,(.*)$/s.exec(part.url);
  if (data) return { type: 'image', source: { type: 'base64', media_type: data[1], data: data[2] } };
  return { type: 'image', source: { type: 'url', url: part.url } };
}

function contentBlocks(content: string | ContentPart[] | null): JsonObject[] {
  if (content === null) return [];
  const parts: ContentPart[] = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  // Anthropic refuses empty text blocks.
  return parts
    .filter((part) => part.type !== 'text' || part.text !== '')
    .map((part) => (part.type === 'text' ? { type: 'text', text: part.text } : imageBlock(part)));
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
): { system: string[]; turns: Turn[] } {
  const system: string[] = [];
  const turns: Turn[] = [];
  const push = (role: Role, blocks: JsonObject[]): void => {
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        system.push(message.content);
        break;
      case 'user':
        push('user', contentBlocks(message.content));
        break;
      case 'assistant':
        push('assistant', [
          ...contentBlocks(message.content),
          ...(message.toolCalls ?? []).map((call) => ({
            type: 'tool_use',
            id: call.id,
            name: call.name,
            input: toolInput(ctx, call.name, call.arguments),
          })),
        ]);
        break;
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: message.toolCallId, content: message.content }]);
        break;
    }
  }
  return { system, turns };
}

function toTool(tool: ToolDefinition): JsonObject {
  return {
    name: tool.function.name,
    ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
    input_schema: tool.function.parameters ?? { type: 'object', properties: {} },
  };
}

function toToolChoice(choice: ToolChoice): JsonObject {
  if (choice === 'auto') return { type: 'auto' };
  if (choice === 'required') return { type: 'any' };
  if (choice === 'none') return { type: 'none' };
  return { type: 'tool', name: choice.function.name };
}

/**
 * The Messages API body for a call. `responseFormat` has no Messages API equivalent and is not
 * sent; `providerOptions[provider.id]` is merged last (`thinking`, `top_k`, `service_tier`, …),
 * and only `stream` stays the adapter's.
 */
export function toMessagesBody(
  ctx: CallContext,
  call: ProviderCall,
  settings: { stream: boolean; defaultMaxTokens: number },
): JsonObject {
  const r = call.request;
  const { system, turns } = toAnthropicMessages(ctx, r.messages);
  const body: JsonObject = {
    model: call.model.modelId,
    max_tokens: r.maxTokens ?? call.model.maxOutputTokens ?? settings.defaultMaxTokens,
    messages: turns,
  };
  if (system.length > 0) body.system = system.join('\n\n');
  if (r.temperature !== undefined) body.temperature = r.temperature;
  if (r.topP !== undefined) body.top_p = r.topP;
  if (r.stop !== undefined) body.stop_sequences = typeof r.stop === 'string' ? [r.stop] : r.stop;
  if (r.tools?.length) body.tools = r.tools.map(toTool);
  if (r.toolChoice !== undefined) body.tool_choice = toToolChoice(r.toolChoice);
  if (r.user !== undefined) body.metadata = { user_id: r.user };
  Object.assign(body, r.providerOptions?.[call.provider.id]);
  if (settings.stream) body.stream = true;
  else delete body.stream;
  return body;
}
