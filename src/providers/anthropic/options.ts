import type { Clock } from '../../util/clock.js';
import type { AdapterLimits } from '../shared/limits.js';
import type { VertexLocation } from '../shared/vertex.js';

/** Options of `anthropic()`. */
export interface AnthropicOptions {
  /**
   * The API root, without `/messages`. A trailing slash is fine. A catalog provider's `baseUrl`,
   * when set, wins.
   * @default 'https://api.anthropic.com/v1'
   */
  baseURL?: string;
  /**
   * Extra headers on every request (`anthropic-beta`, …). `x-api-key` is set from the call's key
   * and wins over a header given here. A header given here also wins over the same header a relay
   * client sent (a pinned `anthropic-beta`).
   * @default none
   */
  headers?: Record<string, string>;
  /**
   * The fetch to use for every call (msw, a tracing wrapper, a proxy-aware fetch…). Without it the
   * adapter hands each POST straight to the dispatcher `fetch` sends through (undici's global
   * dispatcher: its keep-alive connections, and a proxy installed with `setGlobalDispatcher`) with no
   * web `Request`/`Response` — several times cheaper per call than `fetch` — unless
   * `globalThis.fetch` has been replaced since the package was loaded (an interceptor installed
   * later), in which case that fetch is read at call time.
   * @default fetch's dispatcher, or `globalThis.fetch` once replaced
   */
  fetch?: typeof globalThis.fetch;
  /**
   * The `anthropic-version` header. When set, it is pinned: a relay client's own
   * `anthropic-version` is replaced by it. When unset, a relay client's header is passed on, and
   * other requests send `'2023-06-01'`.
   * @default '2023-06-01' (or the relay client's)
   */
  version?: string;
  /**
   * `max_tokens` is required by the Messages API. It is the request's `maxTokens`, else the
   * model's `maxOutputTokens` from the catalog, else this.
   * @default 4096
   */
  defaultMaxTokens?: number;
  /** Size caps on lines, events and bodies (see `AdapterLimits`). @default { maxLineBytes: 1_048_576, maxEventBytes: 1_048_576, maxBodyBytes: 16_777_216 } */
  limits?: AdapterLimits;
  /**
   * Serve Claude through Vertex AI: POST `…/publishers/anthropic/models/{model}:rawPredict`
   * (`:streamRawPredict` for streams) on the location's endpoint, the call's secret sent as an
   * OAuth access token (`Authorization: Bearer`; have `resolveSecret` return one — see
   * `cachedToken`), `anthropic_version: 'vertex-2023-10-16'` in the body and no `model` field.
   * @default none (the Anthropic API, with `x-api-key`)
   */
  vertex?: VertexLocation;
  /**
   * Time source for turning `anthropic-ratelimit-*-reset` timestamps into durations.
   * @default systemClock
   */
  clock?: Clock;
}
