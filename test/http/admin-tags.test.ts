import { ModelRouter } from 'model-router';
import { createAdminHandler } from 'model-router/http';
import { mockProvider } from 'model-router/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, serve } from './harness.js';

const router = new ModelRouter({
  catalog: {
    providers: [{ id: 'p', adapter: 'mock', keys: [{ id: 'k', secret: 'demo-secret-p-0001' }] }],
    models: [
      { providerId: 'p', modelId: 'eu-model' },
      { providerId: 'p', modelId: 'us-model' },
    ],
  },
  adapters: { mock: mockProvider() },
});
let admin: TestServer;
const call = (method: string, path: string, body?: unknown) =>
  fetch(`${admin.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-role': 'admin' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

beforeAll(async () => {
  admin = await serve(
    createAdminHandler(router, {
      authenticate: (req) => (req.headers.get('x-role') ? { role: req.headers.get('x-role') } : null),
    }),
  );
});
afterAll(async () => {
  await admin.close();
  await router.close();
});

describe('admin REST: tags and cache prices', () => {
  it('PATCH a model, POST a group with tagged members; routing follows the tags', async () => {
    const patched = await call('PATCH', '/models/p/eu-model', {
      tags: ['region:eu'],
      cacheReadCostPerMTok: 0.1,
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ tags: ['region:eu'], cacheReadCostPerMTok: 0.1 });
    const created = await call('POST', '/model-groups', {
      name: 'regional',
      members: [
        { providerId: 'p', modelId: 'us-model', tags: ['region:us'] },
        { providerId: 'p', modelId: 'eu-model' },
      ],
    });
    expect(created.status).toBe(201);
    const group = (await created.json()) as { members: Array<{ tags?: string[] }> };
    expect(group.members.map((m) => m.tags)).toEqual([['region:us'], undefined]);
    const r = await router.complete({
      model: 'regional',
      messages: [{ role: 'user', content: 'hi' }],
      tags: ['region:eu'],
    });
    expect(r.model.modelId).toBe('eu-model');
    const bad = await call('PATCH', '/models/p/eu-model', { tags: ['two words'] });
    expect(bad.status).toBe(400);
  });
});
