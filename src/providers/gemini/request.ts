import type {
  AssistantContentPart,
  ChatMessage,
  ContentPart,
  ToolChoice,
  ToolDefinition,
} from '../../types/request.js';
import type { ProviderCall } from '../adapter.js';
import { type CallContext, providerError } from '../shared/context.js';
import { type JsonObject, isObject } from '../shared/json.js';
import { dataUrl, imageMediaType, toolArgumentsObject, toolResultObject } from '../shared/tool-arguments.js';
import { Warnings } from '../shared/warnings.js';

/**
 * The reasoning family of `generateContent` models (Gemini API and Vertex serve the same models):
 * a reasoning part of this family carries a `thoughtSignature` — with `id` = the tool call's id
 * when the signature belongs to a function call, without one when it belongs to the text.
 */
export const GEMINI_FAMILY = 'gemini';

/**
 * Google's documented value for a function call whose real signature is unknown (a history from
 * another model): Gemini 3 then skips signature validation instead of refusing the request.
 */
export const PLACEHOLDER_SIGNATURE = 'skip_thought_signature_validator';

type Role = 'user' | 'model';
interface Content {
  role: Role;
  parts: JsonObject[];
}

function mediaPart(part: Extract<ContentPart, { type: 'image' | 'file' }>): JsonObject {
  const inline = dataUrl(part.url);
  if (inline) return { inlineData: { mimeType: inline.mediaType, data: inline.data } };
  // gs:// URIs (Vertex), Files API URIs and https URLs.
  const mimeType =
    part.type === 'image' ? imageMediaType(part.url, part.mediaType) : (part.mediaType ?? 'application/pdf');
  return { fileData: { mimeType, fileUri: part.url } };
}

/** Cache hints are left out: Gemini caches prompt prefixes on its own (or through `cachedContent`). */
function userParts(content: string | ContentPart[]): JsonObject[] {
  const parts: ContentPart[] = typeof content === 'string' ? [{ type: 'text', text: content }] : content;
  return parts
    .filter((part) => part.type !== 'text' || part.text !== '')
    .map((part) => (part.type === 'text' ? { text: part.text } : mediaPart(part)));
}

/** An assistant turn's text, and the signatures of our family it carries (by tool-call id; text's under ''). */
function assistantParts(
  content: string | AssistantContentPart[] | null,
  warnings: Warnings,
  field: string,
): { text: string; signatures: Map<string, string> } {
  const signatures = new Map<string, string>();
  if (content === null || typeof content === 'string') return { text: content ?? '', signatures };
  let text = '';
  content.forEach((part, i) => {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'reasoning') {
      if (part.family !== GEMINI_FAMILY) {
        warnings.add(
          'reasoning_dropped',
          `reasoning from the "${part.family}" family cannot be sent to a Gemini model and was left out`,
          `${field}[${i}]`,
        );
      } else if (part.signature) signatures.set(part.id ?? '', part.signature);
      // Thought summaries themselves are never sent back: Gemini reads only the signatures.
    }
  });
  return { text, signatures };
}

/**
 * Messages → `systemInstruction` and `contents`. Tool results become `functionResponse` parts in
 * a user turn, named after the call they answer (Gemini matches by name); consecutive turns of one
 * role are merged, since the answers to parallel calls must come in one turn.
 */
