/**
 * `npm run example:admin-api`: the admin REST API on node:http. Starts on a free port, lists, creates and
 * edits a model group (an admin may, a viewer may not), shows that keys come back as previews, stops.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { ModelRouter } from 'model-router';
import { createAdminHandler, toNodeListener } from 'model-router/http';
import { mockProvider } from 'model-router/testing';

export async function main(log: (line: string) => void = console.log): Promise<{ statuses: number[] }> {
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'openai', adapter: 'mock', keys: [{ id: 'oa-1', secret: 'demo-secret-0123456789', rpm: 500 }] },
      ],
      models: [
        { providerId: 'openai', modelId: 'gpt-4o-mini' },
        { providerId: 'openai', modelId: 'gpt-4o' },
      ],
      groups: [{ name: 'coding', members: [{ providerId: 'openai', modelId: 'gpt-4o' }] }],
    },
    adapters: { mock: mockProvider() },
    // The default: only actors with role 'admin' may write. Reads need any authenticated actor.
    authorize: (actor) => (actor as { role?: string } | undefined)?.role === 'admin',
  });

  const sessions: Record<string, { user: string; role: string }> = {
    'admin-token': { user: 'ada', role: 'admin' },
    'viewer-token': { user: 'vic', role: 'viewer' },
  };
  const handler = createAdminHandler(router, {
    basePath: '/admin',
    authenticate: (req) => sessions[req.headers.get('authorization')?.replace(/^Bearer /, '') ?? ''] ?? null,
  });
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`;
  log(`admin API on ${base}`);

  const statuses: number[] = [];
  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    statuses.push(res.status);
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    log(
      `${method} ${path} → ${res.status}${json?.error ? ` ${json.error.code}: ${json.error.message}` : ''}`,
    );
    return json;
  };

  try {
    const groups = await call('GET', '/model-groups', 'viewer-token');
    log(`  groups: ${groups.data.map((g: { name: string }) => g.name).join(', ')}`);
    const group = { name: 'fast', members: [{ providerId: 'openai', modelId: 'gpt-4o-mini' }] };
    await call('POST', '/model-groups', 'viewer-token', group); // 403: viewers may not write
    const created = await call('POST', '/model-groups', 'admin-token', group);
    await call('POST', '/model-groups', 'admin-token', {
      name: 'broken',
      members: [{ providerId: 'openai', modelId: 'gpt-9' }],
    }); // 400
    await call('PATCH', `/model-groups/${created.id}`, 'admin-token', { description: 'Cheap and quick' });
    const providers = await call('GET', '/providers', 'admin-token');
    log(`  key oa-1 shows as ${providers.data[0].keys[0].secretPreview}`);
    await call('DELETE', '/model-groups/fast', 'admin-token');
    return { statuses };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await router.close();
    log('stopped');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
