import type { GroupInput, KeyInput, MemberInput, ModelInput, ProviderInput } from '../catalog/inputs.js';
import type { GroupPatch, KeyPatch, ModelPatch, ProviderPatch } from '../catalog/patches.js';
import type { Catalog, Group, GroupMember, Model, Provider, ProviderKey } from '../catalog/types.js';
import type { UsageRecord } from '../types/usage-record.js';
import type { TenantStore } from './tenant-store.js';

/** What changed, for cross-instance invalidation. The router reloads the catalog on any change. */
export interface CatalogChange {
  entity: 'provider' | 'key' | 'model' | 'group' | 'member' | 'catalog';
  id?: string;
}

/** How the router batches usage records in front of a storage. */
export interface UsageBatching {
  /** Most records in one `recordUsage` call. @default 500 */
  maxBatch?: number;
  /** Longest a record waits before a flush starts, in ms. @default 1000 */
  flushMs?: number;
  /** Most records held while the storage is failing; past it the oldest are dropped and reported. @default 100000 */
  maxBuffered?: number;
}

/** Field left out: unchanged; optional field given as `null`: cleared. */
export type { GroupPatch, KeyPatch, ModelPatch, ProviderPatch };

/**
 * Where the catalog and the usage ledger live. `memoryStorage` and `postgresStorage` ship;
 * `storageContract` in `model-router/testing` is the suite a custom one must pass.
 *
 * Inputs reaching a storage are already validated by the router (zod, catalog references).
 * A storage enforces what only it can see atomically: unique names (`CONFLICT`) and existence (`NOT_FOUND`).
 */
export interface RouterStorage {
  /** Create tables, connect. Called once by `router.ready()`. */
  init?(): Promise<void>;
  loadCatalog(): Promise<Catalog>;
  /** Cross-instance invalidation; returns an unsubscribe function. */
  subscribe?(onChange: (change: CatalogChange) => void): Promise<() => Promise<void>>;

  createProvider(input: ProviderInput): Promise<Provider>;
  updateProvider(id: string, patch: ProviderPatch): Promise<Provider>;
  /** Deletes its keys, models and the group members that use them. */
  deleteProvider(id: string): Promise<void>;
  addKey(providerId: string, input: KeyInput): Promise<ProviderKey>;
  updateKey(providerId: string, keyId: string, patch: KeyPatch): Promise<ProviderKey>;
  removeKey(providerId: string, keyId: string): Promise<void>;

  createModel(input: ModelInput): Promise<Model>;
  updateModel(id: string, patch: ModelPatch): Promise<Model>;
  /** Deletes the group members that use it. */
  deleteModel(id: string): Promise<void>;

  createGroup(input: GroupInput): Promise<Group>;
  updateGroup(id: string, patch: GroupPatch): Promise<Group>;
  /** Deletes its members. */
  deleteGroup(id: string): Promise<void>;
  addGroupMember(groupId: string, input: MemberInput): Promise<GroupMember>;
  removeGroupMember(groupId: string, memberId: string): Promise<void>;

  /** Batching the router applies before `recordUsage`; the defaults when absent. */
  readonly usageBatching?: UsageBatching;
  /** Append usage records in one write (the router batches, retries and bounds the buffer). */
  recordUsage(records: readonly UsageRecord[]): Promise<void>;
  /**
   * Tenants and their virtual keys (`router.admin` tenant operations, `router.authenticateKey`).
   * Both storages that ship have it; a custom storage without it cannot serve virtual keys.
   */
  readonly tenants?: TenantStore;
  /** Release what the storage owns (a client it created); never a borrowed one. */
  close?(): Promise<void>;
}
