/**
 * The actions `authorize(actor, action)` is asked about, one per admin write. Reads are open.
 * Stable strings: an authorization policy may match on them (`action.startsWith('group.')`).
 */
export const ADMIN_ACTIONS = [
  'provider.create',
  'provider.update',
  // Changing where a provider's keys are sent: whoever may do it can read the keys (see ENDPOINT_FIELDS).
  'provider.endpoint',
  'provider.delete',
  'key.add',
  'key.update',
  'key.remove',
  'model.create',
  'model.update',
  'model.delete',
  'group.create',
  'group.update',
  'group.delete',
  'member.add',
  'member.remove',
  'tenant.create',
  'tenant.update',
  'tenant.delete',
  // Minting a key for a tenant: whoever may do it can spend the tenant's budget.
  'virtual_key.create',
  'virtual_key.update',
  'virtual_key.revoke',
] as const;

export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/**
 * Provider fields that decide where its requests — and so its API keys — are sent. A patch touching
 * any of them needs `provider.endpoint` besides `provider.update`: with `baseUrl` alone, an actor
 * that may not read keys could point the provider at a server it controls and collect them.
 */
export const ENDPOINT_FIELDS: readonly string[] = ['adapter', 'baseUrl', 'headers', 'adapterOptions'];

/** True when a raw patch sets any endpoint field (checked before validation, on what was sent). */
export function touchesEndpoint(patch: unknown): boolean {
  if (typeof patch !== 'object' || patch === null) return false;
  return ENDPOINT_FIELDS.some(
    (f) => Object.hasOwn(patch, f) && (patch as Record<string, unknown>)[f] !== undefined,
  );
}
