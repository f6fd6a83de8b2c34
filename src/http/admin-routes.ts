import type { AdminContext, RouterAdmin } from 'model-router';

/** What a route handler receives. */
export interface RouteCall {
  admin: RouterAdmin;
  /** Path parameters in pattern order (a `*` parameter holds the rest of the path, slashes included). */
  params: string[];
  /** The parsed JSON body (routes with `body: true` only). */
  body: unknown;
  ctx: AdminContext;
}

export interface AdminRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Segments; `:name` matches one segment, `*name` (last only) the rest of the path. */
  pattern: string[];
  body?: boolean;
  /** 201 for creations (with a `Location` header), 204 for deletions (no body), else 200. */
  status?: 200 | 201 | 204;
  /** Resource path of a created entity, relative to the base path, for `Location`. */
  location?: (result: unknown, params: string[]) => string;
  run: (call: RouteCall) => Promise<unknown>;
}

const list = async <T>(items: Promise<T[]>) => ({ data: await items });
const idOf = (result: unknown) => String((result as { id: string }).id);
const enc = encodeURIComponent;

// Writes accept a group's name and a model's `providerId/modelId` where reads do: resolve them to ids
// first (reads are open to any authenticated actor, so resolving first reveals nothing).
const groupId = async (admin: RouterAdmin, idOrName: string) => (await admin.getGroup(idOrName)).id;
const tenantId = async (admin: RouterAdmin, idOrName: string) => (await admin.getTenant(idOrName)).id;
const modelId = async (admin: RouterAdmin, idOrRef: string) => (await admin.getModel(idOrRef)).id;

