import type { ChatMessage, ContentPart, ToolDefinition } from '../../types/request.js';
import type { ProviderCall } from '../adapter.js';

type JsonObject = Record<string, unknown>;

export interface BodySettings {
  stream: boolean;
  streamUsage: boolean;
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
}

function userContent(content: string | ContentPart[]): string | JsonObject[] {
  if (typeof content === 'string') return content;
  return content.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image_url', image_url: { url: part.url } },
  );
}

/** Assistant turns go back as plain text: servers disagree on accepting parts there. */
function assistantText(content: string | ContentPart[] | null): string | null {
  if (content === null || typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? part.text : '')).join('');
}

function toMessage(message: ChatMessage): JsonObject {
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return {
        role: 'user',
        content: userContent(message.content),
        ...(message.name === undefined ? {} : { name: message.name }),
      };
    case 'assistant': {
      const out: JsonObject = { role: 'assistant', content: assistantText(message.content) };
      if (message.toolCalls?.length) {
        out.tool_calls = message.toolCalls.map((call) => ({
          id: call.id,
          type: 'function',
          function: { name: call.name, arguments: call.arguments },
        }));
      }
      return out;
    }
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function toTool(tool: ToolDefinition): JsonObject {
  const fn: JsonObject = { name: tool.function.name };
  if (tool.function.description !== undefined) fn.description = tool.function.description;
  if (tool.function.parameters !== undefined) fn.parameters = tool.function.parameters;
  return { type: 'function', function: fn };
}

/**
 * The chat-completions body for a call. `providerOptions[provider.id]` is merged last, so it can
 * set anything the request type lacks (`seed`, `logprobs`, `reasoning_effort`) or override a field;
 * only `stream` stays the adapter's, since it decides how the response is read.
 */
export function toChatCompletionsBody(call: ProviderCall, settings: BodySettings): JsonObject {
  const r = call.request;
  const body: JsonObject = { model: call.model.modelId, messages: r.messages.map(toMessage) };
  if (r.maxTokens !== undefined) body[settings.maxTokensField] = r.maxTokens;
  if (r.temperature !== undefined) body.temperature = r.temperature;
  if (r.topP !== undefined) body.top_p = r.topP;
  if (r.stop !== undefined) body.stop = r.stop;
  if (r.tools?.length) body.tools = r.tools.map(toTool);
  if (r.toolChoice !== undefined) body.tool_choice = r.toolChoice;
  if (r.responseFormat !== undefined) body.response_format = r.responseFormat;
  if (r.user !== undefined) body.user = r.user;
  if (settings.stream && settings.streamUsage) body.stream_options = { include_usage: true };
  Object.assign(body, r.providerOptions?.[call.provider.id]);
  if (settings.stream) body.stream = true;
  else delete body.stream;
  return body;
}
