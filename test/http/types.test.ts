import type { ModelRouter } from 'model-router';
import {
  type Authenticate,
  type FetchHandler,
  type NodeListener,
  type RelayHandler,
  createAdminHandler,
  createRelayHandler,
  toNodeListener,
} from 'model-router/http';
import { describe, expectTypeOf, it } from 'vitest';

describe('model-router/http types', () => {
  it('handlers are web-standard fetch handlers; toNodeListener takes any of them', () => {
    expectTypeOf(createRelayHandler).returns.toEqualTypeOf<RelayHandler>();
    // The relay is a fetch handler that also carries its direct node:http listener.
    expectTypeOf<RelayHandler>().toMatchTypeOf<FetchHandler>();
    expectTypeOf<RelayHandler['node']>().toEqualTypeOf<NodeListener>();
    expectTypeOf(createAdminHandler).returns.toEqualTypeOf<FetchHandler>();
    expectTypeOf<FetchHandler>().toEqualTypeOf<(request: Request) => Promise<Response>>();
    // Sync handlers and framework fetch functions (Hono's app.fetch) are accepted too.
    expectTypeOf<(request: Request) => Response>().toMatchTypeOf<Parameters<typeof toNodeListener>[0]>();
    expectTypeOf(toNodeListener).returns.toEqualTypeOf<NodeListener>();
    expectTypeOf<Authenticate>().parameter(0).toEqualTypeOf<Request>();
    expectTypeOf(createAdminHandler)
      .parameter(1)
      .toHaveProperty('authenticate')
      .toEqualTypeOf<Authenticate>();
    expectTypeOf(createRelayHandler).parameter(0).toEqualTypeOf<ModelRouter>();
  });
});
