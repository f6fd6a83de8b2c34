import type { RateLimitInfo } from '../../types/rate-limit.js';
import type { EmbedCall, EmbedResponse } from '../adapter.js';
import { type AnyCallContext, createContext, protocolError } from '../shared/context.js';
import { errorFromBody, isErrorBody, postJson, readJson } from '../shared/http.js';
import { isObject, str } from '../shared/json.js';
import type { ResolvedLimits } from '../shared/limits.js';
import { parseRateLimitHeaders } from '../shared/rate-limit-headers.js';
import type { HttpFetch } from '../shared/transport.js';
import { joinUrl } from '../shared/url.js';
import type { Clock } from '../../util/clock.js';
import { mapUsage } from './response.js';

export interface EmbedSettings {
  name: string;
  baseURL: string;
  fetch: HttpFetch | undefined;
  limits: ResolvedLimits;
  clock: Clock;
  headers: Record<string, string>;
}

/** `embed` of an OpenAI-compatible server: POST `${baseURL}/embeddings`. */
export function openaiEmbed(settings: EmbedSettings): (call: EmbedCall) => Promise<EmbedResponse> {
  return async (call) => {
    const ctx = createContext(settings.name, call, settings);
    const headers: Record<string, string> = {
      ...settings.headers,
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (call.apiKey) headers.authorization = `Bearer ${call.apiKey}`;
    const url = joinUrl(call.provider.baseUrl ?? settings.baseURL, 'embeddings');
    const res = await postJson(ctx, url, headers, toEmbeddingsBody(call));
    const rateLimit = parseRateLimitHeaders(res.headers, settings.clock.now());
    return fromEmbeddings(ctx, await readJson(ctx, res), rateLimit, call.request.input.length);
  };
}

/** The wire body; `providerOptions[provider.id]` is merged last (it can set anything). */
export function toEmbeddingsBody(call: EmbedCall): Record<string, unknown> {
  const r = call.request;
  const body: Record<string, unknown> = { model: call.model.modelId, input: r.input };
  // Asking for base64 when the caller does costs nothing and saves a quarter of the transfer
  // only when the caller wants base64 too: float callers get what they asked, untouched.
  if (r.encodingFormat !== undefined) body.encoding_format = r.encodingFormat;
  if (r.dimensions !== undefined) body.dimensions = r.dimensions;
  if (r.user !== undefined) body.user = r.user;
  Object.assign(body, r.providerOptions?.[call.provider.id]);
  return body;
}

/** `{ data: [{ index, embedding }], usage }` → vectors in input order. */
export function fromEmbeddings(
  ctx: AnyCallContext,
  json: unknown,
  rateLimit: RateLimitInfo | undefined,
  count: number,
): EmbedResponse {
  if (isErrorBody(json)) throw errorFromBody(ctx, json, rateLimit);
  if (!isObject(json) || !Array.isArray(json.data)) throw protocolError(ctx, 'response has no data array');
  if (json.data.length !== count) {
    throw protocolError(ctx, `response has ${json.data.length} embeddings for ${count} inputs`);
  }
  const embeddings = new Array<number[] | string>(count);
  json.data.forEach((item, position) => {
    if (!isObject(item)) throw protocolError(ctx, `data[${position}] is not an object`);
    // `index` says which input a vector belongs to; servers that omit it answer in order.
    const index = item.index === undefined ? position : item.index;
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= count) {
      throw protocolError(ctx, `data[${position}].index is out of range`);
    }
    if (embeddings[index] !== undefined) throw protocolError(ctx, `index ${index} appears twice`);
    const vector = item.embedding;
    if (typeof vector !== 'string' && !Array.isArray(vector)) {
      throw protocolError(ctx, `data[${position}].embedding is not a vector`);
    }
    embeddings[index] = vector as number[] | string;
  });
  const usage = mapUsage(json.usage);
  const responseModel = str(json.model);
  return {
    embeddings,
    ...(usage ? { usage } : {}),
    ...(rateLimit ? { rateLimit } : {}),
    ...(responseModel ? { responseModel } : {}),
  };
}
