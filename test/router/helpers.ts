import { expect } from 'vitest';
import { type ModelRouterOptions, ModelRouter } from '../../src/index.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import { type MockProvider, type MockProviderOptions, mockProvider } from '../../src/testing/mock-provider.js';
import type { CatalogInput } from '../../src/catalog/inputs.js';

export const hi = [{ role: 'user' as const, content: 'hi' }];

/** Two providers (a: keys a1,a2; b: key b1), one model each, group "coding" = [a/model-a, b/model-b]. */
export function twoProviderCatalog(overrides: { aKeys?: object[]; bKeys?: object[]; strategy?: string } = {}): CatalogInput {
  return {
    providers: [
      { id: 'a', adapter: 'mockA', keys: (overrides.aKeys ?? [{ id: 'a1', secret: 'secret-a1' }, { id: 'a2', secret: 'secret-a2' }]) as never },
      { id: 'b', adapter: 'mockB', keys: (overrides.bKeys ?? [{ id: 'b1', secret: 'secret-b1' }]) as never },
    ],
    models: [
      { providerId: 'a', modelId: 'model-a', contextWindow: 8000 },
      { providerId: 'b', modelId: 'model-b', contextWindow: 128000 },
    ],
    groups: [
      {
        name: 'coding',
        ...(overrides.strategy ? { failoverStrategy: overrides.strategy } : {}),
        members: [
          { providerId: 'a', modelId: 'model-a', priority: 0 },
          { providerId: 'b', modelId: 'model-b', priority: 1 },
        ],
      },
    ],
  };
}

export interface Setup {
  router: ModelRouter;
  a: MockProvider;
  b: MockProvider;
  clock: ReturnType<typeof manualClock>;
}

export function setup(
  opts: {
    catalog?: CatalogInput;
    a?: MockProviderOptions;
    b?: MockProviderOptions;
    router?: Partial<ModelRouterOptions>;
  } = {},
): Setup {
  const clock = manualClock(1_700_000_000_000);
  const a = mockProvider({ name: 'mockA', ...opts.a });
  const b = mockProvider({ name: 'mockB', ...opts.b });
  const router = new ModelRouter({
    catalog: opts.catalog ?? twoProviderCatalog(),
    adapters: { mockA: a, mockB: b },
    clock,
    ...opts.router,
  });
  return { router, a, b, clock };
}

/** Nothing held: no attempt in flight, nobody queued, every lease released exactly once. */
export function expectReleased(router: ModelRouter): void {
  const s = router.stats();
  expect(s.inFlight).toBe(0);
  expect(s.queued).toBe(0);
  for (const k of s.keys) {
    expect(k.inFlight, `${k.providerId}/${k.keyId} inFlight`).toBe(0);
    expect(k.queued, `${k.providerId}/${k.keyId} queued`).toBe(0);
  }
  for (const c of s.candidates) expect(c.inFlight, `${c.providerId}/${c.modelId} inFlight`).toBe(0);
  if (s.leases) {
    expect(s.leases.outstanding).toBe(0);
    expect(s.leases.doubleReleases).toBe(0);
    expect(s.leases.released).toBe(s.leases.acquired);
  }
}
