import type { ProviderCall } from '../adapter.js';
import { type JsonObject, isObject } from '../shared/json.js';
import type { BodySettings } from './request.js';

/**
 * The upstream body for a request that came in OpenAI's chat-completions format: the client's body
 * as it was — `seed`, penalties, `logit_bias`, `parallel_tool_calls`, `logprobs`, `reasoning_effort`,
 * `store`, `metadata`, `service_tier`, `max_completion_tokens` under its own name, fields added to
 * the API after this was written — with the catalog's `model`, and every typed field the router or
 * `transformRequest` changed written over it. `stream` / `stream_options` stay the adapter's.
 */
export function chatPassThroughBody(
  call: ProviderCall,
  wire: Readonly<Record<string, unknown>>,
  settings: BodySettings,
): JsonObject {
  const r = call.request;
  const body: JsonObject = { ...wire, model: call.model.modelId };
  delete body.stream;
  delete body.stream_options;
  const wireMax = numberOr(wire.max_completion_tokens) ?? numberOr(wire.max_tokens);
  if (r.maxTokens !== wireMax) {
    // Changed on the way: the adapter's field carries the new value, and only it.
    delete body.max_tokens;
    delete body.max_completion_tokens;
    if (r.maxTokens !== undefined) body[settings.maxTokensField] = r.maxTokens;
  }
  setIfChanged(body, 'temperature', r.temperature);
  setIfChanged(body, 'top_p', r.topP);
  setIfChanged(body, 'stop', r.stop);
  setIfChanged(body, 'tool_choice', r.toolChoice);
  setIfChanged(body, 'response_format', r.responseFormat);
  setIfChanged(body, 'user', r.user);
  setIfChanged(body, 'metadata', r.metadata);
  Object.assign(body, r.providerOptions?.[call.provider.id]);
  if (settings.stream) {
    body.stream = true;
    const clientOptions = isObject(wire.stream_options) ? wire.stream_options : {};
    if (settings.streamUsage) body.stream_options = { ...clientOptions, include_usage: true };
    else if (Object.keys(clientOptions).length > 0) body.stream_options = clientOptions;
  }
  return body;
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/**
 * The typed value wins when it differs from the body's (`null` in the body counts as absent). Deep
 * equality by JSON: the values are small, and equal ones keep the client's spelling.
 */
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
