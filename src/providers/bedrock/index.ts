import type { RouterWarning } from '../../types/result.js';
import { systemClock } from '../../util/clock.js';
import type { ProviderAdapter, ProviderCall, ProviderResult, ProviderStream } from '../adapter.js';
import { type CallContext, createContext } from '../shared/context.js';
import { lowerCaseKeys } from '../shared/headers.js';
import { eventStreamBody, postJson, readJson } from '../shared/http.js';
import { resolveLimits } from '../shared/limits.js';
import { parseRateLimitHeaders } from '../shared/rate-limit-headers.js';
import type { HttpResponse } from '../shared/transport.js';
import { joinUrl } from '../shared/url.js';
import { checkRegion, readCredentials } from './credentials.js';
import { refineHttpError } from './errors.js';
import { type DecodeMessage, eventStreamParts } from './event-stream.js';
import type { BedrockOptions } from './options.js';
import { loadEventStreamCodec, loadUtf8 } from './peers.js';
import { reasoningFamily, toConverseBody } from './request.js';
import { fromConverse } from './response.js';
import { authHeaders } from './sign.js';
import { converseStreamDecoder } from './stream.js';

export type { BedrockOptions } from './options.js';

const NAME = 'bedrock';

/**
 * An adapter for Amazon Bedrock's Converse API (`/model/{id}/converse`, and `converse-stream`,
 * whose binary `application/vnd.amazon.eventstream` body is decoded with `@smithy/eventstream-codec`).
 * A key's secret is SigV4 credentials as JSON — `{"accessKeyId","secretAccessKey","sessionToken"?,
 * "region"?}`, signed with `@smithy/signature-v4` — or a Bedrock API key, sent as a bearer token.
 * The `@smithy/*` packages are optional peers, loaded on first use.
 *
 * @example
 * const adapters = { bedrock: bedrock({ region: 'us-east-1' }) };
 */
export function bedrock(options: BedrockOptions = {}): ProviderAdapter {
  const region = options.region === undefined ? undefined : checkRegion('bedrock.region', options.region);
  const limits = resolveLimits('bedrock', options.limits);
  const clock = options.clock ?? systemClock;
  const extraHeaders = lowerCaseKeys(options.headers);
  delete extraHeaders.authorization;

  async function send(
    ctx: CallContext,
    call: ProviderCall,
    stream: boolean,
  ): Promise<{ response: HttpResponse; warnings: RouterWarning[] | undefined }> {
    const creds = readCredentials(ctx, call.apiKey, region);
    const base =
      call.provider.baseUrl ?? options.baseURL ?? `https://bedrock-runtime.${creds.region}.amazonaws.com`;
    // Model ids and ARNs hold ':' and '/': one encoded path segment (SigV4 encodes it once more).
    const url = joinUrl(
      base,
      `model/${encodeURIComponent(call.model.modelId)}/${stream ? 'converse-stream' : 'converse'}`,
    );
    const { body, warnings } = toConverseBody(ctx, call);
    const headers = await authHeaders(
      creds,
      new URL(url),
      {
        ...extraHeaders,
        'content-type': 'application/json',
        accept: stream ? 'application/vnd.amazon.eventstream' : 'application/json',
      },
      JSON.stringify(body),
      clock.now(),
    );
    try {
      return { response: await postJson(ctx, url, headers, body), warnings: warnings.result() };
    } catch (error) {
      throw refineHttpError(error);
    }
  }

  return {
    name: NAME,
    async complete(call): Promise<ProviderResult> {
      const ctx = createContext(NAME, call, { fetch: options.fetch, limits, clock });
      const { response: res, warnings } = await send(ctx, call, false);
      const rateLimit = parseRateLimitHeaders(res.headers, clock.now());
      const result = fromConverse(
        ctx,
        await readJson(ctx, res),
        rateLimit,
        reasoningFamily(call.model.modelId),
      );
      if (warnings) result.warnings = warnings;
      return result;
    },
    async stream(call): Promise<ProviderStream> {
      const ctx = createContext(NAME, call, { fetch: options.fetch, limits, clock });
      // Loaded before the call, so a missing peer costs no request.
      const [{ EventStreamCodec }, { toUtf8, fromUtf8 }] = await Promise.all([
        loadEventStreamCodec(),
        loadUtf8(),
      ]);
      const codec = new EventStreamCodec(toUtf8, fromUtf8);
      const { response: res, warnings } = await send(ctx, call, true);
      const rateLimit = parseRateLimitHeaders(res.headers, clock.now());
      const body = await eventStreamBody(ctx, res);
      const decode: DecodeMessage = (bytes) => codec.decode(bytes);
      return {
        ...(rateLimit ? { rateLimit } : {}),
        ...(warnings ? { warnings } : {}),
        parts: eventStreamParts(
          ctx,
          body,
          decode,
          converseStreamDecoder(ctx, reasoningFamily(call.model.modelId)),
        ),
      };
    },
  };
}
