import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storageContract } from 'model-router/testing';
import { describe, expect, it } from 'vitest';
import { jsonFileStorage } from '../../examples/custom-storage/json-file-storage.js';

const tempDir = () => mkdtempSync(join(tmpdir(), 'mr-json-storage-'));

describe('examples/custom-storage: jsonFileStorage passes storageContract', () => {
  for (const c of storageContract(() => {
    const dir = tempDir();
    const storage = jsonFileStorage({ file: join(dir, 'catalog.json') });
    return {
      storage,
      readUsage: () => storage.readUsage(),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    };
  })) {
    it(c.name, c.run);
  }

  it('persists across instances', async () => {
    const dir = tempDir();
    try {
      const file = join(dir, 'catalog.json');
      await jsonFileStorage({ file }).createProvider({
        id: 'openai',
        adapter: 'openai',
        keys: [{ secret: 'env:K' }],
      });
      expect((await jsonFileStorage({ file }).loadCatalog()).providers.map((p) => p.id)).toEqual(['openai']);
      expect(JSON.parse(readFileSync(file, 'utf8')).providers[0].keys[0].secret).toBe('env:K');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
