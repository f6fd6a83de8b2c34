import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRouter, RouterError, openaiCompatible } from '../../src/index.js';
import { createAdminHandler, createRelayHandler } from '../../src/http/index.js';
import { memoryStorage } from '../../src/storage/memory-storage.js';
import { expectReleased, serve } from '../http/harness.js';
import { type UpstreamHandler, embeddingsReply, openaiUpstream } from '../helpers/openai-upstream.js';

/*
 * Virtual keys on the relay (#18 part 1), driven by the official `openai` and `@anthropic-ai/sdk`
 * clients against node:http on 127.0.0.1: every route authenticates, refusals come in each API's
 * own error shape, and the tenant's allowed models and limits apply to routing.
 */

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const chatReply = (model: string) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1,
  model,
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
});

const chunk = (model: string, delta: object, finish: string | null, usage?: object) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model,
  choices: finish === 'none' ? [] : [{ index: 0, delta, finish_reason: finish }],
  ...(usage ? { usage } : {}),
});

const upstreamHandler: UpstreamHandler = (r) => {
  if (r.path.endsWith('/embeddings')) return { json: embeddingsReply(r.body) };
  const model = String(r.body.model);
  if (!r.body.stream) return { json: chatReply(model) };
  return {
    sse: [
      chunk(model, { role: 'assistant', content: 'hi' }, null),
      chunk(model, {}, 'stop'),
      chunk(model, {}, 'none', { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }),
      '[DONE]',
    ],
  };
};

async function setup(
  handler: UpstreamHandler = upstreamHandler,
  options: { pepper?: string; clock?: { now(): number } } = {},
) {
  const up = await openaiUpstream(handler);
  open.push(up);
  const storage = memoryStorage({
    catalog: {
      providers: [
        { id: 'oa', adapter: 'openai', baseUrl: up.url, keys: [{ id: 'k1', secret: 'sk-upstream' }] },
      ],
      models: [
        { providerId: 'oa', modelId: 'gpt-small', inputCostPerMTok: 1, outputCostPerMTok: 2 },
        { providerId: 'oa', modelId: 'gpt-large' },
        { providerId: 'oa', modelId: 'embed-small' },
      ],
      groups: [
        { name: 'coding', members: [{ providerId: 'oa', modelId: 'gpt-small' }] },
        {
          name: 'regional',
          members: [
            { providerId: 'oa', modelId: 'gpt-small', tags: ['region:us'] },
            { providerId: 'oa', modelId: 'gpt-large', tags: ['region:eu', 'tier:large'] },
          ],
        },
      ],
    },
  });
  const router = new ModelRouter({
    storage,
    adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9' }) },
    virtualKeyPepper: options.pepper ?? 'a-test-pepper-of-16+-bytes',
    ...(options.clock ? { clock: options.clock } : {}),
  });
  open.push(router);
  const server = await serve(createRelayHandler(router, { virtualKeys: true }));
  open.push(server);
  const admin = { actor: { role: 'admin' } };
  const openai = (apiKey: string) => new OpenAI({ baseURL: `${server.url}/v1`, apiKey, maxRetries: 0 });
  const anthropic = (apiKey: string) => new Anthropic({ baseURL: server.url, apiKey, maxRetries: 0 });
  return { router, storage, up, server, admin, openai, anthropic };
}

const hi = [{ role: 'user' as const, content: 'hi' }];

async function rejection(
  p: Promise<unknown>,
): Promise<{ status?: number; error?: unknown; headers?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as { status?: number; error?: unknown };
  }
  throw new Error('expected the call to fail');
}

