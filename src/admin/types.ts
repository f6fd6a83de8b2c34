import type { GroupInput, KeyInput, MemberInput, ModelInput, ProviderInput } from '../catalog/inputs.js';
import type { GroupPatch, KeyPatch, ModelPatch, ProviderPatch } from '../catalog/patches.js';
import type { Catalog, Group, GroupMember, Model, Provider, ProviderKey } from '../catalog/types.js';
import type { CatalogChange, RouterStorage } from '../storage/storage.js';
import type { AdminAction } from './actions.js';
import type { TenantAdmin } from './tenant-admin-types.js';

/** A key as admin reads show it: the secret replaced by `secretPreview`. */
export type AdminKey = Omit<ProviderKey, 'secret'> & {
  /** `sk-…abcd`, `…abcd`, or the `env:NAME` reference as is. See `secretPreview`. */
  secretPreview: string;
};

/** A provider as admin reads show it, with its keys' secrets hidden. */
export type AdminProvider = Omit<Provider, 'keys'> & { keys: AdminKey[] };
export type AdminModel = Model;
export type AdminGroup = Group;
export type AdminGroupMember = GroupMember;

/** Who is asking; passed to `authorize(actor, action)` as is. */
export interface AdminContext {
  actor?: unknown;
}

/** What `createAdminApi` needs; the router supplies it as `router.admin`. */
export interface AdminDeps {
  storage: RouterStorage;
  /** Decides each write; a `false`, a rejection or a throw is `FORBIDDEN`, and nothing is written. */
  authorize: (actor: unknown, action: AdminAction) => boolean | Promise<boolean>;
  /**
   * The router's in-memory catalog: reads come from it, and member references are checked against it.
   * May be async, so that the router can load its catalog on the first admin call (`await ready()`).
   */
  catalog: () => Catalog | Promise<Catalog>;
  /** Called after each successful write (the router reloads its cache); awaited before the write returns. */
  onWrite: (change: CatalogChange) => Promise<void>;
  /**
   * Receives an `onWrite` failure. The write itself is committed by then, so it still succeeds
   * (reporting it failed would make a retry hit `CONFLICT`). @default ignore
   */
  onError?: (error: unknown) => void;
  /** Adapter names that exist; when given, a provider naming another is `VALIDATION` at `adapter`. */
  adapters?: () => readonly string[];
  /** How virtual keys are hashed for storage (the router's HMAC under its pepper). */
  hashKey?: (key: string) => string;
  /** Strategy names that exist; when given, a group naming another is `VALIDATION` at `failoverStrategy`. */
  strategies?: () => readonly string[];
}

/**
 * Catalog management (`router.admin`). Inputs are validated with zod (`VALIDATION` naming the field);
 * writes ask `authorize` first (`FORBIDDEN`, nothing changed) and return the written entity; unknown
 * ids are `NOT_FOUND`, taken names and duplicate members `CONFLICT`. Secrets are write-only.
 */
export interface RouterAdmin extends TenantAdmin {
  listGroups(): Promise<AdminGroup[]>;
  /** By id, else by name. */
  getGroup(idOrName: string): Promise<AdminGroup>;
  createGroup(input: GroupInput, ctx?: AdminContext): Promise<AdminGroup>;
  updateGroup(id: string, patch: GroupPatch, ctx?: AdminContext): Promise<AdminGroup>;
  /** Deletes its members too. */
  deleteGroup(id: string, ctx?: AdminContext): Promise<void>;
  addGroupMember(groupId: string, member: MemberInput, ctx?: AdminContext): Promise<AdminGroupMember>;
  removeGroupMember(groupId: string, memberId: string, ctx?: AdminContext): Promise<void>;

  listProviders(): Promise<AdminProvider[]>;
  getProvider(id: string): Promise<AdminProvider>;
  createProvider(input: ProviderInput, ctx?: AdminContext): Promise<AdminProvider>;
  updateProvider(id: string, patch: ProviderPatch, ctx?: AdminContext): Promise<AdminProvider>;
  /** Deletes its keys, its models and the group members that use them. */
  deleteProvider(id: string, ctx?: AdminContext): Promise<void>;
  addKey(providerId: string, key: KeyInput, ctx?: AdminContext): Promise<AdminKey>;
  /** `secret` in the patch rotates the key. */
  updateKey(providerId: string, keyId: string, patch: KeyPatch, ctx?: AdminContext): Promise<AdminKey>;
  removeKey(providerId: string, keyId: string, ctx?: AdminContext): Promise<void>;

  listModels(): Promise<AdminModel[]>;
  /** By id, else by `providerId/modelId`. */
  getModel(idOrRef: string): Promise<AdminModel>;
  createModel(input: ModelInput, ctx?: AdminContext): Promise<AdminModel>;
  /** Renaming `modelId` carries the group members along. */
  updateModel(id: string, patch: ModelPatch, ctx?: AdminContext): Promise<AdminModel>;
  /** Deletes the group members that use it. */
  deleteModel(id: string, ctx?: AdminContext): Promise<void>;
}
