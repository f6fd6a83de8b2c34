import type { StrategyName } from './types.js';

/*
 * The catalog as users write it (`ModelRouterOptions.catalog`, the admin API, storages), as
 * documented interfaces: what an editor shows on hover. The zod schemas in inputs.ts validate
 * exactly these shapes (a type test holds them together).
 */

/** One API key of a provider's pool. */
export interface KeyInput {
  /** Stable id, used in usage records, events and admin calls; letters, digits and `. _ : @ -`. @default a random UUID */
  id?: string;
  /**
   * The API key itself, or `env:NAME` to read `process.env.NAME` when a request needs it (see
   * `ModelRouterOptions.resolveSecret`). Never printed, never returned by reads. No CR, LF or NUL.
   */
  secret: string;
  /** Requests per minute this key may make (a sliding window). @default unlimited */
  rpm?: number;
  /** Tokens per minute (prompt estimate plus output reserve, reconciled to real usage). @default unlimited */
  tpm?: number;
  /** Requests this key may have in flight at once; past it other candidates go first, then a request waits at most `timeouts.queueWaitMs`. @default unlimited */
  maxConcurrent?: number;
  /** A disabled key is never picked. @default true */
  enabled?: boolean;
}

/** An upstream account or endpoint, served by an adapter, with its key pool. */
export interface ProviderInput {
  /** The name models and members refer to (`providerId`); no slash. @default a random UUID */
  id?: string;
  /** A display name. @default none (the id is shown) */
  name?: string;
  /** Which adapter speaks to it: a key of `ModelRouterOptions.adapters`. */
  adapter: string;
  /** Replaces the adapter's endpoint for this provider; http(s), no credentials in it. @default the adapter's `baseURL` */
  baseUrl?: string;
  /** A disabled provider's candidates are skipped (`disabled`). @default true */
  enabled?: boolean;
  /** The key pool, in preference order: a request takes the first key with room. @default [] (the provider is skipped: `no_keys`) */
  keys?: KeyInput[];
}

/** A physical model at a provider. */
export interface ModelInput {
  /** Stable id of this catalog entry. @default a random UUID */
  id?: string;
  /** The provider (`ProviderInput.id`) that serves it. */
  providerId: string;
  /** The upstream model id, as the provider spells it (`gpt-4o-mini`, `/models/x`): any printable text, at most 512 characters. */
  modelId: string;
  /** Prompt plus output tokens the model accepts; a candidate that cannot hold a request is skipped before sending (`context_window`). @default unknown (no pre-call check) */
  contextWindow?: number;
  /** Output tokens reserved (tpm) when a request gives no `maxTokens`. @default `ModelRouterOptions.defaultMaxOutputTokens` */
  maxOutputTokens?: number;
  /** USD per million prompt tokens, for `costUsd` in usage records and the `cheapest` strategy. @default none (no `costUsd`) */
  inputCostPerMTok?: number;
  /** USD per million completion tokens. @default none (no `costUsd`) */
  outputCostPerMTok?: number;
  /** USD per million prompt tokens read from the provider's prompt cache. @default `inputCostPerMTok` */
  cacheReadCostPerMTok?: number;
  /** USD per million prompt tokens written to the provider's prompt cache. @default `inputCostPerMTok` */
  cacheWriteCostPerMTok?: number;
  /** Tags every group member on this model carries (`region:eu`, `zdr`): at most 64, printable, no spaces. @default [] */
  tags?: string[];
  /** A disabled model's candidates are skipped (`disabled`). @default true */
  enabled?: boolean;
}

/** One model of a group. */
export interface MemberInput {
  /** Stable id of this member. @default a random UUID */
  id?: string;
  /** The member's model: its provider… */
  providerId: string;
  /** …and its upstream model id (a `ModelInput` of the catalog). */
  modelId: string;
  /** Lower is preferred (`priority` strategy, and the tie-break of the others). @default 0 */
  priority?: number;
  /** Share of traffic under the `weighted` strategy (0 goes last). @default 1 */
  weight?: number;
  /** Tags of this member, beside its model's; a request's `tags` keep only candidates that carry them all. @default [] */
  tags?: string[];
  /** A disabled member is skipped (`disabled`). @default true */
  enabled?: boolean;
}

