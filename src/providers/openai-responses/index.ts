import { systemClock } from '../../util/clock.js';
import type { ProviderAdapter } from '../adapter.js';
import { lowerCaseKeys } from '../shared/headers.js';
import { jsonSseAdapter } from '../shared/json-sse-adapter.js';
import { resolveLimits } from '../shared/limits.js';
import { joinUrl } from '../shared/url.js';
import type { OpenAIResponsesOptions } from './options.js';
import { toResponsesBody } from './request.js';
import { fromResponse } from './response.js';
import { responsesDecoder } from './stream.js';

export type { OpenAIResponsesOptions } from './options.js';

const NAME = 'openai-responses';

/**
 * An adapter for OpenAI's Responses API: POST `${baseURL}/responses`, the key as
 * `Authorization: Bearer`, streams as the Responses event sequence. Stateless: a translated
 * request is sent with `store: false` and `include: ["reasoning.encrypted_content"]`, and the
 * encrypted reasoning items of an answer (reasoning parts of family `openai`) are sent back as they
 * came on the next turn. A request that came to the relay's `/v1/responses` is passed through.
 *
 * @example
 * const adapters = { openai: openaiResponses() };
 */
export function openaiResponses(options: OpenAIResponsesOptions = {}): ProviderAdapter {
  const baseURL = options.baseURL ?? 'https://api.openai.com/v1';
  const limits = resolveLimits('openaiResponses', options.limits);
  const clock = options.clock ?? systemClock;
  const extraHeaders = lowerCaseKeys(options.headers);
  return jsonSseAdapter({
    name: NAME,
    fetch: options.fetch,
    limits,
    clock,
    request(_ctx, call, stream) {
      const headers: Record<string, string> = {
        ...extraHeaders,
        'content-type': 'application/json',
        accept: stream ? 'text/event-stream' : 'application/json',
        authorization: `Bearer ${call.apiKey}`,
      };
      const { body, warnings } = toResponsesBody(call, stream);
      return {
        url: joinUrl(call.provider.baseUrl ?? baseURL, 'responses'),
        headers,
        body,
        warnings: warnings.result(),
      };
    },
    fromResponse,
    decoder: responsesDecoder,
  });
}
