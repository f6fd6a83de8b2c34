/**
 * A custom `RouterStorage`: the catalog in one JSON file, usage records appended to a JSONL file.
 * It passes `storageContract` (test/storage/json-file-storage.test.ts) — run the same suite on yours:
 *
 *   for (const c of storageContract(() => myStorage())) test(c.name, c.run);
 *
 * The catalog rules (unique names, one member per model, cascades, NOT_FOUND / CONFLICT) are not
 * rewritten here: each write restores the file into a `memoryStorage({ snapshot })`, lets it apply
 * the change, and saves the result. Writes are serialised in this process and the file is replaced
 * atomically (write a temporary file, then rename), so a reader never sees half a catalog.
 * One process per file: several processes would need a lock file (or a real database).
 */
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import {
  type Catalog,
  type CatalogChange,
  type RouterStorage,
  type UsageRecord,
  memoryStorage,
} from 'model-router';

export interface JsonFileStorageOptions {
  /** The catalog file; created on the first write. */
  file: string;
  /** Where usage records go, one JSON object per line. @default `<file without .json>.usage.jsonl` */
  usageFile?: string;
}

export interface JsonFileStorage extends RouterStorage {
  /** Every usage record written so far (for reports and tests). */
  readUsage(): Promise<UsageRecord[]>;
}

const EMPTY: Catalog = { providers: [], models: [], groups: [] };

export function jsonFileStorage(options: JsonFileStorageOptions): JsonFileStorage {
  const { file } = options;
  const usageFile = options.usageFile ?? `${file.replace(/\.json$/, '')}.usage.jsonl`;
  const listeners = new Set<(change: CatalogChange) => void>();
  let queue: Promise<unknown> = Promise.resolve();

  const readText = async (path: string, fallback: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return fallback;
      throw error;
    }
  };
  const read = async (): Promise<Catalog> => JSON.parse(await readText(file, JSON.stringify(EMPTY)));
  const save = async (catalog: Catalog) => {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(catalog, null, 2)}\n`);
    await rename(tmp, file);
  };

  /** Wraps one catalog write: restore, apply with the memory rules, save, notify. */
  const write =
    <A extends unknown[], T>(
      entity: CatalogChange['entity'],
      apply: (rules: RouterStorage, ...args: A) => Promise<T>,
    ) =>
    (...args: A): Promise<T> => {
      const run = queue.then(async () => {
        const rules = memoryStorage({ snapshot: await read() });
        const result = await apply(rules, ...args); // throws NOT_FOUND, CONFLICT… before anything is saved
        await save(await rules.loadCatalog());
        return result;
      });
      queue = run.catch(() => {}); // a failed write must not block the next one
      return run.then((result) => {
        const id = (result as { id?: string } | undefined)?.id;
        for (const listener of listeners) listener(id ? { entity, id } : { entity });
        return result;
      });
    };

  return {
    loadCatalog: read,
    async subscribe(onChange) {
      listeners.add(onChange);
      return async () => {
        listeners.delete(onChange);
      };
    },

    createProvider: write('provider', (s, input: Parameters<RouterStorage['createProvider']>[0]) =>
      s.createProvider(input),
    ),
    updateProvider: write(
      'provider',
      (s, id: string, patch: Parameters<RouterStorage['updateProvider']>[1]) => s.updateProvider(id, patch),
    ),
    deleteProvider: write('provider', (s, id: string) => s.deleteProvider(id)),
    addKey: write('key', (s, providerId: string, input: Parameters<RouterStorage['addKey']>[1]) =>
      s.addKey(providerId, input),
    ),
    updateKey: write(
      'key',
      (s, providerId: string, keyId: string, patch: Parameters<RouterStorage['updateKey']>[2]) =>
        s.updateKey(providerId, keyId, patch),
    ),
    removeKey: write('key', (s, providerId: string, keyId: string) => s.removeKey(providerId, keyId)),
    createModel: write('model', (s, input: Parameters<RouterStorage['createModel']>[0]) =>
      s.createModel(input),
    ),
    updateModel: write('model', (s, id: string, patch: Parameters<RouterStorage['updateModel']>[1]) =>
      s.updateModel(id, patch),
    ),
    deleteModel: write('model', (s, id: string) => s.deleteModel(id)),
    createGroup: write('group', (s, input: Parameters<RouterStorage['createGroup']>[0]) =>
      s.createGroup(input),
    ),
    updateGroup: write('group', (s, id: string, patch: Parameters<RouterStorage['updateGroup']>[1]) =>
      s.updateGroup(id, patch),
    ),
    deleteGroup: write('group', (s, id: string) => s.deleteGroup(id)),
    addGroupMember: write(
      'member',
      (s, groupId: string, input: Parameters<RouterStorage['addGroupMember']>[1]) =>
        s.addGroupMember(groupId, input),
    ),
    removeGroupMember: write('member', (s, groupId: string, memberId: string) =>
      s.removeGroupMember(groupId, memberId),
    ),

    async recordUsage(records) {
      if (records.length > 0)
        await appendFile(usageFile, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    },
    async readUsage() {
      const text = await readText(usageFile, '');
      return text
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as UsageRecord);
    },
    async close() {
      listeners.clear();
      await queue;
    },
  };
}
