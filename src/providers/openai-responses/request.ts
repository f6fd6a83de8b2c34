import type { AssistantContentPart, ChatMessage, ChatRequest, ContentPart } from '../../types/request.js';
import type { ProviderCall } from '../adapter.js';
import { type JsonObject, isObject } from '../shared/json.js';
import { Warnings } from '../shared/warnings.js';

/** The reasoning family of the Responses API: reasoning items, their `encrypted_content` as `data`. */
export const OPENAI_RESPONSES_FAMILY = 'openai';

/** What the relay is: stateless. Reasoning comes back encrypted, to be sent again next turn. */
const ENCRYPTED_REASONING = 'reasoning.encrypted_content';

/**
 * The body of `POST /responses`. A request that came in the Responses format (`wire`) is passed
 * through: the client's body as it was — `reasoning`, `include`, `store`, hosted tools, encrypted
 * reasoning items of earlier turns, fields added later — with the catalog's `model`, the adapter's
 * `stream`, and typed fields the router or `transformRequest` changed written over it. Any other
 * request is translated, statelessly: `store: false` and the encrypted reasoning included, so that
 * the reasoning items of one turn can be sent back on the next.
 */
export function toResponsesBody(
  call: ProviderCall,
  stream: boolean,
): { body: JsonObject; warnings: Warnings } {
  const warnings = new Warnings();
  const r = call.request;
  const wire = r.wire?.format === 'openai-responses' ? r.wire.body : undefined;
  const body = wire ? passThrough(r, wire) : translate(r, warnings);
  body.model = call.model.modelId;
  if (stream) body.stream = true;
  else delete body.stream;
  Object.assign(body, r.providerOptions?.[call.provider.id]);
  return { body, warnings };
}

function passThrough(r: Readonly<ChatRequest>, wire: Readonly<Record<string, unknown>>): JsonObject {
  const body: JsonObject = { ...wire };
  setIfChanged(body, 'max_output_tokens', r.maxTokens);
  setIfChanged(body, 'temperature', r.temperature);
  setIfChanged(body, 'top_p', r.topP);
  setIfChanged(body, 'user', r.user);
  setIfChanged(body, 'metadata', r.metadata);
  return body;
}

/** The typed value wins when it differs from the body's (`null` in the body counts as absent). */
function setIfChanged(body: JsonObject, key: string, value: unknown): void {
  const current = body[key] === null ? undefined : body[key];
  if (value === undefined) {
    if (current !== undefined) delete body[key];
    return;
  }
  if (current === value) return;
  if (typeof value === 'object' && JSON.stringify(current) === JSON.stringify(value)) return;
  body[key] = value;
}

function translate(r: Readonly<ChatRequest>, warnings: Warnings): JsonObject {
  const input: JsonObject[] = [];
  r.messages.forEach((m, i) => {
    appendMessage(m, `messages[${i}]`, input, warnings);
  });
  const body: JsonObject = { input, store: false, include: [ENCRYPTED_REASONING] };
  if (r.maxTokens !== undefined) body.max_output_tokens = r.maxTokens;
  if (r.temperature !== undefined) body.temperature = r.temperature;
  if (r.topP !== undefined) body.top_p = r.topP;
  if (r.user !== undefined) body.user = r.user;
  if (r.metadata !== undefined) body.metadata = r.metadata;
  if (r.topK !== undefined) warnings.add('field_dropped', 'top_k has no Responses equivalent', 'topK');
  if (r.stop !== undefined) warnings.add('field_dropped', 'stop has no Responses equivalent', 'stop');
  if (r.tools?.length) {
    body.tools = r.tools.map((t) => ({
      type: 'function',
      name: t.function.name,
      ...(t.function.description !== undefined ? { description: t.function.description } : {}),
      parameters: t.function.parameters ?? { type: 'object', properties: {} },
    }));
  }
  const choice = r.toolChoice;
  if (choice !== undefined)
    body.tool_choice = typeof choice === 'string' ? choice : { type: 'function', name: choice.function.name };
  const f = r.responseFormat;
  if (f && f.type !== 'text') {
    body.text = {
      format:
        f.type === 'json_schema'
          ? {
              type: 'json_schema',
              name: f.json_schema.name,
              schema: f.json_schema.schema ?? {},
              ...(f.json_schema.strict !== undefined ? { strict: f.json_schema.strict } : {}),
            }
          : { type: 'json_object' },
    };
  }
  return body;
}

function appendMessage(m: ChatMessage, field: string, input: JsonObject[], warnings: Warnings): void {
  switch (m.role) {
    case 'system':
      input.push({ role: 'system', content: m.content });
      return;
    case 'user':
      input.push({
        role: 'user',
        content: typeof m.content === 'string' ? m.content : m.content.map(userPart),
      });
      return;
    case 'tool':
      input.push({ type: 'function_call_output', call_id: m.toolCallId, output: m.content });
      return;
    case 'assistant': {
      const parts: AssistantContentPart[] =
        m.content === null
          ? []
          : typeof m.content === 'string'
            ? [{ type: 'text', text: m.content }]
            : m.content;
      let text = '';
      parts.forEach((p, j) => {
        if (p.type === 'text') text += p.text;
        else if (p.type === 'reasoning') {
          if (p.family !== OPENAI_RESPONSES_FAMILY || !p.data) {
            warnings.add(
              'reasoning_dropped',
              `reasoning from the "${p.family}" family cannot be sent to a Responses model and was left out`,
              `${field}.content[${j}]`,
            );
            return;
          }
          // Encrypted reasoning of an earlier turn goes back as the item it came as.
          input.push({
            type: 'reasoning',
            ...(p.id ? { id: p.id } : {}),
            summary: p.text ? [{ type: 'summary_text', text: p.text }] : [],
            encrypted_content: p.data,
          });
        }
      });
      if (text !== '')
        input.push({ role: 'assistant', content: [{ type: 'output_text', text, annotations: [] }] });
      for (const c of m.toolCalls ?? [])
        input.push({ type: 'function_call', call_id: c.id, name: c.name, arguments: c.arguments });
      return;
    }
  }
}

function userPart(p: ContentPart): JsonObject {
  if (p.type === 'text') return { type: 'input_text', text: p.text };
  if (p.type === 'image') return { type: 'input_image', image_url: p.url, detail: 'auto' };
  const isData = p.url.startsWith('data:');
  return {
    type: 'input_file',
    ...(isData ? { file_data: p.url } : { file_url: p.url }),
    ...(p.name ? { filename: p.name } : {}),
  };
}

export function isResponsesWire(request: Readonly<ChatRequest>): boolean {
  return request.wire?.format === 'openai-responses' && isObject(request.wire.body);
}
