/** A piece of message content. Text is the common case; images are passed through to adapters. */
export type ContentPart = { type: 'text'; text: string } | { type: 'image'; url: string; mediaType?: string };

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text, as the model produced it. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string | ContentPart[]; name?: string }
  | { role: 'assistant'; content: string | ContentPart[] | null; toolCalls?: ToolCall[] }
  | { role: 'tool'; content: string; toolCallId: string };

export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}

export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | {
      type: 'json_schema';
      json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean };
    };

/** A request for a logical model. */
export interface ChatRequest {
  /** Group name, `providerId/modelId`, or a unique `modelId`; a function for dynamic selection. */
  model?: string | (() => string | Promise<string>);
  messages: ChatMessage[];
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  stop?: string | string[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  responseFormat?: ResponseFormat;
  user?: string;
  metadata?: Record<string, string>;
  /** Passed to the adapter of the provider with that id, untouched. */
  providerOptions?: Record<string, Record<string, unknown>>;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Becomes the `requestId` of the result, the events and every usage record. */
  requestId?: string;
}