describe('relay virtualKeys: authentication on every route', () => {
  it('a minted key serves chat, messages, responses and embeddings; usage records carry the tenant and key', async () => {
    const { router, storage, admin, openai, anthropic, up } = await setup();
    const tenant = await router.admin.createTenant({ name: 'acme' }, admin);
    const created = await router.admin.createVirtualKey(tenant.id, { name: 'ci' }, admin);
    expect(created.key).toMatch(/^mr-[A-Za-z0-9_-]{43}$/);
    expect(created.preview).toBe(`${created.key.slice(0, 8)}…${created.key.slice(-4)}`);

    const chat = await openai(created.key).chat.completions.create({ model: 'coding', messages: hi });
    expect(chat.choices[0]!.message.content).toBe('hi');
    const stream = await openai(created.key).chat.completions.create({
      model: 'coding',
      messages: hi,
      stream: true,
    });
    for await (const _ of stream) {
      // drained
    }
    const msg = await anthropic(created.key).messages.create({
      model: 'coding',
      max_tokens: 50,
      messages: hi,
    });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'hi' });
    const resp = await openai(created.key).responses.create({ model: 'coding', input: 'hi' });
    expect(resp.output_text).toBe('hi');
    const emb = await openai(created.key).embeddings.create({ model: 'oa/embed-small', input: 'x' });
    expect(emb.data).toHaveLength(1);

    // The upstream saw the catalog key, never the virtual key.
    for (const r of up.requests) {
      expect(r.headers.authorization).toBe('Bearer sk-upstream');
      expect(JSON.stringify(r.headers)).not.toContain(created.key);
    }
    await router.close(); // flush usage
    const records = (storage as { usage: readonly { tenantId?: string; virtualKeyId?: string }[] }).usage;
    expect(records.length).toBeGreaterThanOrEqual(4);
    for (const r of records) expect([r.tenantId, r.virtualKeyId]).toEqual([tenant.id, created.id]);
  });

  it('no key, a made-up key, a revoked key and an expired key are 401 in each API’s shape', async () => {
    let now = Date.parse('2026-06-01T00:00:00Z');
    const { router, admin, openai, anthropic, up } = await setup(upstreamHandler, {
      clock: { now: () => now },
    });
    const t = await router.admin.createTenant({ name: 'acme' }, admin);
    const revoked = await router.admin.createVirtualKey(t.id, {}, admin);
    await router.admin.revokeVirtualKey(t.id, revoked.id, admin);
    const expiring = await router.admin.createVirtualKey(t.id, { expiresAt: '2026-06-01T00:01:00Z' }, admin);
    // Valid until its expiry, refused after it.
    await openai(expiring.key).chat.completions.create({ model: 'coding', messages: hi });
    now += 60_000;

    const forged = `mr-${'A'.repeat(43)}`;
    // No key at all: raw requests (the SDKs refuse to send none).
    const server = (openai('x') as unknown as { baseURL: string }).baseURL;
    const bare = await fetch(`${server}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'coding', messages: hi }),
    });
    expect(bare.status).toBe(401);
    expect(await bare.json()).toMatchObject({
      error: { type: 'authentication_error', code: 'UNAUTHENTICATED' },
    });
    const bareMessages = await fetch(`${server}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'coding', max_tokens: 5, messages: hi }),
    });
    expect(bareMessages.status).toBe(401);
    expect(await bareMessages.json()).toMatchObject({
      type: 'error',
      error: { type: 'authentication_error' },
    });

    const cases: Array<[string, string]> = [
      ['sk-not-even-ours', 'Invalid API key'],
      [forged, 'Invalid API key'],
      [revoked.key, 'This API key has been revoked'],
      [expiring.key, 'This API key has expired'],
    ];
    for (const [key, message] of cases) {
      const o = await rejection(openai(key).chat.completions.create({ model: 'coding', messages: hi }));
      expect(o).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(o.error).toMatchObject({ type: 'authentication_error', code: 'UNAUTHENTICATED', message });
      const e = await rejection(openai(key).embeddings.create({ model: 'oa/embed-small', input: 'x' }));
      expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
      const r = await rejection(openai(key).responses.create({ model: 'coding', input: 'hi' }));
      expect(r).toBeInstanceOf(OpenAI.AuthenticationError);
      const a = await rejection(
        anthropic(key).messages.create({ model: 'coding', max_tokens: 5, messages: hi }),
      );
      expect(a).toBeInstanceOf(Anthropic.AuthenticationError);
      expect(a.error).toMatchObject({ type: 'error', error: { type: 'authentication_error', message } });
    }
    // Only the one request made before the expiry reached the upstream.
    expect(up.requests).toHaveLength(1);
    expectReleased(router);
  });

  it('a key is bound to the pepper it was minted under: another pepper cannot verify it', async () => {
    const first = await setup(upstreamHandler, { pepper: 'pepper-number-one-16b' });
    const t = await first.router.admin.createTenant({ name: 'acme' }, first.admin);
    const k = await first.router.admin.createVirtualKey(t.id, {}, first.admin);
    // A second router on the same storage with another pepper.
    const other = new ModelRouter({
      storage: first.storage,
      adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9' }) },
      virtualKeyPepper: 'pepper-number-two-16b',
    });
    await expect(other.authenticateKey(k.key)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(first.router.authenticateKey(k.key)).resolves.toMatchObject({
      tenant: { id: t.id },
      key: { id: k.id },
    });
  });
});

