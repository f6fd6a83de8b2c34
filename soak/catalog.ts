import type { CatalogInput } from '../src/catalog/inputs.js';

/** The canary: one key's secret. It must never surface in an error, event, usage record or log line. */
export const CANARY = 'canary-secret-7f3a';

/** Providers of the soak: two in-process mocks and one real adapter over loopback HTTP. */
export const PROVIDERS = ['alpha', 'beta', 'gamma'] as const;
export type SoakProvider = (typeof PROVIDERS)[number];
export const WIRE_PROVIDER: SoakProvider = 'gamma';
/** The group `embed()` requests name. */
export const EMBED_GROUP = 'soak-embed';

/** Secret of each key; gamma's first key holds the canary (its secret travels over the wire). */
export function secretOf(providerId: string, keyIndex: number): string {
  return providerId === WIRE_PROVIDER && keyIndex === 0 ? CANARY : `soak-${providerId}-k${keyIndex}-secret`;
}

/**
 * 3 providers × 4 keys, limits on. The quota store runs one-second windows (see `engine.ts`), so
 * `rpm`/`tpm` here are per second: limits bind under load and recover within a second. One key per
 * provider leaves tpm unlimited and one leaves concurrency unlimited, so headroom mixes dimensions.
 */
export function soakCatalog(): CatalogInput {
  const limits = [
    { rpm: 200, tpm: 60_000, maxConcurrent: 4 },
    { rpm: 150, tpm: 45_000, maxConcurrent: 3 },
    { rpm: 250, maxConcurrent: 6 },
    { rpm: 100, tpm: 30_000 },
  ];
  return {
    providers: PROVIDERS.map((id) => ({
      id,
      adapter: id,
      keys: limits.map((l, i) => ({ id: `${id}-k${i}`, secret: secretOf(id, i), ...l })),
    })),
    models: PROVIDERS.map((id) => ({
      providerId: id,
      modelId: `m-${id}`,
      contextWindow: 128_000,
      inputCostPerMTok: 1,
      outputCostPerMTok: 2,
    })),
    groups: [
      {
        name: 'soak',
        members: PROVIDERS.map((id, i) => ({ providerId: id, modelId: `m-${id}`, priority: i })),
      },
      {
        // Embeddings: the mocks embed; the wire provider's adapter has no embed, so it is skipped.
        name: EMBED_GROUP,
        failoverStrategy: 'priority',
        members: PROVIDERS.map((id, i) => ({ providerId: id, modelId: `m-${id}`, priority: 2 - i })),
      },
      {
        name: 'soak-rr',
        failoverStrategy: 'round_robin',
        members: PROVIDERS.map((id, i) => ({ providerId: id, modelId: `m-${id}`, priority: i })),
      },
    ],
  };
}

export const MODELS = {
  group: ['soak', 'soak', 'soak', 'soak-rr'],
  direct: PROVIDERS.map((id) => `${id}/m-${id}`),
};
