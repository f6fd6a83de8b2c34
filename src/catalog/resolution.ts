/** One (provider, model) pair a name resolves to, as `router.resolve()` shows it. */
export interface ResolvedCandidate {
  providerId: string;
  modelId: string;
  priority: number;
  weight: number;
  /** Member, model and provider all enabled. */
  enabled: boolean;
  contextWindow?: number;
}

/** What a model name means (`router.resolve()`). */
export interface Resolution {
  kind: 'group' | 'direct';
  /** The name as requested. */
  name: string;
  group?: { id: string; name: string; failoverStrategy?: string };
  candidates: ResolvedCandidate[];
}