describe('relay virtualKeys: the tenant applies to routing', () => {
  it('allowed models: a model outside the tenant’s (or the key’s) list is 403 in each API’s shape', async () => {
    const { router, admin, openai, anthropic, up } = await setup();
    const t = await router.admin.createTenant(
      { name: 'acme', allowedModels: ['coding', 'oa/embed-small'] },
      admin,
    );
    const key = (await router.admin.createVirtualKey(t.id, {}, admin)).key;
    const narrow = (await router.admin.createVirtualKey(t.id, { allowedModels: ['oa/embed-small'] }, admin))
      .key;

    const o = await rejection(openai(key).chat.completions.create({ model: 'oa/gpt-large', messages: hi }));
    expect(o).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(o.error).toMatchObject({ type: 'permission_error', code: 'FORBIDDEN' });
    const a = await rejection(
      anthropic(key).messages.create({ model: 'gpt-large', max_tokens: 5, messages: hi }),
    );
    expect(a).toBeInstanceOf(Anthropic.PermissionDeniedError);
    expect(a.error).toMatchObject({ error: { type: 'permission_error' } });
    const r = await rejection(openai(key).responses.create({ model: 'gpt-large', input: 'hi' }));
    expect(r).toBeInstanceOf(OpenAI.PermissionDeniedError);
    // The key narrows its tenant: `coding` is the tenant's, not this key's.
    const n = await rejection(openai(narrow).chat.completions.create({ model: 'coding', messages: hi }));
    expect(n).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const e = await rejection(openai(narrow).embeddings.create({ model: 'oa/gpt-large', input: 'x' }));
    expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(up.requests).toHaveLength(0);

    // What is allowed is served; a direct model by its bare id matches its `providerId/modelId` entry.
    await openai(key).chat.completions.create({ model: 'coding', messages: hi });
    await openai(narrow).embeddings.create({ model: 'embed-small', input: 'x' });
    expect(up.requests).toHaveLength(2);
  });

  it('tenant tags: only candidates carrying all of them serve its keys (with the request’s own tags); none left is 400', async () => {
    const { router, admin, openai, up } = await setup();
    const eu = await router.admin.createTenant({ name: 'eu', tags: ['region:eu'] }, admin);
    const euKey = (await router.admin.createVirtualKey(eu.id, {}, admin)).key;
    const mars = await router.admin.createTenant({ name: 'mars', tags: ['region:mars'] }, admin);
    const marsKey = (await router.admin.createVirtualKey(mars.id, {}, admin)).key;
    const open = await router.admin.createTenant({ name: 'open' }, admin);
    const openKey = (await router.admin.createVirtualKey(open.id, {}, admin)).key;

    // gpt-small is first in the group: an untagged tenant gets it; the EU tenant only ever gets gpt-large.
    for (let i = 0; i < 3; i++) {
      await openai(euKey).chat.completions.create({ model: 'regional', messages: hi });
    }
    await openai(openKey).chat.completions.create({ model: 'regional', messages: hi });
    expect(up.requests.map((r) => r.body.model)).toEqual([
      'gpt-large',
      'gpt-large',
      'gpt-large',
      'gpt-small',
    ]);

    // The request's own tags add to the tenant's (library API): region:us on top of region:eu leaves none.
    const principal = await router.authenticateKey(euKey);
    const both = await router
      .complete({ model: 'regional', messages: hi, tags: ['region:us'] }, { tenant: principal })
      .catch((e: unknown) => e);
    expect(RouterError.isInstance(both, 'NO_CANDIDATES')).toBe(true);
    const none = await rejection(
      openai(marsKey).chat.completions.create({ model: 'regional', messages: hi }),
    );
    expect(none).toBeInstanceOf(OpenAI.BadRequestError);
    expect(none.error).toMatchObject({ code: 'NO_CANDIDATES' });
    expect(up.requests).toHaveLength(4);
  });

  it('a disabled tenant is 403; enabling it again serves', async () => {
    const { router, admin, openai } = await setup();
    const t = await router.admin.createTenant({ name: 'acme', enabled: false }, admin);
    const key = (await router.admin.createVirtualKey(t.id, {}, admin)).key;
    const o = await rejection(openai(key).chat.completions.create({ model: 'coding', messages: hi }));
    expect(o).toBeInstanceOf(OpenAI.PermissionDeniedError);
    await router.admin.updateTenant(t.id, { enabled: true }, admin);
    await expect(
      openai(key).chat.completions.create({ model: 'coding', messages: hi }),
    ).resolves.toBeDefined();
  });

  it('tenant concurrency: past maxConcurrent the next request is 429 at once; the slot comes back after', async () => {
    let release: (() => void) | undefined;
    const gate = new Promise<void>((r) => (release = r));
    const held: UpstreamHandler = (r, i) => (i === 0 ? { hang: true } : upstreamHandler(r, i));
    const { router, admin, openai, anthropic, up } = await setup(held);
    const t = await router.admin.createTenant({ name: 'acme', maxConcurrent: 1 }, admin);
    const key = (await router.admin.createVirtualKey(t.id, {}, admin)).key;
    const controller = new AbortController();
    const first = openai(key)
      .chat.completions.create({ model: 'coding', messages: hi }, { signal: controller.signal })
      .catch(() => undefined);
    // Wait until the first request is at the upstream (its tenant slot is then held).
    await new Promise<void>((resolve) => {
      const tick = () => (up.requests.length > 0 ? resolve() : setImmediate(tick));
      tick();
    });
    const o = await rejection(openai(key).chat.completions.create({ model: 'coding', messages: hi }));
    expect(o).toBeInstanceOf(OpenAI.RateLimitError);
    expect(o.error).toMatchObject({ code: 'QUOTA_EXHAUSTED', type: 'rate_limit_error' });
    expect((o.headers as Headers).get('retry-after')).toBe('1');
    const a = await rejection(
      anthropic(key).messages.create({ model: 'coding', max_tokens: 5, messages: hi }),
    );
    expect(a).toBeInstanceOf(Anthropic.RateLimitError);
    // Another tenant is not held back by this one.
    const other = await router.admin.createTenant({ name: 'other', maxConcurrent: 1 }, admin);
    const otherKey = (await router.admin.createVirtualKey(other.id, {}, admin)).key;
    await expect(
      openai(otherKey).chat.completions.create({ model: 'coding', messages: hi }),
    ).resolves.toBeDefined();
    controller.abort();
    await first;
    release?.();
    await gate;
    // The aborted request gave its slot back.
    await new Promise<void>((resolve) => {
      const tick = () => (router.stats().inFlight === 0 ? resolve() : setImmediate(tick));
      tick();
    });
    await expect(
      openai(key).chat.completions.create({ model: 'coding', messages: hi }),
    ).resolves.toBeDefined();
    expectReleased(router);
  });
});

