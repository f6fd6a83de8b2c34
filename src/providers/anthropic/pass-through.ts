import type { ProviderCall } from '../adapter.js';
import { type JsonObject, isObject } from '../shared/json.js';
import { maxTokensOf, toToolChoice } from './blocks.js';

/**
 * The upstream body for a request that came in Anthropic's wire format: the client's body as it
 * was — `thinking`, `cache_control` everywhere, earlier turns' signed thinking blocks, fields added
 * to the API after this was written — with the catalog's `model`, and every typed field the router
 * or `transformRequest` changed written over it. A typed field equal to what the body says leaves
 * the body's own spelling alone (`tool_choice.disable_parallel_tool_use` survives).
 */
export function passThroughBody(
  call: ProviderCall,
  wire: Readonly<Record<string, unknown>>,
  defaultMaxTokens: number,
): JsonObject {
  const r = call.request;
  const body: JsonObject = { ...wire, model: call.model.modelId };
  const maxTokens = r.maxTokens ?? (typeof wire.max_tokens === 'number' ? wire.max_tokens : undefined);
  body.max_tokens = maxTokens ?? maxTokensOf(call, defaultMaxTokens);
  setOrDelete(body, 'temperature', r.temperature);
  setOrDelete(body, 'top_p', r.topP);
  setOrDelete(body, 'top_k', r.topK);
  const stop = r.stop === undefined ? undefined : typeof r.stop === 'string' ? [r.stop] : r.stop;
  if (!sameStrings(stop, wire.stop_sequences)) setOrDelete(body, 'stop_sequences', stop);
  const choice = r.toolChoice === undefined ? undefined : toToolChoice(r.toolChoice);
  if (!sameChoice(choice, wire.tool_choice)) setOrDelete(body, 'tool_choice', choice);
  const metadata = isObject(wire.metadata) ? wire.metadata : undefined;
  if (r.user !== metadata?.user_id) {
    const next: JsonObject = { ...metadata };
    if (r.user === undefined) delete next.user_id;
    else next.user_id = r.user;
    setOrDelete(body, 'metadata', Object.keys(next).length > 0 ? next : undefined);
  }
  return body;
}

function setOrDelete(body: JsonObject, key: string, value: unknown): void {
  if (value === undefined) delete body[key];
  else if (body[key] !== value) body[key] = value;
}

function sameStrings(a: readonly string[] | undefined, b: unknown): boolean {
  if (a === undefined) return b === undefined;
  return Array.isArray(b) && a.length === b.length && a.every((s, i) => s === b[i]);
}

function sameChoice(a: JsonObject | undefined, b: unknown): boolean {
  if (a === undefined) return b === undefined;
  return isObject(b) && a.type === b.type && (a.type !== 'tool' || a.name === b.name);
}