/** REST over `router.admin`: the original relay's seven group endpoints, and the same for providers, keys and models. */
export const ADMIN_ROUTES: readonly AdminRoute[] = [
  // Groups
  { method: 'GET', pattern: ['model-groups'], run: ({ admin }) => list(admin.listGroups()) },
  {
    method: 'POST',
    pattern: ['model-groups'],
    body: true,
    status: 201,
    location: (g) => `/model-groups/${enc(idOf(g))}`,
    run: ({ admin, body, ctx }) => admin.createGroup(body as never, ctx),
  },
  { method: 'GET', pattern: ['model-groups', ':id'], run: ({ admin, params }) => admin.getGroup(params[0]!) },
  {
    method: 'PATCH',
    pattern: ['model-groups', ':id'],
    body: true,
    run: async ({ admin, params, body, ctx }) =>
      admin.updateGroup(await groupId(admin, params[0]!), body as never, ctx),
  },
  {
    method: 'DELETE',
    pattern: ['model-groups', ':id'],
    status: 204,
    run: async ({ admin, params, ctx }) => admin.deleteGroup(await groupId(admin, params[0]!), ctx),
  },
  {
    method: 'GET',
    pattern: ['model-groups', ':id', 'members'],
    run: async ({ admin, params }) => ({ data: (await admin.getGroup(params[0]!)).members }),
  },
  {
    method: 'POST',
    pattern: ['model-groups', ':id', 'members'],
    body: true,
    status: 201,
    run: async ({ admin, params, body, ctx }) =>
      admin.addGroupMember(await groupId(admin, params[0]!), body as never, ctx),
  },
  {
    method: 'DELETE',
    pattern: ['model-groups', ':id', 'members', ':memberId'],
    status: 204,
    run: async ({ admin, params, ctx }) =>
      admin.removeGroupMember(await groupId(admin, params[0]!), params[1]!, ctx),
  },

  // Providers and their keys
  { method: 'GET', pattern: ['providers'], run: ({ admin }) => list(admin.listProviders()) },
  {
    method: 'POST',
    pattern: ['providers'],
    body: true,
    status: 201,
    location: (p) => `/providers/${enc(idOf(p))}`,
    run: ({ admin, body, ctx }) => admin.createProvider(body as never, ctx),
  },
  { method: 'GET', pattern: ['providers', ':id'], run: ({ admin, params }) => admin.getProvider(params[0]!) },
  {
    method: 'PATCH',
    pattern: ['providers', ':id'],
    body: true,
    run: ({ admin, params, body, ctx }) => admin.updateProvider(params[0]!, body as never, ctx),
  },
  {
    method: 'DELETE',
    pattern: ['providers', ':id'],
    status: 204,
    run: ({ admin, params, ctx }) => admin.deleteProvider(params[0]!, ctx),
  },
  {
    method: 'GET',
    pattern: ['providers', ':id', 'keys'],
    run: async ({ admin, params }) => ({ data: (await admin.getProvider(params[0]!)).keys }),
  },
  {
    method: 'POST',
    pattern: ['providers', ':id', 'keys'],
    body: true,
    status: 201,
    run: ({ admin, params, body, ctx }) => admin.addKey(params[0]!, body as never, ctx),
  },
  {
    method: 'PATCH',
    pattern: ['providers', ':id', 'keys', ':keyId'],
    body: true,
    run: ({ admin, params, body, ctx }) => admin.updateKey(params[0]!, params[1]!, body as never, ctx),
  },
  {
    method: 'DELETE',
    pattern: ['providers', ':id', 'keys', ':keyId'],
    status: 204,
    run: ({ admin, params, ctx }) => admin.removeKey(params[0]!, params[1]!, ctx),
  },

  // Models (`:ref` is an id or `providerId/modelId`, slash encoded or not)
  { method: 'GET', pattern: ['models'], run: ({ admin }) => list(admin.listModels()) },
  {
    method: 'POST',
    pattern: ['models'],
    body: true,
    status: 201,
    location: (m) => `/models/${enc(idOf(m))}`,
    run: ({ admin, body, ctx }) => admin.createModel(body as never, ctx),
  },
  { method: 'GET', pattern: ['models', '*ref'], run: ({ admin, params }) => admin.getModel(params[0]!) },
  {
    method: 'PATCH',
    pattern: ['models', '*ref'],
    body: true,
    run: async ({ admin, params, body, ctx }) =>
      admin.updateModel(await modelId(admin, params[0]!), body as never, ctx),
  },
  {
    method: 'DELETE',
    pattern: ['models', '*ref'],
    status: 204,
    run: async ({ admin, params, ctx }) => admin.deleteModel(await modelId(admin, params[0]!), ctx),
  },

  // Tenants and their virtual keys (`:id` is an id or a name for the tenant)
  { method: 'GET', pattern: ['tenants'], run: ({ admin }) => list(admin.listTenants()) },
  {
    method: 'POST',
    pattern: ['tenants'],
    body: true,
    status: 201,
    location: (t) => `/tenants/${enc(idOf(t))}`,
    run: ({ admin, body, ctx }) => admin.createTenant(body as never, ctx),
  },
  { method: 'GET', pattern: ['tenants', ':id'], run: ({ admin, params }) => admin.getTenant(params[0]!) },
  {
    method: 'PATCH',
    pattern: ['tenants', ':id'],
    body: true,
    run: async ({ admin, params, body, ctx }) =>
      admin.updateTenant(await tenantId(admin, params[0]!), body as never, ctx),
  },
  {
    method: 'DELETE',
    pattern: ['tenants', ':id'],
    status: 204,
    run: async ({ admin, params, ctx }) => admin.deleteTenant(await tenantId(admin, params[0]!), ctx),
  },
  {
    method: 'GET',
    pattern: ['tenants', ':id', 'keys'],
    run: async ({ admin, params }) => list(admin.listVirtualKeys(await tenantId(admin, params[0]!))),
  },
  {
    // The answer holds the key itself (`key`), this once.
    method: 'POST',
    pattern: ['tenants', ':id', 'keys'],
    body: true,
    status: 201,
    run: async ({ admin, params, body, ctx }) =>
      admin.createVirtualKey(await tenantId(admin, params[0]!), body as never, ctx),
  },
  {
    method: 'PATCH',
    pattern: ['tenants', ':id', 'keys', ':keyId'],
    body: true,
    run: async ({ admin, params, body, ctx }) =>
      admin.updateVirtualKey(await tenantId(admin, params[0]!), params[1]!, body as never, ctx),
  },
  {
    method: 'POST',
    pattern: ['tenants', ':id', 'keys', ':keyId', 'revoke'],
    run: async ({ admin, params, ctx }) =>
      admin.revokeVirtualKey(await tenantId(admin, params[0]!), params[1]!, ctx),
  },
];

/** Match segments against a pattern; the parameters, or `undefined`. */
export function matchRoute(pattern: readonly string[], segments: readonly string[]): string[] | undefined {
  const params: string[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    if (p.startsWith('*')) {
      if (i >= segments.length) return undefined;
      params.push(segments.slice(i).join('/'));
      return params;
    }
    const s = segments[i];
    if (s === undefined) return undefined;
    if (p.startsWith(':')) params.push(s);
    else if (p !== s) return undefined;
  }
  return segments.length === pattern.length ? params : undefined;
}
