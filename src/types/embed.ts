import type { AttemptSummary, Usage } from './result.js';

/** How embedding vectors come back: arrays of numbers, or base64 of little-endian float32. */
export type EmbeddingEncoding = 'float' | 'base64';

/** A request to embed one text or several (`router.embed()`). */
export interface EmbedRequest {
  /** Group name, `providerId/modelId`, or a unique `modelId`; a function for dynamic selection. */
  model?: string | (() => string | Promise<string>);
  /** One text, or several (the vectors come back in the same order). */
  input: string | string[];
  /** Output dimensions, for models that can shorten their vectors (`text-embedding-3-*`). */
  dimensions?: number;
  /**
   * `float` (default): `number[]` per input. `base64`: a base64 string of little-endian float32
   * per input — about a quarter of the JSON size; the router converts when the provider cannot.
   * @default 'float'
   */
  encodingFormat?: EmbeddingEncoding;
  user?: string;
  /** Passed to the adapter of the provider with that id, untouched. */
  providerOptions?: Record<string, Record<string, unknown>>;
}

/** What `router.embed()` returns. `E` is `number[]` for `float`, `string` for `base64`. */
export interface EmbeddingResult<E extends number[] | string = number[] | string> {
  /** One vector per input, in input order. */
  embeddings: E[];
  /** `completionTokens` is always 0 for embeddings. */
  usage: Usage;
  providerId: string;
  modelId: string;
  groupName?: string;
  /** The model name the provider reported. */
  responseModel?: string;
  attempts: AttemptSummary[];
  requestId: string;
  latencyMs: number;
}
