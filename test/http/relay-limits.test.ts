import { request as httpRequest } from 'node:http';
import { RouterError } from 'model-router';
import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestServer, expectReleased, relayRouter, serve } from './harness.js';

const setup = relayRouter({
  router: {
    catalog: {
      providers: [
        { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 'demo-secret-a1', maxConcurrent: 1 }] },
      ],
      models: [{ providerId: 'a', modelId: 'model-a' }],
      groups: [{ name: 'coding', members: [{ providerId: 'a', modelId: 'model-a' }] }],
    },
    timeouts: { queueWaitMs: 0 },
  },
});
const tokens: Record<string, { tenant: string }> = {
  'token-acme': { tenant: 'acme' },
  'token-evil': { tenant: 'evil' },
};
let server: TestServer;
let client: OpenAI;

beforeAll(async () => {
  server = await serve(
    createRelayHandler(setup.router, {
      basePath: '/llm',
      maxBodyBytes: 4096,
      authenticate: (req) => {
        const token = req.headers.get('authorization')?.replace(/^Bearer /, '') ?? '';
        if (token === 'token-broken') throw new Error('session store down: password=hunter2');
        return tokens[token] ?? null;
      },
      transformRequest: (chat, { actor }) => {
        const { tenant } = actor as { tenant: string };
        if (tenant === 'evil') throw new RouterError('FORBIDDEN', 'Tenant may not use this model');
        return { ...chat, metadata: { ...chat.metadata, tenant } };
      },
    }),
  );
  client = new OpenAI({ apiKey: 'token-acme', baseURL: `${server.url}/llm/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await setup.router.close();
});

const hi = [{ role: 'user' as const, content: 'hi' }];

/** A raw request, for what the OpenAI client never sends (chunked bodies, odd methods and types). */
function raw(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; chunks?: string[] } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, {
      method,
      headers: { authorization: 'Bearer token-acme', ...options.headers },
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    for (const c of options.chunks ?? []) req.write(c);
    req.end();
  });
}

describe('relay: limits, routes and authentication', () => {
  it('401 without an actor, 500 (text hidden) when authenticate throws', async () => {
    const anonymous = new OpenAI({ apiKey: 'wrong', baseURL: `${server.url}/llm/v1`, maxRetries: 0 });
    await expect(anonymous.chat.completions.create({ model: 'coding', messages: hi })).rejects.toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
    await expect(anonymous.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    const broken = new OpenAI({ apiKey: 'token-broken', baseURL: `${server.url}/llm/v1`, maxRetries: 0 });
    const error = await broken.models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(JSON.stringify((error as { error: unknown }).error)).not.toContain('hunter2');
  });

  it('serves under basePath only', async () => {
    expect((await raw('GET', '/v1/models')).status).toBe(404);
    expect((await raw('GET', '/llm/v1/models')).status).toBe(200);
    expect((await raw('GET', '/llm/v1/audio/speech')).status).toBe(404);
    expect((await raw('GET', '/llm/v1/embeddings')).status).toBe(405); // served, POST only
  });

  it('405 with Allow for a wrong method, 415 for a non-JSON body, 400 for malformed JSON', async () => {
    const wrong = await raw('GET', '/llm/v1/chat/completions');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('POST');
    const form = await raw('POST', '/llm/v1/chat/completions', {
      headers: { 'content-type': 'text/plain' },
      chunks: ['{}'],
    });
    expect(form.status).toBe(415);
    const broken = await raw('POST', '/llm/v1/chat/completions', {
      headers: { 'content-type': 'application/json' },
      chunks: ['{"model":'],
    });
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body).error).toMatchObject({ code: 'VALIDATION', param: 'body' });
  });

  it('413 before any routing: by Content-Length, and for a chunked body past the cap', async () => {
    setup.a.reset();
    const big = 'x'.repeat(5000);
    const error = await client.chat.completions
      .create({ model: 'coding', messages: [{ role: 'user', content: big }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });

    const chunked = await raw('POST', '/llm/v1/chat/completions', {
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [
        '{"model":"coding","messages":[{"role":"user","content":"',
        'y'.repeat(3000),
        'y'.repeat(3000),
        '"}]}',
      ],
    });
    expect(chunked.status).toBe(413);
    expect(chunked.headers.connection).toBe('close');
    expect(setup.a.calls).toHaveLength(0);
    expectReleased(setup.router);
  });

  it('transformRequest tags the request with the actor, or refuses it with 403', async () => {
    setup.a.reset();
    await client.chat.completions.create({ model: 'coding', messages: hi, metadata: { app: 'cli' } });
    expect(setup.a.calls[0]!.request.metadata).toEqual({ app: 'cli', tenant: 'acme' });
    const evil = new OpenAI({ apiKey: 'token-evil', baseURL: `${server.url}/llm/v1`, maxRetries: 0 });
    await expect(evil.chat.completions.create({ model: 'coding', messages: hi })).rejects.toBeInstanceOf(
      OpenAI.PermissionDeniedError,
    );
    expect(setup.a.calls).toHaveLength(1);
  });

  it('429 QUEUE_TIMEOUT with Retry-After when no slot frees, and an aborted call releases its slot', async () => {
    setup.a.push({ hang: true });
    const controller = new AbortController();
    const attempted = new Promise<void>((resolve) => setup.router.once('attempt', () => resolve()));
    const hanging = client.chat.completions.create(
      { model: 'coding', messages: hi },
      { signal: controller.signal },
    );
    hanging.catch(() => {});
    await attempted;

    const error = await client.chat.completions
      .create({ model: 'coding', messages: hi })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    expect(error).toMatchObject({ code: 'QUEUE_TIMEOUT' });
    expect((error as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toBe('1');

    controller.abort();
    await expect(hanging).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    await vi.waitFor(() => expectReleased(setup.router));
    expect(setup.a.calls.at(-1)!.aborted).toBe(true);
    // The slot is free again.
    const ok = await client.chat.completions.create({ model: 'coding', messages: hi });
    expect(ok.choices[0]!.message.content).toBe('ok');
  });
});
