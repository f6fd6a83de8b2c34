import { z } from 'zod';
import type { ChatRequest } from '../types/request.js';

/** Where a request's affinity key may come from when it sets no `affinityKey`. */
export type AffinitySource =
  /** `request.user` (the relay maps OpenAI `user` and Anthropic `metadata.user_id` to it). */
  | 'user'
  /** `request.metadata.user_id`. */
  | 'metadata.user_id'
  /**
   * A digest of the cacheable prefix — system messages, tools and the first other message — when it
   * is at least `minPrefixTokens` long (shorter prompts are not cached by providers anyway).
   */
  | 'prefix';

/** The router option `affinity` (README: Prompt-cache affinity). */
export interface AffinityOptions {
  /**
   * How long an entry lives after its last use, in ms (a sliding TTL). Match it to the providers'
   * prompt-cache lifetime: a cache gone cold has nothing left to keep a session for.
   * @default 300_000 (5 minutes, OpenAI's and Anthropic's default cache lifetime)
   */
  ttlMs?: number;
  /**
   * Where the key comes from when a request has no `affinityKey`: the sources in order (the first
   * that yields one wins), or a function of the request (`undefined`: no affinity for it).
   * @default ['user', 'metadata.user_id', 'prefix']
   */
  derive?: readonly AffinitySource[] | ((request: ChatRequest) => string | undefined);
  /**
   * The `prefix` source applies only to prefixes of at least this many (estimated) tokens.
   * @default 1024 (the shortest prefix OpenAI caches)
   */
  minPrefixTokens?: number;
}

export interface ResolvedAffinity {
  ttlMs: number;
  derive: readonly AffinitySource[] | ((request: ChatRequest) => string | undefined);
  minPrefixTokens: number;
}

export const affinitySchema = z.union([
  z.literal(false),
  z.strictObject({
    ttlMs: z.number().int().min(1_000).max(86_400_000).optional(),
    derive: z
      .union([
        z.array(z.enum(['user', 'metadata.user_id', 'prefix'])).max(3),
        z.custom<(r: ChatRequest) => string | undefined>((v) => typeof v === 'function'),
      ])
      .optional(),
    minPrefixTokens: z.number().int().min(0).max(10_000_000).optional(),
  }),
]);

export function resolveAffinity(o: false | AffinityOptions | undefined): ResolvedAffinity | undefined {
  if (o === false) return undefined;
  return {
    ttlMs: o?.ttlMs ?? 300_000,
    derive: o?.derive ?? ['user', 'metadata.user_id', 'prefix'],
    minPrefixTokens: o?.minPrefixTokens ?? 1024,
  };
}
