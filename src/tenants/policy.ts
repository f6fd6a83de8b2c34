import type { RouteTarget } from '../catalog/cache.js';
import { RouterError } from '../errors/router-error.js';
import type { TenantPrincipal } from './types.js';

/**
 * Refuse (`FORBIDDEN`, 403) a model its tenant or key may not use. An entry of `allowedModels`
 * matches the name asked for, the group it resolved to, or — for a direct model — its
 * `providerId/modelId` and its `modelId`. The key's list narrows the tenant's: both must allow.
 */
export function checkAllowedModel(principal: TenantPrincipal, name: string, target: RouteTarget): void {
  const lists = [principal.tenant.allowedModels, principal.key.allowedModels];
  if (lists.every((l) => l === undefined)) return;
  const names = new Set<string>([name]);
  if (target.group) names.add(target.group.name);
  else for (const c of target.all) names.add(c.ref).add(c.modelId);
  for (const list of lists) {
    if (list !== undefined && !list.some((n) => names.has(n))) {
      throw new RouterError('FORBIDDEN', `Model "${name}" is not allowed for this API key`, {
        details: { action: 'model.use' },
      });
    }
  }
}
