import type { Clock } from '../../util/clock.js';
import type { AdapterLimits } from '../shared/limits.js';

/** Options of `bedrock()`. */
export interface BedrockOptions {
  /**
   * The AWS region of the Bedrock runtime endpoint, for keys whose secret names none.
   * A key's own `region` wins.
   * @default none (each key's secret names its region)
   */
  region?: string;
  /**
   * The endpoint root (`https://bedrock-runtime.{region}.amazonaws.com`), for VPC endpoints and
   * proxies. A catalog provider's `baseUrl`, when set, wins. SigV4 signs whatever host it names.
   * @default `https://bedrock-runtime.{region}.amazonaws.com`
   */
  baseURL?: string;
  /** Extra headers on every request (signed with it). Authorization headers are the adapter's. @default none */
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
   * Size caps. For streams, `maxEventBytes` bounds one binary event-stream message (its declared
   * length is checked before it is buffered); `maxBodyBytes` bounds a `converse` reply.
   * @default { maxLineBytes: 1_048_576, maxEventBytes: 1_048_576, maxBodyBytes: 16_777_216 }
   */
  limits?: AdapterLimits;
  /** Signing time and rate-limit arithmetic. @default systemClock */
  clock?: Clock;
}
