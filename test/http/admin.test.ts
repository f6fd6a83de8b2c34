import { ModelRouter } from 'model-router';
import { createAdminHandler, createRelayHandler } from 'model-router/http';
import { mockProvider } from 'model-router/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, serve } from './harness.js';

// Long enough to get a `abc…wxyz` preview; none of it may ever come back.
const SECRETS = [
  'demo-secret-openai-0001',
  'demo-secret-anthropic-0002',
  'demo-secret-added-0003',
  'demo-secret-rotated-0004',
];

const router = new ModelRouter({
  catalog: {
    providers: [
      { id: 'openai', adapter: 'mock', keys: [{ id: 'oa-1', secret: SECRETS[0]!, rpm: 500 }] },
      { id: 'anthropic', adapter: 'mock', keys: [{ id: 'an-1', secret: SECRETS[1]! }] },
    ],
    models: [
      { providerId: 'openai', modelId: 'gpt-4o-mini' },
      { providerId: 'anthropic', modelId: 'claude-sonnet-4-5' },
    ],
    groups: [
      {
        name: 'coding',
        members: [
          { providerId: 'anthropic', modelId: 'claude-sonnet-4-5', priority: 0 },
          { providerId: 'openai', modelId: 'gpt-4o-mini', priority: 1 },
        ],
      },
    ],
  },
  adapters: { mock: mockProvider({ fallback: { text: 'served' } }) },
});

let admin: TestServer;
let relay: TestServer;
const transcript: string[] = [];

beforeAll(async () => {
  const authenticate = (req: Request) => {
    const role = req.headers.get('x-role');
    return role ? { role } : null;
  };
  admin = await serve(createAdminHandler(router, { authenticate, basePath: '/admin' }));
  relay = await serve(createRelayHandler(router));
});
afterAll(async () => {
  await admin.close();
  await relay.close();
  await router.close();
  // Secrets are write-only: not one response carried one.
  for (const s of SECRETS) expect(transcript.join('\n')).not.toContain(s);
});

/** Test-only: response bodies are read as loosely typed JSON. */
// biome-ignore lint/suspicious/noExplicitAny: assertions walk arbitrary response JSON
type Json = any;

