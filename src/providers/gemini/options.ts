import type { Clock } from '../../util/clock.js';
import type { AdapterLimits } from '../shared/limits.js';
import type { VertexLocation } from '../shared/vertex.js';

export type { VertexLocation } from '../shared/vertex.js';

/** Options of `gemini()`. */
export interface GeminiOptions {
  /**
   * The API root, without `/models/…`. A catalog provider's `baseUrl`, when set, wins.
   * @default 'https://generativelanguage.googleapis.com/v1beta' (Gemini API), or
   *   `https://{location}-aiplatform.googleapis.com/v1` with `vertex`
   */
  baseURL?: string;
  /**
   * Serve through Vertex AI instead of the Gemini API: the model path becomes
   * `projects/{project}/locations/{location}/publishers/google/models/{model}` and the call's
   * secret is sent as an OAuth access token (`Authorization: Bearer`), not as `x-goog-api-key`.
   * Have `resolveSecret` return a fresh token (see `cachedToken`).
   * @default none (the Gemini API, with `x-goog-api-key`)
   */
  vertex?: VertexLocation;
  /** Extra headers on every request. The auth header is set from the call's key and wins. @default none */
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
  /** Size caps on lines, events and bodies (see `AdapterLimits`). @default { maxLineBytes: 1_048_576, maxEventBytes: 1_048_576, maxBodyBytes: 16_777_216 } */
  limits?: AdapterLimits;
  /**
   * Gemini 3 refuses (400) a history whose model function calls lack the `thoughtSignature` it
   * issued — which is every history that came from another provider or through an OpenAI-shaped
   * client. Such calls get Google's documented placeholder signature, which skips the check; set
   * `false` to send them without one.
   * @default true
   */
  placeholderSignatures?: boolean;
  /**
   * Tool-call ids for function calls that came without one (the Gemini API rarely sends ids).
   * @default () => `call_${randomUUID()}`
   */
  generateId?: () => string;
  /** @default systemClock */
  clock?: Clock;
}
