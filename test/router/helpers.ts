import { expect, vi } from 'vitest';
import {
  type ModelRouterOptions,
  ModelRouter,
  RouterError,
  type RouterEventName,
  type RouterEvents,
  type UsageRecord,
} from '../../src/index.js';
import { manualClock } from '../../src/testing/manual-clock.js';
import {
  type MockProvider,
  type MockProviderOptions,
  mockProvider,
} from '../../src/testing/mock-provider.js';
import type { CatalogInput } from '../../src/catalog/inputs.js';
import type { Clock } from '../../src/util/clock.js';

export const hi = [{ role: 'user' as const, content: 'hi' }];

/** Two providers (a: keys a1,a2; b: key b1), one model each, group "coding" = [a/model-a, b/model-b]. */
export function twoProviderCatalog(
  overrides: { aKeys?: object[]; bKeys?: object[]; strategy?: string } = {},
): CatalogInput {
  return {
    providers: [
      {
        id: 'a',
        adapter: 'mockA',
        keys: (overrides.aKeys ?? [
          { id: 'a1', secret: 'secret-a1' },
          { id: 'a2', secret: 'secret-a2' },
        ]) as never,
      },
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

/** One provider "a" (adapter mockA) with the given keys and one model, "a/model-a". */
export function oneProviderCatalog(keys: object[] = [{ id: 'a1', secret: 'secret-a1' }]): CatalogInput {
  return {
    providers: [{ id: 'a', adapter: 'mockA', keys: keys as never }],
    models: [{ providerId: 'a', modelId: 'model-a' }],
  };
}

export interface Setup {
  router: ModelRouter;
  a: MockProvider;
  b: MockProvider;
  clock: ReturnType<typeof manualClock>;
  /** Every usage record, in order (collected through `onUsage` unless the test passes its own). */
  usage: UsageRecord[];
}

export function setup(
  opts: {
    catalog?: CatalogInput;
    a?: MockProviderOptions;
    b?: MockProviderOptions;
    router?: Partial<ModelRouterOptions>;
    /**
     * `'fake'`: the router reads `Date.now()`, so that `vi.useFakeTimers()` moves the router's time and
     * its timers together (queue waits, cooldowns). Default: a manual clock that moves only when told.
     */
    time?: 'manual' | 'fake';
  } = {},
): Setup {
  const clock = manualClock(1_700_000_000_000);
  const a = mockProvider({ name: 'mockA', ...opts.a });
  const b = mockProvider({ name: 'mockB', ...opts.b });
  const usage: UsageRecord[] = [];
  const routerClock: Clock = opts.time === 'fake' ? { now: () => Date.now() } : clock;
  const router = new ModelRouter({
    catalog: opts.catalog ?? twoProviderCatalog(),
    adapters: { mockA: a, mockB: b },
    clock: routerClock,
    onUsage: (r) => void usage.push(r),
    ...opts.router,
  });
  return { router, a, b, clock, usage };
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
  expect(s.leases, 'the memory quota counts leases').toBeDefined();
  if (s.leases) {
    expect(s.leases.outstanding).toBe(0);
    expect(s.leases.doubleReleases).toBe(0);
    expect(s.leases.released).toBe(s.leases.acquired);
  }
}

/** Await a promise that must reject with a `RouterError` of `code`; returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: string): Promise<RouterError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a rejection with ${code}`).toBeDefined();
  expect(RouterError.isInstance(error), `not a RouterError: ${String(error)}`).toBe(true);
  expect((error as RouterError).code, (error as RouterError).message).toBe(code);
  return error as RouterError;
}

/** Synchronous variant of `rejectsWith` for constructors. */
export function throwsWith(fn: () => unknown, code: string): RouterError {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, `expected a throw with ${code}`).toBeDefined();
  expect(RouterError.isInstance(error), `not a RouterError: ${String(error)}`).toBe(true);
  expect((error as RouterError).code, (error as RouterError).message).toBe(code);
  return error as RouterError;
}

export type RecordedEvent = {
  [E in RouterEventName]: { event: E; payload: RouterEvents[E] };
}[RouterEventName];

const EVENT_NAMES: RouterEventName[] = [
  'request',
  'attempt',
  'failover',
  'cooldown',
  'success',
  'failure',
  'usage',
  'catalog',
  'error',
];

/** Record every event of a router, in order. */
export function recordEvents(router: ModelRouter): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  for (const event of EVENT_NAMES) {
    router.on(event, (payload) => void events.push({ event, payload } as RecordedEvent));
  }
  return events;
}

/** The payloads of one event, in order. */
export function payloads<E extends RouterEventName>(events: RecordedEvent[], name: E): RouterEvents[E][] {
  return events.filter((e) => e.event === name).map((e) => e.payload as RouterEvents[E]);
}

/**
 * Let pending work run without moving time: microtasks and zero-delay timers, under real or fake
 * timers. Never a real sleep.
 */
export async function tick(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(0);
    else await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Total adapter calls of several mocks. */
export function callCount(...mocks: MockProvider[]): number {
  return mocks.reduce((n, m) => n + m.calls.length, 0);
}
