import { randomUUID } from 'node:crypto';
import { systemClock } from '../../util/clock.js';
import type { ProviderAdapter } from '../adapter.js';
import { lowerCaseKeys } from '../shared/headers.js';
import { jsonSseAdapter } from '../shared/json-sse-adapter.js';
import { resolveLimits } from '../shared/limits.js';
import type { GeminiOptions } from './options.js';
import { toGenerateContentBody } from './request.js';
import { fromGenerateContent } from './response.js';
import { generateContentDecoder } from './stream.js';
import { checkVertex } from '../shared/vertex.js';
import { defaultBaseUrl, modelUrl } from './url.js';

export type { GeminiOptions, VertexLocation } from './options.js';

/**
 * An adapter for Google's `generateContent` API — the Gemini API (key in `x-goog-api-key`), or
 * Vertex AI with `vertex: { project, location }` (OAuth access token as bearer). Streams use
 * `streamGenerateContent?alt=sse`. `thoughtSignature`s come back as reasoning parts of the
 * `gemini` family and go out again on the next turn; other families' reasoning is left out (with a
 * `reasoning_dropped` warning).
 *
 * @example
 * const adapters = { gemini: gemini() };
 * const adapters = { vertex: gemini({ vertex: { project: 'my-project', location: 'us-central1' } }) };
 */
export function gemini(options: GeminiOptions = {}): ProviderAdapter {
  if (options.vertex) checkVertex('gemini', options.vertex);
  const vertex = options.vertex;
  const name = vertex ? 'vertex' : 'gemini';
  const limits = resolveLimits('gemini', options.limits);
  const clock = options.clock ?? systemClock;
  const baseURL = options.baseURL ?? defaultBaseUrl(vertex);
  const extraHeaders = lowerCaseKeys(options.headers);
  const generateId = options.generateId ?? (() => `call_${randomUUID()}`);
  const placeholderSignatures = options.placeholderSignatures ?? true;

  return jsonSseAdapter({
    name,
    fetch: options.fetch,
    limits,
    clock,
    request(ctx, call, stream) {
      const headers: Record<string, string> = {
        ...extraHeaders,
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
      };
      // The key goes in a header, never in the URL (`?key=` would land in proxy and access logs).
      if (call.apiKey) {
        if (vertex) headers.authorization = `Bearer ${call.apiKey}`;
        else headers['x-goog-api-key'] = call.apiKey;
      }
      const url = modelUrl(call.provider.baseUrl ?? baseURL, call.model.modelId, vertex, stream);
      const { body, warnings } = toGenerateContentBody(ctx, call, { placeholderSignatures });
      return { url, headers, body, warnings: warnings.result() };
    },
    fromResponse: (ctx, json, rateLimit) => fromGenerateContent(ctx, json, rateLimit, generateId),
    decoder: (ctx) => generateContentDecoder(ctx, generateId),
  });
}
