import type { RouterStorage } from '../storage/storage.js';
import type { UsageRecord } from '../types/usage-record.js';
import { generalCases } from './storage-contract/general-cases.js';
import { groupCases } from './storage-contract/group-cases.js';
import { providerCases } from './storage-contract/provider-cases.js';
import { tagCases } from './storage-contract/tag-cases.js';
import { tenantCases } from './storage-contract/tenant-cases.js';

/** One case of a contract suite: run it from any test runner; it throws an `Error` on failure. */
export interface ContractCase {
  name: string;
  run: () => Promise<void>;
}

/** A storage under test, with what the harness needs around it. */
export interface StorageHarness {
  storage: RouterStorage;
  /** Called after the case (after `storage.close()`), pass or fail: drop a schema, delete a file. */
  cleanup?: () => void | Promise<void>;
  /** Reads back what `recordUsage` stored; without it the usage case only checks that writes succeed. */
  readUsage?: () => Promise<readonly UsageRecord[]> | readonly UsageRecord[];
}

/** Makes a fresh storage whose catalog is empty; called once per case. */
export type MakeStorage = () => RouterStorage | StorageHarness | Promise<RouterStorage | StorageHarness>;

const isHarness = (value: RouterStorage | StorageHarness): value is StorageHarness =>
  'storage' in value && typeof (value as Partial<RouterStorage>).loadCatalog !== 'function';

/**
 * The suite every `RouterStorage` must pass: each write, `NOT_FOUND`, `CONFLICT`, cascades, the shape
 * of `loadCatalog`, copy isolation, usage recording, notifications, concurrency and text fidelity.
 * Inputs are valid (the admin API validates before a storage sees them); the cases check the rules
 * only a storage can enforce.
 *
 * @example
 * ```ts
 * import { storageContract } from 'model-router/testing';
 * for (const c of storageContract(() => myStorage())) test(c.name, c.run);
 * ```
 */
export function storageContract(makeStorage: MakeStorage): ContractCase[] {
  return [...providerCases, ...groupCases, ...tagCases, ...generalCases, ...tenantCases].map((c) => ({
    name: c.name,
    async run() {
      const made = await makeStorage();
      const harness = isHarness(made) ? made : { storage: made };
      try {
        await harness.storage.init?.();
        await c.run({
          storage: harness.storage,
          ...(harness.readUsage ? { readUsage: harness.readUsage } : {}),
        });
      } finally {
        try {
          await harness.storage.close?.();
        } finally {
          await harness.cleanup?.();
        }
      }
    },
  }));
}
