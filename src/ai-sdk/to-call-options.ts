import type {
  LanguageModelV3CallOptions,
  LanguageModelV3FilePart,
  LanguageModelV3FunctionTool,
  LanguageModelV3Message,
  LanguageModelV3TextPart,
  SharedV3ProviderOptions,
} from '@ai-sdk/provider';
import type { AssistantContentPart, ChatMessage, ContentPart, ProviderCall } from 'model-router';

/**
 * A router call as AI SDK v3 call options: the prompt (consecutive tool messages merged, tool names
 * looked up from the assistant's calls), settings, tools, response format and the attempt's signal.
 * `request.providerOptions[provider.id]` is passed as the model's `providerOptions` (keyed by the AI
 * SDK provider's name, e.g. `{ google: { … } }`).
 */
export function toCallOptions(call: ProviderCall): LanguageModelV3CallOptions {
  const r = call.request;
  const options: LanguageModelV3CallOptions = { prompt: toPrompt(r.messages), abortSignal: call.signal };
  if (r.maxTokens !== undefined) options.maxOutputTokens = r.maxTokens;
  if (r.temperature !== undefined) options.temperature = r.temperature;
  if (r.topP !== undefined) options.topP = r.topP;
  if (r.stop !== undefined) options.stopSequences = typeof r.stop === 'string' ? [r.stop] : [...r.stop];
  if (r.tools?.length) {
    options.tools = r.tools.map(
      (t): LanguageModelV3FunctionTool => ({
        type: 'function',
        name: t.function.name,
        ...(t.function.description ? { description: t.function.description } : {}),
        inputSchema: (t.function.parameters ?? {
          type: 'object',
          properties: {},
        }) as LanguageModelV3FunctionTool['inputSchema'],
      }),
    );
  }
  const choice = r.toolChoice;
  if (choice)
    options.toolChoice =
      typeof choice === 'string' ? { type: choice } : { type: 'tool', toolName: choice.function.name };
  const format = r.responseFormat;
  if (format?.type === 'json_object') options.responseFormat = { type: 'json' };
  else if (format?.type === 'json_schema') {
    options.responseFormat = {
      type: 'json',
      name: format.json_schema.name,
      ...(format.json_schema.schema ? { schema: format.json_schema.schema as never } : {}),
    };
  } else if (format?.type === 'text') options.responseFormat = { type: 'text' };
  const own = r.providerOptions?.[call.provider.id];
  if (own) options.providerOptions = own as SharedV3ProviderOptions;
  return options;
}

function toPrompt(messages: readonly ChatMessage[]): LanguageModelV3Message[] {
  const toolNames = new Map<string, string>();
  const prompt: LanguageModelV3Message[] = [];
  for (const m of messages) {
    switch (m.role) {
      case 'system':
        prompt.push({ role: 'system', content: m.content });
        break;
      case 'user':
        prompt.push({ role: 'user', content: userParts(m.content) });
        break;
      case 'assistant': {
        const content: Extract<LanguageModelV3Message, { role: 'assistant' }>['content'] = [];
        const text = typeof m.content === 'string' ? m.content : (m.content ?? []).map(partText).join('');
        if (text) content.push({ type: 'text', text });
        for (const t of m.toolCalls ?? []) {
          toolNames.set(t.id, t.name);
          content.push({
            type: 'tool-call',
            toolCallId: t.id,
            toolName: t.name,
            input: parseArguments(t.arguments),
          });
        }
        prompt.push({ role: 'assistant', content });
        break;
      }
      case 'tool': {
        const part = {
          type: 'tool-result' as const,
          toolCallId: m.toolCallId,
          toolName: toolNames.get(m.toolCallId) ?? '',
          output: { type: 'text' as const, value: m.content },
        };
        const last = prompt.at(-1);
        if (last?.role === 'tool') last.content.push(part);
        else prompt.push({ role: 'tool', content: [part] });
        break;
      }
    }
  }
  return prompt;
}

function userParts(
  content: string | ContentPart[],
): Array<LanguageModelV3TextPart | LanguageModelV3FilePart> {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : imagePart(p)));
}

function imagePart(p: { url: string; mediaType?: string }): LanguageModelV3FilePart {
  const data = /^data:([^;,]+)?(;base64)?,(.*)$/s.exec(p.url);
  if (data) {
    const mediaType = p.mediaType ?? data[1] ?? 'image/*';
    // Base64 stays base64; a percent-encoded data URL is decoded to bytes.
    return {
      type: 'file',
      mediaType,
      data: data[2] ? data[3]! : new TextEncoder().encode(decodeURIComponent(data[3]!)),
    };
  }
  return { type: 'file', mediaType: p.mediaType ?? 'image/*', data: new URL(p.url) };
}

function partText(p: AssistantContentPart): string {
  return p.type === 'text' ? p.text : '';
}

/** Tool-call inputs are JSON objects in the AI SDK prompt; text that is not JSON is passed as it is. */
function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return text;
  }
}
