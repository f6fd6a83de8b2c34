import type {
  LanguageModelV3CallOptions,
  LanguageModelV3FilePart,
  LanguageModelV3Message,
  LanguageModelV3ToolResultOutput,
  SharedV3Warning,
} from '@ai-sdk/provider';
import {
  type ChatMessage,
  type ChatRequest,
  type ContentPart,
  RouterError,
  type ToolCall,
} from 'model-router';
import { toBase64 } from './base64.js';

/** `providerOptions.modelRouter` of an AI SDK call: what the router takes beyond the prompt. */
export interface RouterCallOptions {
  /** Becomes the `requestId` of the result, events and usage records. @default `req_` and a random UUID */
  requestId?: string;
  /** The end user (`ChatRequest.user`); prompt-cache affinity keeps a user's requests together. @default none */
  user?: string;
  /** String pairs for the request (`ChatRequest.metadata`; `user_id` is an affinity key). @default none */
  metadata?: Record<string, string>;
  /** Passed to the adapter of the provider with that id (`ChatRequest.providerOptions`). @default none */
  providerOptions?: Record<string, Record<string, unknown>>;
}

export interface MappedCall {
  request: ChatRequest;
  requestId?: string;
  warnings: SharedV3Warning[];
}

/** An AI SDK call (prompt, settings, tools) as a router `ChatRequest` for the logical model `model`. */
export function toChatRequest(model: string, options: LanguageModelV3CallOptions): MappedCall {
  const warnings: SharedV3Warning[] = [];
  const request: ChatRequest = { model, messages: options.prompt.flatMap(toMessages) };
  if (options.maxOutputTokens !== undefined) request.maxTokens = options.maxOutputTokens;
  if (options.temperature !== undefined) request.temperature = options.temperature;
  if (options.topP !== undefined) request.topP = options.topP;
  if (options.stopSequences?.length) request.stop = options.stopSequences;
  for (const feature of ['topK', 'presencePenalty', 'frequencyPenalty', 'seed'] as const) {
    if (options[feature] !== undefined) warnings.push({ type: 'unsupported', feature });
  }

  const tools = [];
  for (const tool of options.tools ?? []) {
    if (tool.type === 'function') {
      tools.push({
        type: 'function' as const,
        function: {
          name: tool.name,
          ...(tool.description ? { description: tool.description } : {}),
          parameters: tool.inputSchema as Record<string, unknown>,
        },
      });
    } else {
      warnings.push({ type: 'unsupported', feature: `provider tool ${tool.id}` });
    }
  }
  if (tools.length) request.tools = tools;
  const choice = options.toolChoice;
  if (choice) {
    request.toolChoice =
      choice.type === 'tool' ? { type: 'function', function: { name: choice.toolName } } : choice.type;
  }

  const format = options.responseFormat;
  if (format?.type === 'json') {
    request.responseFormat = format.schema
      ? {
          type: 'json_schema',
          json_schema: { name: format.name ?? 'response', schema: format.schema as Record<string, unknown> },
        }
      : { type: 'json_object' };
  }

  const own = (options.providerOptions?.modelRouter ?? {}) as RouterCallOptions;
  if (typeof own.user === 'string') request.user = own.user;
  if (own.metadata) request.metadata = own.metadata;
  if (own.providerOptions) request.providerOptions = own.providerOptions;
  return { request, warnings, ...(typeof own.requestId === 'string' ? { requestId: own.requestId } : {}) };
}

function toMessages(message: LanguageModelV3Message): ChatMessage[] {
  switch (message.role) {
    case 'system':
      return [{ role: 'system', content: message.content }];
    case 'user': {
      const parts: ContentPart[] = message.content.map((p) =>
        p.type === 'text' ? { type: 'text', text: p.text } : imagePart(p),
      );
      const textOnly = parts.every((p) => p.type === 'text');
      return [
        { role: 'user', content: textOnly ? parts.map((p) => (p as { text: string }).text).join('') : parts },
      ];
    }
    case 'assistant': {
      let text = '';
      const toolCalls: ToolCall[] = [];
      for (const p of message.content) {
        if (p.type === 'text') text += p.text;
        else if (p.type === 'tool-call' && !p.providerExecuted) {
          toolCalls.push({ id: p.toolCallId, name: p.toolName, arguments: JSON.stringify(p.input ?? {}) });
        }
        // Reasoning, files and provider-executed tool results are not sent back.
      }
      return [
        {
          role: 'assistant',
          content: text || (toolCalls.length ? null : ''),
          ...(toolCalls.length ? { toolCalls } : {}),
        },
      ];
    }
    case 'tool':
      return message.content.flatMap((p) =>
        p.type === 'tool-result'
          ? [{ role: 'tool' as const, toolCallId: p.toolCallId, content: outputText(p.output) }]
          : [],
      );
  }
}

function imagePart(p: LanguageModelV3FilePart): ContentPart {
  if (!p.mediaType.startsWith('image/')) {
    throw new RouterError(
      'VALIDATION',
      `Unsupported file part of type ${p.mediaType}: only images can be routed`,
      {
        details: { field: 'prompt', mediaType: p.mediaType },
      },
    );
  }
  const url =
    p.data instanceof URL
      ? p.data.href
      : typeof p.data === 'string'
        ? /^(https?:|data:)/i.test(p.data)
          ? p.data
          : `data:${p.mediaType};base64,${p.data}`
        : `data:${p.mediaType};base64,${toBase64(p.data)}`;
  return { type: 'image', url, mediaType: p.mediaType };
}

function outputText(output: LanguageModelV3ToolResultOutput): string {
  switch (output.type) {
    case 'text':
    case 'error-text':
      return output.value;
    case 'json':
    case 'error-json':
      return JSON.stringify(output.value);
    case 'execution-denied':
      return `Tool execution denied${output.reason ? `: ${output.reason}` : ''}`;
    case 'content':
      return output.value.map((v) => (v.type === 'text' ? v.text : '')).join('');
  }
}
