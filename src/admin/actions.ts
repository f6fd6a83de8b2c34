/**
 * The actions `authorize(actor, action)` is asked about, one per admin write. Reads are open.
 * Stable strings: an authorization policy may match on them (`action.startsWith('group.')`).
 */
export const ADMIN_ACTIONS = [
  'provider.create',
  'provider.update',
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
] as const;

export type AdminAction = (typeof ADMIN_ACTIONS)[number];
