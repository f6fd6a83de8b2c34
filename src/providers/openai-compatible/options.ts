import type { Clock } from '../../util/clock.js';
import type { AdapterLimits } from '../shared/limits.js';
import type { PresetName } from './presets.js';

/** Options of `openaiCompatible()`. */
export interface OpenAICompatibleOptions {
  /**
   * The API root, without `/chat/completions` (`https://api.openai.com/v1`,
   * `http://localhost:11434/v1`). A trailing slash is fine. A catalog provider's `baseUrl`, when
   * set, wins — so one adapter can serve several OpenAI-compatible providers. Required unless a
   * `preset` gives it.
   * @default the preset's base URL (none without a preset)
   */
  baseURL?: string;
  /**
   * A service whose quirks a plain adapter would trip on: its base URL and its field rules, as
   * data (`groq` strips `logprobs`, `logit_bias`, `top_logprobs`, `messages[].name` and pins
   * `n` to 1; `deepseek` sends `reasoning_content` back on tool-call turns; `mistral` maps tool-call
   * ids to its 9-character form; local servers need no key). See the README's adapter table.
   * @default none (plain OpenAI chat completions)
   */
  preset?: PresetName;
  /**
   * Body fields sent on every request, before the request's own fields and `providerOptions`
   * (OpenRouter's `provider` routing preferences, a `seed`, …).
   * @default none
   */
  body?: Record<string, unknown>;
  /**
   * Extra headers on every request (`OpenAI-Organization`, OpenRouter's `HTTP-Referer`, …).
   * `Authorization: Bearer <key>` is set from the call's key and wins over a header given here.
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
  /** Size caps on lines, events and bodies (see `AdapterLimits`). @default { maxLineBytes: 1_048_576, maxEventBytes: 1_048_576, maxBodyBytes: 16_777_216 } */
  limits?: AdapterLimits;
  /**
   * Send `stream_options: { include_usage: true }` on streams, so usage arrives in a last chunk.
   * Turn off only for a server that rejects the field; the router then estimates stream usage.
   * @default true
   */
  streamUsage?: boolean;
  /**
   * The body field `maxTokens` goes to. OpenAI's reasoning models (o-series, gpt-5) accept only
   * `max_completion_tokens`; most other servers only `max_tokens`.
   * @default 'max_tokens'
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /**
   * Time source for turning reset timestamps into durations.
   * @default systemClock
   */
  clock?: Clock;
}
