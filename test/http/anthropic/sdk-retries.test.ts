import Anthropic from '@anthropic-ai/sdk';
import { RouterError } from 'model-router';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReleased } from '../harness.js';
import { type Relay, chatCompletion, json, relay } from './harness.js';

/*
 * What the official Anthropic SDK sees, at its default `maxRetries: 2`, for the statuses it would
 * retry on its own (409, 5xx, 529) or that gateways often send (422, here 400): its error class, the error
 * envelope, and how many requests reached the relay. The SDK retries 408/409/429/5xx unless
 * `x-should-retry` says otherwise.
 */
let r: Relay | undefined;
afterEach(async () => {
  if (r) {
    expectReleased(r.router);
    await r.close();
  }
  r = undefined;
});

const hello = [{ role: 'user' as const, content: 'Hello' }];
const overloaded = { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } };

/** Counts the requests that reached the relay (every one is authenticated first). */
function counted(): { seen: () => number; authenticate: () => { id: string } } {
  let n = 0;
  return {
    seen: () => n,
    authenticate: () => {
      n++;
      return { id: 'tenant' };
    },
  };
}

async function caught(p: Promise<unknown>) {
  return p.then(
    () => undefined,
    (e: unknown) => e as InstanceType<typeof Anthropic.APIError>,
  );
}

describe('the Anthropic SDK at its default retries: 409, NO_CANDIDATES (400, not 422) and 529', () => {
  it('409 CONFLICT: ConflictError, and not retried (x-should-retry: false), though the SDK retries 409', async () => {
    const c = counted();
    r = await relay([], [], {
      authenticate: c.authenticate,
      transformRequest: () => {
        throw new RouterError('CONFLICT', 'a conflicting request is in progress', {
          details: { entity: 'request' },
        });
      },
    });
    const e = await caught(
      r.client({ maxRetries: 2 }).messages.create({ model: 'claude', max_tokens: 10, messages: hello }),
    );
    expect(e).toBeInstanceOf(Anthropic.ConflictError);
    expect(e!.status).toBe(409);
    expect(e!.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(e!.headers?.get('x-should-retry')).toBe('false');
    expect(e!.headers?.get('x-model-router-error-code')).toBe('CONFLICT');
    expect(c.seen()).toBe(1);
    expect(r.anth.received).toHaveLength(0);
  });

  it('NO_CANDIDATES (a disabled group): a 4xx error class the SDK does not retry; no upstream call', async () => {
    const c = counted();
    r = await relay([], [], { authenticate: c.authenticate });
    const admin = { actor: { role: 'admin' } };
    const group = await r.router.admin.getGroup('claude');
    await r.router.admin.updateGroup(group.id, { enabled: false }, admin);
    const e = await caught(
      r.client({ maxRetries: 2 }).messages.create({ model: 'claude', max_tokens: 10, messages: hello }),
    );
    expect(e!.headers?.get('x-model-router-error-code')).toBe('NO_CANDIDATES');
    // 400, not 422: the SDK would not retry a 422 either, but LangChain would (the shared table).
    expect(e).toBeInstanceOf(Anthropic.BadRequestError);
    expect(e!.status).toBe(400);
    expect(e!.error).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
    expect(e!.headers?.get('x-should-retry')).toBe('false');
    expect(c.seen()).toBe(1);
    expect(r.anth.received.length + r.oai.received.length).toBe(0);
  });

  it('an upstream 529 with another candidate: failed over invisibly, the client gets a Message', async () => {
    const c = counted();
    r = await relay([json(529, overloaded)], [json(200, chatCompletion({ content: 'from the second' }))], {
      authenticate: c.authenticate,
    });
    const msg = await r
      .client({ maxRetries: 2 })
      .messages.create({ model: 'claude', max_tokens: 10, messages: hello });
    expect(msg.content).toEqual([{ type: 'text', text: 'from the second' }]);
    expect(c.seen()).toBe(1);
    expect(r.anth.received).toHaveLength(1);
    expect(r.oai.received).toHaveLength(1);
  });

  it('529 on every candidate, streamed: no 529 reaches the SDK (it would retry it) — 424 overloaded_error, once', async () => {
    const c = counted();
    r = await relay([json(529, overloaded)], [json(529, overloaded)], {
      authenticate: c.authenticate,
      router: { maxAttempts: 2 }, // each member once: no same-candidate retry with backoff
    });
    const stream = r.client({ maxRetries: 2 }).messages.stream({
      model: 'claude',
      max_tokens: 10,
      messages: hello,
    });
    const e = await caught(stream.finalMessage());
    expect(e).toBeInstanceOf(Anthropic.APIError);
    expect(e).not.toBeInstanceOf(Anthropic.InternalServerError); // the SDK's class for 5xx, 529 included
    expect(e!.status).toBe(424);
    expect(e!.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    expect(e!.headers?.get('x-should-retry')).toBe('false');
    expect(c.seen()).toBe(1);
    expect(r.anth.received).toHaveLength(1);
    expect(r.oai.received).toHaveLength(1);
  });
});