describe('relay virtualKeys: budgets (#18 part 2)', () => {
  it('a request whose worst case does not fit the budget is 429 in each API’s shape, Retry-After at the period’s end', async () => {
    // 23:00 UTC: the day budget starts again in an hour.
    const { router, admin, openai, anthropic, up } = await setup(upstreamHandler, {
      clock: { now: () => Date.UTC(2026, 11, 5, 23) },
    });
    // gpt-small: $2 per million output tokens; 50 tokens of output reserve alone is $0.0001.
    const t = await router.admin.createTenant(
      { name: 'acme', budgets: [{ usd: 0.00005, period: 'day' }] },
      admin,
    );
    const key = (await router.admin.createVirtualKey(t.id, {}, admin)).key;

    const o = await rejection(
      openai(key).chat.completions.create({ model: 'coding', messages: hi, max_tokens: 50 }),
    );
    expect(o).toBeInstanceOf(OpenAI.RateLimitError);
    expect(o.error).toMatchObject({
      type: 'insufficient_quota',
      code: 'BUDGET_EXCEEDED',
      details: { scope: 'tenant', period: 'day', limitUsd: 0.00005, resetsAt: '2026-12-06T00:00:00.000Z' },
    });
    const headers = o.headers as Headers;
    expect(headers.get('retry-after')).toBe('3600');
    expect(headers.get('x-should-retry')).toBe('false');
    const a = await rejection(
      anthropic(key).messages.create({ model: 'coding', max_tokens: 50, messages: hi }),
    );
    expect(a).toBeInstanceOf(Anthropic.RateLimitError);
    expect(a.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
    expect((a.headers as Headers).get('retry-after')).toBe('3600');
    const r = await rejection(
      openai(key).responses.create({ model: 'coding', input: 'hi', max_output_tokens: 50 }),
    );
    expect(r).toBeInstanceOf(OpenAI.RateLimitError);
    expect(up.requests).toHaveLength(0);
    // A request small enough to fit is served: 5 output tokens reserve $0.00001.
    await openai(key).chat.completions.create({ model: 'coding', messages: hi, max_tokens: 5 });
    expect(up.requests).toHaveLength(1);
    expect(router.stats().budgetLeases).toBe(0);
  });
});

describe('relay virtualKeys: budgets on embeddings (#18 part 2)', () => {
  it('an embedding whose input does not fit the budget is 429 before any upstream call; a small one is served', async () => {
    const { router, admin, openai, up } = await setup(upstreamHandler, {
      clock: { now: () => Date.UTC(2026, 11, 5, 23) },
    });
    // gpt-small input: $1 per million tokens, so the $0.00005 budget holds 50 prompt tokens.
    const t = await router.admin.createTenant(
      { name: 'acme', budgets: [{ usd: 0.00005, period: 'day' }] },
      admin,
    );
    const key = (await router.admin.createVirtualKey(t.id, {}, admin)).key;
    const e = await rejection(
      openai(key).embeddings.create({ model: 'oa/gpt-small', input: ['many words '.repeat(200)] }),
    );
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect(e.error).toMatchObject({ code: 'BUDGET_EXCEEDED', details: { scope: 'tenant', period: 'day' } });
    expect((e.headers as Headers).get('retry-after')).toBe('3600');
    expect(up.requests).toHaveLength(0);
    const ok = await openai(key).embeddings.create({ model: 'oa/gpt-small', input: ['hi'] });
    expect(ok.data).toHaveLength(1);
    expect(up.requests).toHaveLength(1);
    expect(router.stats().budgetLeases).toBe(0);
  });
});

describe('admin REST for tenants and keys', () => {
  it('creates a tenant and a key (shown once), lists keys by preview, revokes; writes need authorize', async () => {
    const { router, openai } = await setup();
    const adminServer = await serve(
      createAdminHandler(router, {
        authenticate: (req) => {
          const token = req.headers.get('authorization');
          return token === 'Bearer root'
            ? { role: 'admin' }
            : token === 'Bearer viewer'
              ? { role: 'viewer' }
              : null;
        },
      }),
    );
    open.push(adminServer);
    const call = async (method: string, path: string, body?: unknown, token = 'root') => {
      const res = await fetch(`${adminServer.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
    };
    const denied = await call('POST', '/tenants', { name: 'acme' }, 'viewer');
    expect(denied).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', details: { action: 'tenant.create' } } },
    });
    const bad = await call('POST', '/tenants', { name: 'acme', budgets: [{ usd: 1, period: 'rolling' }] });
    expect(bad).toMatchObject({
      status: 400,
      body: { error: { code: 'VALIDATION', param: 'budgets[0].windowMs' } },
    });

    const created = await call('POST', '/tenants', { name: 'acme', rpm: 100 });
    expect(created).toMatchObject({ status: 201, body: { name: 'acme', rpm: 100, enabled: true } });
    const deniedKey = await call('POST', '/tenants/acme/keys', {}, 'viewer');
    expect(deniedKey.body).toMatchObject({ error: { details: { action: 'virtual_key.create' } } });
    const key = await call('POST', '/tenants/acme/keys', { name: 'ci' });
    expect(key.status).toBe(201);
    const secret = (key.body as { key: string }).key;
    expect(secret).toMatch(/^mr-/);
    const listed = await call('GET', '/tenants/acme/keys', undefined, 'viewer');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    expect(JSON.stringify(listed.body)).not.toContain('hash');
    expect(listed.body).toMatchObject({
      data: [{ name: 'ci', preview: (key.body as { preview: string }).preview }],
    });

    await expect(
      openai(secret).chat.completions.create({ model: 'coding', messages: hi }),
    ).resolves.toBeDefined();
    const keyId = (key.body as { id: string }).id;
    expect(await call('POST', `/tenants/acme/keys/${keyId}/revoke`, undefined, 'viewer')).toMatchObject({
      status: 403,
    });
    const revoked = await call('POST', `/tenants/acme/keys/${keyId}/revoke`);
    expect(revoked).toMatchObject({ status: 200, body: { revokedAt: expect.any(String) } });
    const o = await rejection(openai(secret).chat.completions.create({ model: 'coding', messages: hi }));
    expect(o).toBeInstanceOf(OpenAI.AuthenticationError);

    expect(await call('DELETE', '/tenants/acme')).toMatchObject({ status: 204 });
    expect(await call('GET', '/tenants/acme')).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
  });
});