async function api(
  method: string,
  path: string,
  body?: unknown,
  role: string | null = 'admin',
): Promise<{ status: number; json: Json; headers: Headers }> {
  const res = await fetch(`${admin.url}/admin${path}`, {
    method,
    headers: {
      ...(role ? { 'x-role': role } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  transcript.push(text);
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

describe('admin REST: authentication and HTTP errors', () => {
  it('401 without an actor, reads included', async () => {
    const res = await api('GET', '/model-groups', undefined, null);
    expect(res.status).toBe(401);
    expect(res.json.error).toMatchObject({ code: 'UNAUTHENTICATED', type: 'authentication_error' });
  });

  it('404 for unknown routes, 405 with Allow, 415 for non-JSON, 400 for malformed JSON', async () => {
    expect((await api('GET', '/nothing')).status).toBe(404);
    const wrong = await api('PUT', '/model-groups');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    const form = await fetch(`${admin.url}/admin/model-groups`, {
      method: 'POST',
      headers: { 'x-role': 'admin', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=x',
    });
    expect(form.status).toBe(415);
    const broken = await fetch(`${admin.url}/admin/model-groups`, {
      method: 'POST',
      headers: { 'x-role': 'admin', 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(broken.status).toBe(400);
  });
});

describe('admin REST: model groups', () => {
  let groupId: string;

  it('GET /model-groups and GET /model-groups/:id (id or name)', async () => {
    const list = await api('GET', '/model-groups', undefined, 'viewer');
    expect(list.status).toBe(200);
    expect(list.json.data.map((g: { name: string }) => g.name)).toEqual(['coding']);
    const byName = await api('GET', '/model-groups/coding', undefined, 'viewer');
    expect(byName.json.members).toHaveLength(2);
    const byId = await api('GET', `/model-groups/${byName.json.id}`);
    expect(byId.json.name).toBe('coding');
    const missing = await api('GET', '/model-groups/nope');
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ code: 'NOT_FOUND', type: 'not_found_error' });
  });

  it('POST /model-groups: 403 for a non-admin (nothing created), 400 with zod issues, 201, 409', async () => {
    const input = { name: 'fast', members: [{ providerId: 'openai', modelId: 'gpt-4o-mini' }] };
    const forbidden = await api('POST', '/model-groups', input, 'viewer');
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error).toMatchObject({ code: 'FORBIDDEN', type: 'permission_error' });
    expect((await api('GET', '/model-groups/fast')).status).toBe(404);

    const invalid = await api('POST', '/model-groups', {
      name: '',
      members: [{ providerId: 'openai', modelID: 'x' }],
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json.error.code).toBe('VALIDATION');
    expect(invalid.json.error.details.issues.length).toBeGreaterThanOrEqual(2);
    expect(invalid.json.error.details.issues[0]).toHaveProperty('field');

    const unknownModel = await api('POST', '/model-groups', {
      name: 'x',
      members: [{ providerId: 'openai', modelId: 'gpt-9' }],
    });
    expect(unknownModel.status).toBe(400);
    expect(unknownModel.json.error.param).toBe('members[0].modelId');

    const created = await api('POST', '/model-groups', input);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'fast', enabled: true });
    groupId = created.json.id;
    expect(created.headers.get('location')).toBe(`/admin/model-groups/${encodeURIComponent(groupId)}`);

    const duplicate = await api('POST', '/model-groups', input);
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error.code).toBe('CONFLICT');
  });

  it('a group created over REST is served by the relay at once', async () => {
    const client = new OpenAI({ apiKey: 'unused', baseURL: `${relay.url}/v1`, maxRetries: 0 });
    const res = await client.chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(res.choices[0]!.message.content).toBe('served');
  });

  it('PATCH /model-groups/:id (id or name), 400, 403, 404', async () => {
    const patched = await api('PATCH', '/model-groups/fast', {
      description: 'Quick answers',
      failoverStrategy: 'priority',
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      id: groupId,
      description: 'Quick answers',
      failoverStrategy: 'priority',
    });
    expect((await api('PATCH', `/model-groups/${groupId}`, { enabled: 'yes' })).status).toBe(400);
    expect((await api('PATCH', `/model-groups/${groupId}`, { enabled: false }, 'viewer')).status).toBe(403);
    expect((await api('PATCH', '/model-groups/nope', { enabled: false })).status).toBe(404);
  });

  it('members: GET, POST 201, 409 duplicate, DELETE 204, 404', async () => {
    const added = await api('POST', `/model-groups/${groupId}/members`, {
      providerId: 'anthropic',
      modelId: 'claude-sonnet-4-5',
      priority: 5,
    });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ groupId, providerId: 'anthropic', priority: 5 });
    const again = await api('POST', `/model-groups/${groupId}/members`, {
      providerId: 'anthropic',
      modelId: 'claude-sonnet-4-5',
    });
    expect(again.status).toBe(409);
    expect((await api('POST', `/model-groups/${groupId}/members`, { providerId: 'anthropic' })).status).toBe(
      400,
    );
    expect((await api('POST', `/model-groups/${groupId}/members`, added.json, 'viewer')).status).toBe(403);

    const members = await api('GET', `/model-groups/${groupId}/members`);
    expect(members.json.data).toHaveLength(2);
    expect(
      (await api('DELETE', `/model-groups/${groupId}/members/${added.json.id}`, undefined, 'viewer')).status,
    ).toBe(403);
    const removed = await api('DELETE', `/model-groups/${groupId}/members/${added.json.id}`);
    expect(removed.status).toBe(204);
    expect(removed.json).toBeUndefined();
    expect((await api('DELETE', `/model-groups/${groupId}/members/${added.json.id}`)).status).toBe(404);
    expect((await api('GET', `/model-groups/${groupId}/members`)).json.data).toHaveLength(1);
  });

  it('DELETE /model-groups/:id: 403, 204, then 404', async () => {
    expect((await api('DELETE', `/model-groups/${groupId}`, undefined, 'viewer')).status).toBe(403);
    expect((await api('DELETE', `/model-groups/${groupId}`)).status).toBe(204);
    expect((await api('GET', `/model-groups/${groupId}`)).status).toBe(404);
    expect((await api('DELETE', `/model-groups/${groupId}`)).status).toBe(404);
  });
});

describe('admin REST: providers and keys', () => {
  it('GET /providers shows key previews, never secrets', async () => {
    const list = await api('GET', '/providers');
    expect(list.status).toBe(200);
    const openai = list.json.data.find((p: { id: string }) => p.id === 'openai');
    expect(openai.keys[0]).toMatchObject({ id: 'oa-1', rpm: 500 });
    expect(openai.keys[0].secretPreview).toMatch(/^dem…0001$/);
    expect(openai.keys[0]).not.toHaveProperty('secret');
    expect((await api('GET', '/providers/openai')).json.id).toBe('openai');
    expect((await api('GET', '/providers/nope')).status).toBe(404);
  });

  it('POST /providers (keys inline), PATCH, keys CRUD, DELETE', async () => {
    const input = { id: 'mistral', adapter: 'mock', keys: [{ id: 'mi-1', secret: SECRETS[2]!, rpm: 60 }] };
    expect((await api('POST', '/providers', input, 'viewer')).status).toBe(403);
    expect((await api('POST', '/providers', { id: 'bad id!', adapter: 'mock' })).status).toBe(400);
    const created = await api('POST', '/providers', input);
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/admin/providers/mistral');
    expect(created.json.keys[0]).not.toHaveProperty('secret');
    expect((await api('POST', '/providers', input)).status).toBe(409);

    const patched = await api('PATCH', '/providers/mistral', { name: 'Mistral AI' });
    expect(patched.json).toMatchObject({ id: 'mistral', name: 'Mistral AI' });
    expect((await api('PATCH', '/providers/mistral', { nope: 1 })).status).toBe(400);

    const key = await api('POST', '/providers/mistral/keys', { id: 'mi-2', secret: SECRETS[2]! });
    expect(key.status).toBe(201);
    expect(key.json).toMatchObject({ id: 'mi-2', providerId: 'mistral' });
    expect(key.json).not.toHaveProperty('secret');
    expect(
      (await api('POST', '/providers/mistral/keys', { id: 'mi-2', secret: 'another-secret' })).status,
    ).toBe(409);
    expect((await api('POST', '/providers/nope/keys', { secret: 'another-secret' })).status).toBe(404);

    const rotated = await api('PATCH', '/providers/mistral/keys/mi-2', { secret: SECRETS[3]!, rpm: 10 });
    expect(rotated.status).toBe(200);
    expect(rotated.json).toMatchObject({ id: 'mi-2', rpm: 10 });
    expect(rotated.json.secretPreview).toMatch(/0004$/);
    expect((await api('PATCH', '/providers/mistral/keys/mi-2', { rpm: -1 })).status).toBe(400);
    expect((await api('PATCH', '/providers/mistral/keys/nope', { rpm: 1 })).status).toBe(404);

    expect((await api('GET', '/providers/mistral/keys')).json.data.map((k: { id: string }) => k.id)).toEqual([
      'mi-1',
      'mi-2',
    ]);
    expect((await api('DELETE', '/providers/mistral/keys/mi-2', undefined, 'viewer')).status).toBe(403);
    expect((await api('DELETE', '/providers/mistral/keys/mi-2')).status).toBe(204);
    expect((await api('DELETE', '/providers/mistral/keys/mi-2')).status).toBe(404);

    expect((await api('DELETE', '/providers/mistral', undefined, 'viewer')).status).toBe(403);
    expect((await api('DELETE', '/providers/mistral')).status).toBe(204);
    expect((await api('GET', '/providers/mistral')).status).toBe(404);
  });
});

describe('admin REST: models', () => {
  it('GET /models, GET /models/:ref by id, by providerId/modelId (slash raw or encoded)', async () => {
    const list = await api('GET', '/models');
    expect(list.json.data.map((m: { modelId: string }) => m.modelId)).toEqual([
      'gpt-4o-mini',
      'claude-sonnet-4-5',
    ]);
    const raw = await api('GET', '/models/openai/gpt-4o-mini');
    expect(raw.json).toMatchObject({ providerId: 'openai', modelId: 'gpt-4o-mini' });
    expect((await api('GET', `/models/${encodeURIComponent('openai/gpt-4o-mini')}`)).json.id).toBe(
      raw.json.id,
    );
    expect((await api('GET', `/models/${raw.json.id}`)).json.modelId).toBe('gpt-4o-mini');
    expect((await api('GET', '/models/openai/gpt-9')).status).toBe(404);
  });

  it('POST /models 201/400/403/409, PATCH, DELETE', async () => {
    const input = { providerId: 'openai', modelId: 'gpt-4o', contextWindow: 128000 };
    expect((await api('POST', '/models', input, 'viewer')).status).toBe(403);
    expect((await api('POST', '/models', { providerId: 'openai' })).status).toBe(400);
    const created = await api('POST', '/models', input);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject(input);
    expect((await api('POST', '/models', input)).status).toBe(409);

    const patched = await api('PATCH', '/models/openai/gpt-4o', { maxOutputTokens: 4096 });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id: created.json.id, maxOutputTokens: 4096 });
    expect((await api('PATCH', '/models/openai/gpt-4o', { contextWindow: 'big' })).status).toBe(400);
    expect((await api('PATCH', '/models/openai/gpt-9', { contextWindow: 1 })).status).toBe(404);

    expect((await api('DELETE', '/models/openai/gpt-4o', undefined, 'viewer')).status).toBe(403);
    expect((await api('DELETE', `/models/${created.json.id}`)).status).toBe(204);
    expect((await api('GET', '/models/openai/gpt-4o')).status).toBe(404);
  });
});
