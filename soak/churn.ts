import type { ModelRouter } from '../src/index.js';
import { PROVIDERS, soakCatalog } from './catalog.js';
import type { CanaryScanner } from './probes.js';
import { rng } from './prng.js';

const ADMIN = { actor: { role: 'admin' } };

interface KeyConfig {
  id: string;
  secret: string;
  rpm?: number;
  tpm?: number;
  maxConcurrent?: number;
}

/** The soak catalog's keys by `providerId/keyId`, to undo every change. */
function originalKeys(): Map<string, { providerId: string; key: KeyConfig }> {
  const out = new Map<string, { providerId: string; key: KeyConfig }>();
  for (const p of soakCatalog().providers ?? []) {
    for (const k of p.keys ?? []) out.set(`${p.id}/${k.id}`, { providerId: p.id!, key: k as KeyConfig });
  }
  return out;
}

/**
 * Admin writes while requests run: a key's limits change, a key is disabled, removed and added
 * back, a group member is removed and added back. Each change is undone a few milliseconds later,
 * so that at a checkpoint the catalog is the original again (`catalogProblems` checks it).
 */
export class CatalogChurn {
  private running: Promise<void> | undefined;
  private stop = false;
  writes = 0;
  failures: string[] = [];

  constructor(
    private readonly router: ModelRouter,
    private readonly seed: number,
    private readonly canary: CanaryScanner,
  ) {}

  start(batch: number): void {
    this.stop = false;
    this.running = this.loop(batch);
  }

  async finish(): Promise<void> {
    this.stop = true;
    await this.running;
    this.running = undefined;
  }

  private async loop(batch: number): Promise<void> {
    const r = rng(this.seed, 'churn', batch);
    const keys = [...originalKeys().values()];
    const admin = this.router.admin;
    while (!this.stop) {
      await sleep(r.int(1, 8));
      const { providerId, key } = r.pick(keys);
      const op = r.pick(['limits', 'disable', 'remove', 'member'] as const);
      try {
        if (op === 'limits') {
          await this.write(
            admin.updateKey(providerId, key.id, { rpm: r.int(20, 400), maxConcurrent: r.int(1, 8) }, ADMIN),
          );
          await sleep(r.int(1, 10));
          await this.write(
            admin.updateKey(
              providerId,
              key.id,
              { rpm: key.rpm ?? null, maxConcurrent: key.maxConcurrent ?? null },
              ADMIN,
            ),
          );
        } else if (op === 'disable') {
          await this.write(admin.updateKey(providerId, key.id, { enabled: false }, ADMIN));
          await sleep(r.int(1, 10));
          await this.write(admin.updateKey(providerId, key.id, { enabled: true }, ADMIN));
        } else if (op === 'remove') {
          await this.write(admin.removeKey(providerId, key.id, ADMIN));
          await sleep(r.int(1, 10));
          await this.write(admin.addKey(providerId, key, ADMIN));
        } else {
          const group = await admin.getGroup('soak');
          const member = group.members.find((m) => m.providerId === providerId);
          if (!member) continue;
          await this.write(admin.removeGroupMember(group.id, member.id, ADMIN));
          await sleep(r.int(1, 10));
          await this.write(
            admin.addGroupMember(
              group.id,
              { providerId, modelId: member.modelId, priority: member.priority, weight: member.weight },
              ADMIN,
            ),
          );
        }
      } catch (error) {
        this.failures.push(`${op} ${providerId}/${key.id}: ${String(error)}`);
      }
    }
  }

  private async write<T>(p: Promise<T>): Promise<T> {
    const out = await p;
    this.writes++;
    this.canary.scan('admin write result', out);
    return out;
  }

  /** Differences between the catalog now and the original (limits, enabled keys, group members). */
  async catalogProblems(): Promise<string[]> {
    const problems: string[] = [];
    const providers = await this.router.admin.listProviders();
    const original = originalKeys();
    const seen = new Set<string>();
    for (const p of providers) {
      for (const k of p.keys) {
        const ref = `${p.id}/${k.id}`;
        seen.add(ref);
        const o = original.get(ref)?.key;
        if (!o) problems.push(`unexpected key ${ref}`);
        else if (!k.enabled || k.rpm !== o.rpm || k.tpm !== o.tpm || k.maxConcurrent !== o.maxConcurrent) {
          problems.push(`key ${ref} not restored: ${JSON.stringify({ ...k, secretPreview: undefined })}`);
        }
        if (k.secretPreview.includes(o?.secret ?? '\0') && (o?.secret.length ?? 0) > 8) {
          problems.push(`secret of ${ref} readable through admin`);
        }
      }
    }
    for (const ref of original.keys()) if (!seen.has(ref)) problems.push(`key ${ref} missing`);
    const group = await this.router.admin.getGroup('soak');
    const members = group.members.map((m) => m.providerId).sort();
    if (JSON.stringify(members) !== JSON.stringify([...PROVIDERS].sort())) {
      problems.push(`group soak has members ${members.join(', ')}`);
    }
    return problems;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
