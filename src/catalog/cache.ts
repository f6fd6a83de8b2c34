import { counts } from './counts.js';
import { opaque } from '../util/opaque.js';
import { RouterError } from '../errors/router-error.js';
import type { QuotaKey } from '../quota/quota-store.js';
import type { StrategyCandidate } from '../routing/strategy.js';
import type { ResolvedCandidate, Resolution } from './resolution.js';
import { closeMatches } from './suggest.js';
import type { Catalog, Group, Model, Provider, ProviderKey } from './types.js';

/** A key of a candidate's pool: what the quota store needs, plus the catalog entry for its secret. */
export interface PoolKey extends QuotaKey {
  readonly entry: ProviderKey;
}

/** The router's internal view of a candidate. Never leaves the library (it reaches secrets). */
export interface CandidateEntry extends StrategyCandidate {
  readonly provider: Provider;
  readonly model: Model;
  /** Enabled keys of the provider. */
  readonly keys: readonly PoolKey[];
  readonly enabled: boolean;
  /** `providerId/modelId`. */
  readonly ref: string;
  /** The member's tags and its model's, for a request's `tags` filter. */
  readonly tags: ReadonlySet<string>;
}

export interface RouteTarget {
  readonly kind: 'group' | 'direct';
  readonly name: string;
  readonly group: Group | undefined;
  /** Every candidate, in catalog order (disabled ones included, for `plan()`). */
  readonly all: readonly CandidateEntry[];
  /** The enabled ones: what strategies order. */
  readonly active: readonly CandidateEntry[];
  readonly strategy: string | undefined;
}

/**
 * The catalog indexed for the hot path: a name resolves with one or two map lookups, and a target's
 * candidates are built once per catalog version, not per request.
 */
export class CatalogCache {
  readonly catalog: Catalog;
  readonly providers = new Map<string, Provider>();
  private readonly groups = new Map<string, Group>();
  private readonly models = new Map<string, Model>();
  private readonly byModelId = new Map<string, Model[]>();
  private readonly targets = new Map<string, RouteTarget>();
  private readonly pools = new Map<string, PoolKey[]>();

  constructor(catalog: Catalog) {
    this.catalog = catalog;
    opaque(this, 'CatalogCache', () => counts(catalog));
    for (const p of catalog.providers) {
      this.providers.set(p.id, p);
      this.pools.set(
        p.id,
        p.keys
          .filter((k) => k.enabled && k.unusable === undefined)
          .map((k) => ({
            providerId: p.id,
            keyId: k.id,
            ...(k.rpm === undefined ? {} : { rpm: k.rpm }),
            ...(k.tpm === undefined ? {} : { tpm: k.tpm }),
            ...(k.maxConcurrent === undefined ? {} : { maxConcurrent: k.maxConcurrent }),
            entry: k,
          })),
      );
    }
    for (const m of catalog.models) {
      this.models.set(`${m.providerId}/${m.modelId}`, m);
      const list = this.byModelId.get(m.modelId);
      if (list) list.push(m);
      else this.byModelId.set(m.modelId, [m]);
    }
    for (const g of catalog.groups) this.groups.set(g.name, g);
  }

  /** Resolve a name to its target; throws UNKNOWN_MODEL / AMBIGUOUS_MODEL / NO_CANDIDATES. */
  target(name: string): RouteTarget {
    return check(this.lookup(name));
  }

  /** Like `target`, but a target with no enabled candidate is returned, not refused (for `plan()`). */
  lookup(name: string): RouteTarget {
    const cached = this.targets.get(name);
    if (cached) return cached;
    const built = this.build(name);
    // Bounded: only names that resolved are cached, so a flood of garbage names cannot grow it.
    this.targets.set(name, built);
    return built;
  }

  resolution(target: RouteTarget): Resolution {
    const candidates: ResolvedCandidate[] = target.all.map((c) => ({
      providerId: c.providerId,
      modelId: c.modelId,
      priority: c.priority,
      weight: c.weight,
      enabled: c.enabled,
      ...(c.model.contextWindow === undefined ? {} : { contextWindow: c.model.contextWindow }),
    }));
    return {
      kind: target.kind,
      name: target.name,
      ...(target.group
        ? {
            group: {
              id: target.group.id,
              name: target.group.name,
              ...(target.group.failoverStrategy ? { failoverStrategy: target.group.failoverStrategy } : {}),
            },
          }
        : {}),
      candidates,
    };
  }

  /** Direct model names: `providerId/modelId` of every model. */
  modelRefs(): string[] {
    return [...this.models.keys()];
  }

  private build(name: string): RouteTarget {
    const group = this.groups.get(name);
    if (group) {
      const all: CandidateEntry[] = [];
      group.members.forEach((m, index) => {
        const model = this.models.get(`${m.providerId}/${m.modelId}`);
        const provider = this.providers.get(m.providerId);
        if (!model || !provider) return; // storage keeps members valid; a stale one is not a candidate
        all.push(
          this.entry(provider, model, m.priority, m.weight, index, m.enabled && group.enabled, m.tags),
        );
      });
      return {
        kind: 'group',
        name,
        group,
        all,
        active: all.filter((c) => c.enabled),
        strategy: group.failoverStrategy,
      };
    }
    const model = this.findModel(name);
    const provider = this.providers.get(model.providerId)!;
    const entry = this.entry(provider, model, 0, 1, 0, true);
    return {
      kind: 'direct',
      name,
      group: undefined,
      all: [entry],
      active: entry.enabled ? [entry] : [],
      strategy: undefined,
    };
  }

  private findModel(name: string): Model {
    const exact = this.models.get(name);
    if (exact) return exact;
    const matches = this.byModelId.get(name);
    if (matches && matches.length === 1) return matches[0]!;
    if (matches && matches.length > 1) {
      const refs = matches.map((m) => `${m.providerId}/${m.modelId}`);
      throw new RouterError(
        'AMBIGUOUS_MODEL',
        `Model "${name}" is served by several providers; name one of: ${refs.join(', ')}`,
        { details: { model: name, candidates: refs } },
      );
    }
    const suggestions = closeMatches(name, [
      ...this.groups.keys(),
      ...this.models.keys(),
      ...this.byModelId.keys(),
    ]);
    throw new RouterError(
      'UNKNOWN_MODEL',
      `Unknown model "${name}"${suggestions.length ? `; did you mean ${suggestions.map((s) => `"${s}"`).join(', ')}?` : ''}`,
      { details: { model: name, suggestions } },
    );
  }

  private entry(
    provider: Provider,
    model: Model,
    priority: number,
    weight: number,
    index: number,
    memberEnabled: boolean,
    memberTags?: readonly string[],
  ): CandidateEntry {
    return {
      providerId: provider.id,
      modelId: model.modelId,
      priority,
      weight,
      index,
      provider,
      model,
      keys: this.pools.get(provider.id) ?? [],
      enabled: memberEnabled && provider.enabled && model.enabled,
      ref: `${provider.id}/${model.modelId}`,
      tags: new Set([...(memberTags ?? []), ...(model.tags ?? [])]),
    };
  }
}

function check(target: RouteTarget): RouteTarget {
  if (target.active.length === 0) {
    const why = target.group && !target.group.enabled ? 'is disabled' : 'has no enabled member';
    throw new RouterError(
      'NO_CANDIDATES',
      `${target.kind === 'group' ? 'Group' : 'Model'} "${target.name}" ${target.kind === 'group' ? why : 'is disabled'}`,
      { details: { model: target.name } },
    );
  }
  return target;
}
