import type { Clock } from '../../util/clock.js';
import type { ProviderCall } from '../adapter.js';
import { createContext, protocolError } from '../shared/context.js';
import { errorFromBody, isErrorBody, postJson, readJson } from '../shared/http.js';
import { type JsonObject, count, isObject } from '../shared/json.js';
import type { ResolvedLimits } from '../shared/limits.js';
import type { HttpFetch } from '../shared/transport.js';
import { joinUrl } from '../shared/url.js';
import { toMessagesBody } from './request.js';

/** The fields `/v1/messages/count_tokens` takes from a Messages body (it refuses the others). */
const COUNTED = ['model', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'mcp_servers'];

export interface CountSettings {
  fetch: HttpFetch | undefined;
  limits: ResolvedLimits;
  clock: Clock;
  baseURL: string;
  defaultMaxTokens: number;
  headers(call: ProviderCall): Record<string, string>;
}

/**
 * POST `${baseURL}/messages/count_tokens`. A request that came in Anthropic's format is counted as
 * its client sent it (a `count_tokens` body is passed through with the catalog's model); any other is
 * translated as for a message and cut to the fields the endpoint takes.
 */
export async function countMessageTokens(
  call: ProviderCall,
  settings: CountSettings,
): Promise<{ inputTokens: number }> {
  const ctx = createContext('anthropic', call, settings);
  const { body } = toMessagesBody(ctx, call, { stream: false, defaultMaxTokens: settings.defaultMaxTokens });
  const counted: JsonObject = {};
  const wire = call.request.wire;
  const keep = wire?.format === 'anthropic-messages' ? Object.keys(wire.body) : COUNTED;
  for (const key of keep)
    if (key !== 'max_tokens' && key !== 'stream' && body[key] !== undefined) counted[key] = body[key];
  counted.model = call.model.modelId;
  const url = joinUrl(call.provider.baseUrl ?? settings.baseURL, 'messages/count_tokens');
  const response = await postJson(ctx, url, settings.headers(call), counted);
  const json = await readJson(ctx, response);
  if (isErrorBody(json)) throw errorFromBody(ctx, json);
  const tokens = isObject(json) ? count(json.input_tokens) : undefined;
  if (tokens === undefined || !Number.isSafeInteger(tokens))
    throw protocolError(ctx, 'count_tokens answered no input_tokens');
  return { inputTokens: tokens };
}