export function toContents(
  ctx: CallContext,
  messages: readonly ChatMessage[],
  placeholder: boolean,
  warnings: Warnings = new Warnings(),
): { system: string[]; contents: Content[] } {
  const system: string[] = [];
  const contents: Content[] = [];
  const callNames = new Map<string, string>();
  const push = (role: Role, parts: JsonObject[]): void => {
    if (parts.length === 0) return;
    const last = contents.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else contents.push({ role, parts });
  };
  messages.forEach((message, m) => {
    switch (message.role) {
      case 'system':
        system.push(message.content);
        break;
      case 'user':
        push('user', userParts(message.content));
        break;
      case 'assistant': {
        const parts: JsonObject[] = [];
        const { text, signatures } = assistantParts(message.content, warnings, `messages[${m}].content`);
        const textSignature = signatures.get('');
        if (text !== '') parts.push({ text, ...(textSignature ? { thoughtSignature: textSignature } : {}) });
        for (const call of message.toolCalls ?? []) {
          callNames.set(call.id, call.name);
          const signature = signatures.get(call.id) ?? (placeholder ? PLACEHOLDER_SIGNATURE : undefined);
          parts.push({
            functionCall: { name: call.name, args: toolArgumentsObject(ctx, call.name, call.arguments) },
            ...(signature ? { thoughtSignature: signature } : {}),
          });
        }
        push('model', parts);
        break;
      }
      case 'tool': {
        const name = callNames.get(message.toolCallId);
        if (name === undefined) {
          throw providerError(ctx, {
            kind: 'bad_request',
            message: `${ctx.adapter}: a tool result answers no tool call of an earlier assistant message`,
          });
        }
        const response = message.isError ? { error: message.content } : toolResultObject(message.content);
        push('user', [{ functionResponse: { name, response } }]);
        break;
      }
    }
  });
  return { system, contents };
}

function toTool(tool: ToolDefinition): JsonObject {
  return {
    name: tool.function.name,
    ...(tool.function.description === undefined ? {} : { description: tool.function.description }),
    // Full JSON Schema (the `parameters` field takes only an OpenAPI subset).
    ...(tool.function.parameters === undefined ? {} : { parametersJsonSchema: tool.function.parameters }),
  };
}

function toToolConfig(choice: ToolChoice): JsonObject {
  if (choice === 'auto') return { functionCallingConfig: { mode: 'AUTO' } };
  if (choice === 'none') return { functionCallingConfig: { mode: 'NONE' } };
  if (choice === 'required') return { functionCallingConfig: { mode: 'ANY' } };
  return { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: [choice.function.name] } };
}

/**
 * The `generateContent` body. `providerOptions[provider.id]` is merged last (`safetySettings`,
 * `cachedContent`, `labels`, …); its `generationConfig` (`thinkingConfig`, `topK`, `seed`, …) is
 * merged into the one built here.
 */
export function toGenerateContentBody(
  ctx: CallContext,
  call: ProviderCall,
  settings: { placeholderSignatures: boolean },
): { body: JsonObject; warnings: Warnings } {
  const r = call.request;
  const warnings = new Warnings();
  const { system, contents } = toContents(ctx, r.messages, settings.placeholderSignatures, warnings);
  const body: JsonObject = { contents };
  if (system.length > 0) body.systemInstruction = { parts: [{ text: system.join('\n\n') }] };
  const config: JsonObject = {};
  if (r.maxTokens !== undefined) config.maxOutputTokens = r.maxTokens;
  if (r.temperature !== undefined) config.temperature = r.temperature;
  if (r.topP !== undefined) config.topP = r.topP;
  if (r.topK !== undefined) config.topK = r.topK;
  if (r.stop !== undefined) config.stopSequences = typeof r.stop === 'string' ? [r.stop] : r.stop;
  if (r.responseFormat?.type === 'json_object') config.responseMimeType = 'application/json';
  if (r.responseFormat?.type === 'json_schema') {
    config.responseMimeType = 'application/json';
    if (r.responseFormat.json_schema.schema) config.responseJsonSchema = r.responseFormat.json_schema.schema;
  }
  if (r.tools?.length) body.tools = [{ functionDeclarations: r.tools.map(toTool) }];
  if (r.toolChoice !== undefined) body.toolConfig = toToolConfig(r.toolChoice);
  const extra = r.providerOptions?.[call.provider.id] ?? {};
  const { generationConfig, ...rest } = extra;
  Object.assign(config, isObject(generationConfig) ? generationConfig : {});
  if (Object.keys(config).length > 0) body.generationConfig = config;
  Object.assign(body, rest);
  return { body, warnings };
}
