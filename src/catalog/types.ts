/** Names of the built-in strategies; custom strategies registered by name are accepted too. */
export type BuiltinStrategyName =
  | 'quota_aware'
  | 'priority'
  | 'weighted'
  | 'round_robin'
  | 'least_busy'
  | 'lowest_latency'
  | 'cheapest'
  | 'fastest';

/** A strategy name: a built-in one (autocompleted), or one registered through the `strategies` option. */
export type StrategyName = BuiltinStrategyName | (string & {});

export interface ProviderKey {
  id: string;
  providerId: string;
  /** The key itself, an `env:NAME` reference, or what the storage decrypted. Never shown by reads. */
  secret: string;
  rpm?: number;
  tpm?: number;
  maxConcurrent?: number;
  enabled: boolean;
  /**
   * Set by a storage when the key cannot be used as stored — its secret does not decrypt (a tampered
   * row, or one sealed with another `encryptionKey`): why, without the secret. Such a key is loaded
   * (admin reads list it, and it can be replaced or removed) but never picked; `secret` is empty.
   */
  unusable?: string;
  createdAt: string;
  updatedAt: string;
}

export interface Provider {
  id: string;
  name?: string;
  /** Key into `ModelRouterOptions.adapters`. */
  adapter: string;
  baseUrl?: string;
  enabled: boolean;
  keys: ProviderKey[];
  createdAt: string;
  updatedAt: string;
}

export interface Model {
  id: string;
  providerId: string;
  /** The upstream model id sent to the provider. */
  modelId: string;
  contextWindow?: number;
  maxOutputTokens?: number;
  /** USD per million prompt tokens, for `costUsd` in usage records. */
  inputCostPerMTok?: number;
  /** USD per million completion tokens. */
  outputCostPerMTok?: number;
  /** USD per million prompt tokens read from the provider's prompt cache (absent: `inputCostPerMTok`). */
  cacheReadCostPerMTok?: number;
  /** USD per million prompt tokens written to the provider's prompt cache (absent: `inputCostPerMTok`). */
  cacheWriteCostPerMTok?: number;
  /** Tags every group member on this model carries too (`region:eu`, `zdr`). */
  tags?: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface GroupMember {
  id: string;
  groupId: string;
  providerId: string;
  modelId: string;
  /** Lower is preferred. */
  priority: number;
  /** For the `weighted` strategy. */
  weight: number;
  /** Tags of this member, beside its model's (`region:eu`, `tier:premium`); requests filter on them. */
  tags?: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface Group {
  id: string;
  name: string;
  displayName?: string;
  description?: string;
  enabled: boolean;
  /** Strategy name; absent means the router's `defaultStrategy`. */
  failoverStrategy?: StrategyName;
  members: GroupMember[];
  createdAt: string;
  updatedAt: string;
}

/** The whole catalog, as storage loads it. */
export interface Catalog {
  providers: Provider[];
  models: Model[];
  groups: Group[];
}
