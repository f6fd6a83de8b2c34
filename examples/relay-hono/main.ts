/**
 * `npm run example:relay-hono`: an OpenAI-compatible relay in a Hono app, served by node:http.
 * Starts on a free port, makes one request with the official `openai` client, stops. No keys, no network
 * beyond 127.0.0.1: the providers are mocks.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { Hono } from 'hono';
import { ModelRouter } from 'model-router';
import { createRelayHandler, toNodeListener } from 'model-router/http';
import { mockProvider } from 'model-router/testing';
import OpenAI from 'openai';

export async function main(
  log: (line: string) => void = console.log,
): Promise<{ answer: string; servedBy: string }> {
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'flaky-cloud', adapter: 'flaky', keys: [{ id: 'fc-1', secret: 'demo-secret-1' }] },
        { id: 'steady-ai', adapter: 'steady', keys: [{ id: 'sa-1', secret: 'demo-secret-2' }] },
      ],
      models: [
        { providerId: 'flaky-cloud', modelId: 'fc-small' },
        { providerId: 'steady-ai', modelId: 'sa-large' },
      ],
      groups: [
        {
          name: 'coding',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'flaky-cloud', modelId: 'fc-small', priority: 0 },
            { providerId: 'steady-ai', modelId: 'sa-large', priority: 1 },
          ],
        },
      ],
    },
    adapters: {
      // flaky-cloud answers 503 once: the router fails over to steady-ai, invisibly to the client.
      flaky: mockProvider({
        script: [{ error: { status: 503 } }],
        fallback: { text: 'Hi from flaky-cloud.' },
      }),
      steady: mockProvider({ fallback: { text: 'Hi from steady-ai.' } }),
    },
  });

  // Your API keys for your clients (not provider keys): the relay asks `authenticate` who is calling.
  const clients: Record<string, { team: string }> = { 'team-a-token': { team: 'a' } };
  const relay = createRelayHandler(router, {
    authenticate: (req) => clients[req.headers.get('authorization')?.replace(/^Bearer /, '') ?? ''] ?? null,
  });

  const app = new Hono();
  app.get('/health', (c) => c.json({ ok: true }));
  app.all('/v1/*', (c) => relay(c.req.raw));

  const server = createServer(toNodeListener(app.fetch));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  log(`relay listening on http://127.0.0.1:${port}/v1`);

  try {
    const client = new OpenAI({
      apiKey: 'team-a-token',
      baseURL: `http://127.0.0.1:${port}/v1`,
      maxRetries: 0,
    });
    const { data, response } = await client.chat.completions
      .create({ model: 'coding', messages: [{ role: 'user', content: 'Say hi' }] })
      .withResponse();
    const answer = data.choices[0]?.message.content ?? '';
    const servedBy = response.headers.get('x-model-router-model') ?? '?';
    log(`answer: "${answer}" (served by ${servedBy}, ${data.usage?.total_tokens} tokens)`);
    return { answer, servedBy };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await router.close();
    log('stopped');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
