/**
 * `npm run example:custom-storage`: a router on a custom storage — a JSON file — managed through
 * `router.admin`, and the same file read back by a second router. No keys, no network.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ModelRouter } from 'model-router';
import { mockProvider } from 'model-router/testing';
import { jsonFileStorage } from './json-file-storage.js';

const dir = mkdtempSync(join(tmpdir(), 'model-router-example-'));
const file = join(dir, 'catalog.json');
const admin = { actor: { role: 'admin' } };

try {
  const first = new ModelRouter({ storage: jsonFileStorage({ file }), adapters: { mock: mockProvider() } });
  await first.admin.createProvider(
    { id: 'local', adapter: 'mock', keys: [{ id: 'k1', secret: 'env:HOME', rpm: 60 }] },
    admin,
  );
  await first.admin.createModel({ providerId: 'local', modelId: 'tiny' }, admin);
  await first.admin.createGroup({ name: 'chat', members: [{ providerId: 'local', modelId: 'tiny' }] }, admin);
  console.log('catalog written to', file);
  await first.close();

  const second = new ModelRouter({
    storage: jsonFileStorage({ file }),
    adapters: { mock: mockProvider({ fallback: { text: 'hello from a JSON-file catalog' } }) },
  });
  const res = await second.complete({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
  console.log(`chat → ${res.model.providerId}/${res.model.modelId}: "${res.message.content}"`);
  console.log('groups:', (await second.admin.listGroups()).map((g) => g.name).join(', '));
  await second.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