/** A logical model name mapping to several models across providers. */
export interface GroupInput {
  /** Stable id of this group. @default a random UUID */
  id?: string;
  /** The name requests use (`model: 'coding'`). */
  name: string;
  /** A display name (listModels, dashboard). @default none */
  displayName?: string;
  /** A description (listModels, dashboard). @default none */
  description?: string;
  /** A disabled group refuses requests (`NO_CANDIDATES`). @default true */
  enabled?: boolean;
  /** How members are ordered: a built-in strategy or one registered in `ModelRouterOptions.strategies`. @default `ModelRouterOptions.defaultStrategy` ('quota_aware') */
  failoverStrategy?: StrategyName;
  /** The group's models. @default [] (requests fail with `NO_CANDIDATES`) */
  members?: MemberInput[];
}

/** The catalog as written in `ModelRouterOptions.catalog`. */
export interface CatalogInput {
  /** @default [] */
  providers?: ProviderInput[];
  /** @default [] */
  models?: ModelInput[];
  /** @default [] */
  groups?: GroupInput[];
}

/*
 * Updates (`router.admin.update*`): a field left out is unchanged; an optional field given as `null`
 * is cleared. Ids and parents are not patchable: delete and re-create instead.
 */

/** Changes to a provider. */
export interface ProviderPatch {
  /** A display name; `null` clears it. @default unchanged */
  name?: string | null;
  /** Another adapter (a key of `ModelRouterOptions.adapters`). @default unchanged */
  adapter?: string;
  /** Another endpoint; `null` returns to the adapter's own. @default unchanged */
  baseUrl?: string | null;
  /** @default unchanged */
  enabled?: boolean;
}

/** Changes to a key. */
export interface KeyPatch {
  /** A new secret: rotates the key (and lifts a quarantine). @default unchanged */
  secret?: string;
  /** Requests per minute; `null`: unlimited. @default unchanged */
  rpm?: number | null;
  /** Tokens per minute; `null`: unlimited. @default unchanged */
  tpm?: number | null;
  /** Requests in flight at once; `null`: unlimited. @default unchanged */
  maxConcurrent?: number | null;
  /** @default unchanged */
  enabled?: boolean;
}

/** Changes to a model. */
export interface ModelPatch {
  /** Renaming the upstream model id carries the group members that use it along. @default unchanged */
  modelId?: string;
  /** `null`: unknown (no pre-call check). @default unchanged */
  contextWindow?: number | null;
  /** `null`: `defaultMaxOutputTokens`. @default unchanged */
  maxOutputTokens?: number | null;
  /** `null`: no price (no `costUsd`). @default unchanged */
  inputCostPerMTok?: number | null;
  /** `null`: no price (no `costUsd`). @default unchanged */
  outputCostPerMTok?: number | null;
  /** `null`: cache reads at `inputCostPerMTok`. @default unchanged */
  cacheReadCostPerMTok?: number | null;
  /** `null`: cache writes at `inputCostPerMTok`. @default unchanged */
  cacheWriteCostPerMTok?: number | null;
  /** Replaces the model's tags; `null` or `[]` clears them. @default unchanged */
  tags?: string[] | null;
  /** @default unchanged */
  enabled?: boolean;
}

/** Changes to a group. */
export interface GroupPatch {
  /** A new name for requests to use. @default unchanged */
  name?: string;
  /** `null` clears it. @default unchanged */
  displayName?: string | null;
  /** `null` clears it. @default unchanged */
  description?: string | null;
  /** @default unchanged */
  enabled?: boolean;
  /** `null` returns the group to the router's `defaultStrategy`. @default unchanged */
  failoverStrategy?: StrategyName | null;
}
