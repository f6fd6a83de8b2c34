import type { AssistantContentPart, ChatMessage, ContentPart, ToolDefinition } from '../../types/request.js';
import type { ProviderCall } from '../adapter.js';
import { parseDataUrl } from '../shared/data-url.js';
import { Warnings } from '../shared/warnings.js';
import { chatPassThroughBody } from './pass-through.js';

type JsonObject = Record<string, unknown>;

/** The reasoning family of chat-completions servers (`reasoning_content`: DeepSeek, vLLM, Ollama). */
export const OPENAI_CHAT_FAMILY = 'openai-chat';

export interface BodySettings {
  stream: boolean;
  streamUsage: boolean;
  maxTokensField: 'max_tokens' | 'max_completion_tokens';
  /** Send this family's `reasoning_content` back on assistant turns with tool calls (DeepSeek). */
  reasoningOnToolCalls?: boolean;
  /** Fields sent on every request, under the request's own. */
  defaults?: Record<string, unknown>;
}

/** The `reasoning_content` of an assistant turn: the text of its reasoning parts of this family. */
function ownReasoning(content: string | AssistantContentPart[] | null): string | undefined {
  if (content === null || typeof content === 'string') return undefined;
  let text = '';
  for (const part of content) {
    if (part.type === 'reasoning' && part.family === OPENAI_CHAT_FAMILY && part.text) text += part.text;
  }
  return text === '' ? undefined : text;
}

function filePart(part: Extract<ContentPart, { type: 'file' }>, warnings: Warnings, field: string) {
  if (!parseDataUrl(part.url)) {
    warnings.add('field_dropped', 'a document given by URL cannot be sent to chat completions', field);
    return undefined;
  }
  return { type: 'file', file: { file_data: part.url, ...(part.name ? { filename: part.name } : {}) } };
}

/** Cache hints are left out: OpenAI-compatible servers cache prompt prefixes on their own. */
function userContent(
  content: string | ContentPart[],
  warnings: Warnings,
  field: string,
): string | JsonObject[] {
  if (typeof content === 'string') return content;
  const out: JsonObject[] = [];
  content.forEach((part, i) => {
    if (part.type === 'text') out.push({ type: 'text', text: part.text });
    else if (part.type === 'image') out.push({ type: 'image_url', image_url: { url: part.url } });
    else {
      const file = filePart(part, warnings, `${field}[${i}]`);
      if (file) out.push(file);
    }
  });
  return out;
}

/**
 * Assistant turns go back as plain text: servers disagree on accepting parts there. Reasoning is
 * never sent back: reasoning of another family cannot be read here (a warning says so), and
 * chat-completions servers ask that their own `reasoning_content` not be returned.
 */
function assistantText(
  content: string | AssistantContentPart[] | null,
  warnings: Warnings,
  field: string,
): string | null {
  if (content === null || typeof content === 'string') return content;
  let text = '';
  content.forEach((part, i) => {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'reasoning' && part.family !== OPENAI_CHAT_FAMILY) {
      warnings.add(
        'reasoning_dropped',
        `reasoning from the "${part.family}" family cannot be sent to a chat-completions model and was left out`,
        `${field}[${i}]`,
      );
    }
  });
  return text;
}

function toMessage(message: ChatMessage, warnings: Warnings, i: number, settings: BodySettings): JsonObject {
  const field = `messages[${i}].content`;
  switch (message.role) {
    case 'system':
      return { role: 'system', content: message.content };
    case 'user':
      return {
        role: 'user',
        content: userContent(message.content, warnings, field),
        ...(message.name === undefined ? {} : { name: message.name }),
      };
    case 'assistant': {
      const out: JsonObject = { role: 'assistant', content: assistantText(message.content, warnings, field) };
      if (message.toolCalls?.length && settings.reasoningOnToolCalls) {
        const reasoning = ownReasoning(message.content);
        if (reasoning !== undefined) out.reasoning_content = reasoning;
      }
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
 * The chat-completions body for a call, and what had to be left out of it. `providerOptions[provider.id]`
 * is merged last, so it can set anything the request type lacks (`seed`, `logprobs`,
 * `reasoning_effort`, `top_k` for servers that take it) or override a field; only `stream` stays the
 * adapter's, since it decides how the response is read.
 */
export function toChatCompletionsBody(
  call: ProviderCall,
  settings: BodySettings,
): { body: JsonObject; warnings: Warnings } {
  const r = call.request;
  const warnings = new Warnings();
  if (r.wire?.format === 'openai-chat')
    return { body: chatPassThroughBody(call, r.wire.body, settings), warnings };
  const body: JsonObject = {
    ...settings.defaults,
    model: call.model.modelId,
    messages: r.messages.map((m, i) => toMessage(m, warnings, i, settings)),
  };
  if (r.maxTokens !== undefined) body[settings.maxTokensField] = r.maxTokens;
  if (r.temperature !== undefined) body.temperature = r.temperature;
  if (r.topP !== undefined) body.top_p = r.topP;
  if (r.topK !== undefined && r.providerOptions?.[call.provider.id]?.top_k === undefined)
    warnings.add('field_dropped', 'top_k is not a chat-completions parameter and was left out', 'top_k');
  if (r.stop !== undefined) body.stop = r.stop;
  if (r.tools?.length) body.tools = r.tools.map(toTool);
  if (r.toolChoice !== undefined) body.tool_choice = r.toolChoice;
  if (r.responseFormat !== undefined) body.response_format = r.responseFormat;
  if (r.user !== undefined) body.user = r.user;
  if (settings.stream && settings.streamUsage) body.stream_options = { include_usage: true };
  Object.assign(body, r.providerOptions?.[call.provider.id]);
  if (settings.stream) body.stream = true;
  else delete body.stream;
  return { body, warnings };
}
