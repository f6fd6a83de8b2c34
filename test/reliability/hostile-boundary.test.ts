import { ModelRouter, RouterError } from 'model-router';
import { createAdminHandler, createRelayHandler } from 'model-router/http';
import { mockProvider } from 'model-router/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, serve } from '../http/harness.js';

/*
 * Issue #11, items 10, 11 and 15: hostile input at the boundaries — a request nested thousands of
 * levels deep, admin bodies whose keys are prototype names, and an actor allowed `provider.update`
 * trying to point a provider (and so its keys) at a server of its own. Real node:http servers,
 * the official OpenAI client for the relay.
 */

const hi = [{ role: 'user' as const, content: 'hi' }];

/** `{ type: 'object', properties: { a: { … } } }` nested `levels` deep, as JSON text (about 10 KB for 5,000 with short keys). */
function deepJson(levels: number): string {
  return `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;
}

function router(authorize?: (actor: unknown, action: string) => boolean): ModelRouter {
  return new ModelRouter({
    catalog: {
      providers: [
        {
          id: 'p',
          adapter: 'mock',
          baseUrl: 'https://api.example/v1',
          keys: [{ id: 'k', secret: 'sk-p-0123456789abcdef' }],
        },
      ],
      models: [{ providerId: 'p', modelId: 'm' }],
    },
    adapters: { mock: mockProvider({ fallback: { text: 'ok' } }) },
    ...(authorize ? { authorize } : {}),
  });
}

describe('item 10: nesting 5,000 levels deep', () => {
  const r = router();
  let relay: TestServer;
  beforeAll(async () => {
    relay = await serve(createRelayHandler(r));
  });
  afterAll(async () => {
    await relay.close();
    await r.close();
  });

  it('router: tools[].function.parameters → VALIDATION naming the field, nothing counted', async () => {
    const parameters = JSON.parse(deepJson(5_000));
    const error = await r
      .complete({
        model: 'p/m',
        messages: hi,
        tools: [{ type: 'function', function: { name: 'f', parameters } }],
      })
      .catch((e: unknown) => e);
    expect(RouterError.isInstance(error) && error.code).toBe('VALIDATION');
    expect((error as RouterError).details.field).toBe('request.tools[0].function.parameters');
    expect(r.stats().inFlight).toBe(0);
  });

  it('router: json_schema and providerOptions too; 64 levels still pass', async () => {
    const schema = JSON.parse(deepJson(5_000));
    await expect(
      r.complete({
        model: 'p/m',
        messages: hi,
        responseFormat: { type: 'json_schema', json_schema: { name: 's', schema } },
      }),
    ).rejects.toMatchObject({
      code: 'VALIDATION',
      details: { field: 'request.responseFormat.json_schema.schema' },
    });
    await expect(
      r.complete({ model: 'p/m', messages: hi, providerOptions: { p: JSON.parse(deepJson(100)) } }),
    ).rejects.toMatchObject({ code: 'VALIDATION', details: { field: 'request.providerOptions.p' } });
    const ok = await r.complete({
      model: 'p/m',
      messages: hi,
      tools: [{ type: 'function', function: { name: 'f', parameters: JSON.parse(deepJson(63)) } }],
    });
    expect(ok.message.content).toBe('ok');
  });

  it('relay: the official client gets a 400 naming the field, not a 500', async () => {
    // 1,000 levels: the client's own JSON.stringify overflows well before 5,000.
    const client = new OpenAI({ baseURL: `${relay.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const error = await client.chat.completions
      .create({
        model: 'p/m',
        messages: hi,
        tools: [{ type: 'function', function: { name: 'f', parameters: JSON.parse(deepJson(1_000)) } }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const e = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.param).toBe('tools[0].function.parameters');
  });

  it('relay: a raw 10 KB body nested 5,000 levels', async () => {
    const body = `{"model":"p/m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${deepJson(5_000)}}}]}`;
    expect(body.length).toBeLessThan(40_000);
    const res = await fetch(`${relay.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.param).toBe('tools[0].function.parameters');
  });
});

describe('item 11 and 15: the admin REST API', () => {
  const asked: string[] = [];
  // `ops` may update providers but not read or steer their keys; `admin` may do anything.
  const r = router((actor, action) => {
    asked.push(action);
    const role = (actor as { role?: string } | undefined)?.role;
    return role === 'admin' || (role === 'ops' && action === 'provider.update');
  });
  let admin: TestServer;
  beforeAll(async () => {
    admin = await serve(
      createAdminHandler(r, {
        authenticate: (req) => {
          const role = req.headers.get('x-role');
          return role ? { role } : null;
        },
      }),
    );
  });
  afterAll(async () => {
    await admin.close();
    await r.close();
  });

  async function send(method: string, path: string, body: string, role = 'admin') {
    const res = await fetch(`${admin.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-role': role },
      body,
    });
    return { status: res.status, json: await res.json() };
  }

  for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`a body key "${key}" is reported as sent in param`, async () => {
      const created = await send('POST', '/providers', `{"id":"x","adapter":"mock","${key}":{"a":1}}`);
      expect(created.status).toBe(400);
      expect(created.json.error.param).toBe(key);
      const patched = await send('PATCH', '/providers/p', `{"${key}":"x"}`);
      expect(patched.status).toBe(400);
      expect(patched.json.error.param).toBe(key);
      const member = await send(
        'POST',
        '/model-groups',
        `{"name":"g","members":[{"providerId":"p","modelId":"m","${key}":1}]}`,
      );
      expect(member.status).toBe(400);
      expect(member.json.error.param).toBe(`members[0].${key}`);
    });
  }

  it('provider.update alone cannot change baseUrl or adapter: 403, nothing changed', async () => {
    for (const patch of [{ baseUrl: 'https://attacker.example/v1' }, { adapter: 'mock', name: 'x' }]) {
      asked.length = 0;
      const res = await send('PATCH', '/providers/p', JSON.stringify(patch), 'ops');
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('FORBIDDEN');
      expect(asked).toEqual(['provider.endpoint']);
    }
    const providers = await r.admin.listProviders();
    expect(providers[0]).toMatchObject({ baseUrl: 'https://api.example/v1', adapter: 'mock' });
    expect(providers[0]!.name).not.toBe('x');
  });

  it('provider.update still changes other fields; provider.endpoint (admin) changes baseUrl', async () => {
    const renamed = await send(
      'PATCH',
      '/providers/p',
      JSON.stringify({ name: 'Primary', enabled: true }),
      'ops',
    );
    expect(renamed.status).toBe(200);
    expect(renamed.json.name).toBe('Primary');
    const moved = await send('PATCH', '/providers/p', JSON.stringify({ baseUrl: 'https://eu.example/v1' }));
    expect(moved.status).toBe(200);
    expect(moved.json.baseUrl).toBe('https://eu.example/v1');
  });

  it('router.admin: the same rule without HTTP', async () => {
    await expect(
      r.admin.updateProvider('p', { baseUrl: null }, { actor: { role: 'ops' } }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', details: { action: 'provider.endpoint' } });
  });
});
