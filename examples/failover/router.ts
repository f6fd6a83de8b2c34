/**
 * The router `npm run example` narrates: a group of two providers on the embedded defaults (memory
 * storage, memory quota) and mock providers — no keys, no network.
 */
import { type CatalogInput, type Clock, ModelRouter } from 'model-router';
import { mockProvider } from 'model-router/testing';

/** How long fast-cloud's first answer (a 429) asks the router to wait. */
export const RETRY_AFTER_MS = 20_000;

export const catalog = {
  providers: [
    {
      // Cheap but small: two keys at 3 requests per minute each.
      id: 'fast-cloud',
      adapter: 'fast-cloud',
      keys: [
        { id: 'fc-key-1', secret: 'demo-secret-1', rpm: 3 },
        { id: 'fc-key-2', secret: 'demo-secret-2', rpm: 3 },
      ],
    },
    // Dearer, with room to spare.
    { id: 'steady-ai', adapter: 'steady-ai', keys: [{ id: 'sa-key-1', secret: 'demo-secret-3', rpm: 100 }] },
  ],
  models: [
    { providerId: 'fast-cloud', modelId: 'fc-small', inputCostPerMTok: 0.15, outputCostPerMTok: 0.6 },
    { providerId: 'steady-ai', modelId: 'sa-large', inputCostPerMTok: 3, outputCostPerMTok: 15 },
  ],
  groups: [
    {
      name: 'coding',
      // fast-cloud first while it has room; steady-ai when fast-cloud's key pool is spent.
      failoverStrategy: 'priority',
      members: [
        { providerId: 'fast-cloud', modelId: 'fc-small', priority: 0 },
        { providerId: 'steady-ai', modelId: 'sa-large', priority: 1 },
      ],
    },
  ],
} satisfies CatalogInput;

/** The example's router. `clock` is the router's time: the example moves it instead of waiting. */
export function exampleRouter(clock: Clock): ModelRouter {
  return new ModelRouter({
    catalog,
    clock,
    adapters: {
      // fast-cloud's first call is rate limited, with a Retry-After; then it answers.
      'fast-cloud': mockProvider({
        name: 'fast-cloud',
        script: [
          {
            error: { status: 429, retryAfterMs: RETRY_AFTER_MS, message: 'Rate limit reached for requests' },
          },
        ],
        fallback: { text: 'Answer from fast-cloud.' },
      }),
      'steady-ai': mockProvider({ name: 'steady-ai', fallback: { text: 'Answer from steady-ai.' } }),
    },
  });
}
