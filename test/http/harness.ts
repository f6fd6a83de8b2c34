import { type RequestListener, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ModelRouterOptions, ModelRouter } from 'model-router';
import { type WebHandler, toNodeListener } from 'model-router/http';
import { type MockProvider, type MockProviderOptions, mockProvider } from 'model-router/testing';
import { expect } from 'vitest';

export interface TestServer {
  url: string;
  close: () => Promise<void>;
}

/** A real node:http server on 127.0.0.1 (port 0) serving `handler`; `close()` also drops open sockets. */
export function serve(handler: WebHandler): Promise<TestServer> {
  return serveNode(toNodeListener(handler));
}

/** The same for a node:http listener as it is (a middleware in front of `toNodeListener`, say). */
export async function serveNode(listener: RequestListener): Promise<TestServer> {
  const server: Server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface RelaySetup {
  router: ModelRouter;
  a: MockProvider;
  b: MockProvider;
}

/**
 * Providers `a` (model-a) and `b` (model-b), group `coding` = [a, b] by priority, a disabled group
 * `retired`, and `model-x` served by both (ambiguous as a bare id).
 */
export function relayRouter(
  opts: { a?: MockProviderOptions; b?: MockProviderOptions; router?: Partial<ModelRouterOptions> } = {},
): RelaySetup {
  const a = mockProvider({ name: 'mockA', ...opts.a });
  const b = mockProvider({ name: 'mockB', ...opts.b });
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 'demo-secret-a1' }] },
        { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 'demo-secret-b1' }] },
      ],
      models: [
        { providerId: 'a', modelId: 'model-a', contextWindow: 8000 },
        { providerId: 'b', modelId: 'model-b', contextWindow: 128000 },
        { providerId: 'a', modelId: 'model-x' },
        { providerId: 'b', modelId: 'model-x' },
      ],
      groups: [
        {
          name: 'coding',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'a', modelId: 'model-a', priority: 0 },
            { providerId: 'b', modelId: 'model-b', priority: 1 },
          ],
        },
        { name: 'retired', enabled: false, members: [{ providerId: 'a', modelId: 'model-a' }] },
      ],
    },
    adapters: { mockA: a, mockB: b },
    ...opts.router,
  });
  return { router, a, b };
}

/** Nothing held: no attempt in flight, nobody queued, every lease released exactly once. */
export function expectReleased(router: ModelRouter): void {
  const s = router.stats();
  expect(s.inFlight).toBe(0);
  expect(s.queued).toBe(0);
  for (const k of s.keys) expect(k.inFlight, `${k.providerId}/${k.keyId} inFlight`).toBe(0);
  if (s.leases) {
    expect(s.leases.outstanding).toBe(0);
    expect(s.leases.doubleReleases).toBe(0);
  }
}
