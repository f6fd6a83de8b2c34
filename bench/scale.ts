import { ModelRouter } from '../src/index.js';
import { KEYS_PER_PROVIDER, MEMBERS_PER_GROUP, scaleCatalog } from './lib/catalogs.js';
import { instantAdapter } from './lib/instant-adapter.js';
import { type BenchOptions, type Result, figure } from './lib/result.js';
import { seededRandom } from './lib/timing.js';

const BENCH = 'scale';
const SIZES = [10, 1_000, 10_000] as const;
const SMALLEST = SIZES[0];
const LARGEST = SIZES[2];

/**
 * Catalog size: catalogs of 10 / 1,000 / 10,000 groups (10 members, 5 keys per provider), all
 * loaded side by side; each round times `plan(name)` and `complete()` over the same seeded
 * sequence of random group names on every size, so that the per-round ratio of the largest to
 * the smallest shows whether resolution and ordering grow with the catalog.
 */
export async function run({ quick }: BenchOptions): Promise<Result[]> {
  const rounds = quick ? 2 : 5;
  const perRound = quick ? 200 : 20_000;
  const adapter = instantAdapter();
  const routers = new Map<number, ModelRouter>();
  const loadMs = new Map<number, number>();
  const firstTouchUs = new Map<number, number>();
  const planUs = new Map<number, number[]>(SIZES.map((n) => [n, []]));
  const completeUs = new Map<number, number[]>(SIZES.map((n) => [n, []]));
  const hotSetUs: number[] = [];
  // Many groups over a handful of providers: the catalog grows, the key states touched do not.
  const sharedUs: number[] = [];
  const sharedRatio: number[] = [];
  let shared: ModelRouter | undefined;
  const planRatio: number[] = [];
  const completeRatio: number[] = [];
  try {
    for (const size of SIZES) {
      const t0 = performance.now();
      const router = new ModelRouter({ catalog: scaleCatalog(size), adapters: { instant: adapter } });
      await router.ready();
      loadMs.set(size, performance.now() - t0);
      routers.set(size, router);
      // First touch of every name builds its cached target; the rounds measure the steady state.
      const t1 = process.hrtime.bigint();
      for (let g = 0; g < size; g++) await router.plan(`g${g}`);
      firstTouchUs.set(size, Number(process.hrtime.bigint() - t1) / 1000 / size);
    }
    shared = new ModelRouter({
      catalog: scaleCatalog(LARGEST, 'instant', MEMBERS_PER_GROUP),
      adapters: { instant: adapter },
    });
    await shared.ready();
    for (const name of randomNames(LARGEST, quick ? 200 : 5_000, 1))
      await shared.complete({ model: name, messages: [{ role: 'user', content: 'hi' }] });
    for (const [size, router] of routers) {
      const names = randomNames(size, quick ? 200 : 5_000, 1);
      for (const name of names)
        await router.complete({ model: name, messages: [{ role: 'user', content: 'hi' }] });
    }
    for (let round = 0; round < rounds; round++) {
      for (const [size, router] of routers) {
        const names = randomNames(size, perRound, round + 2);
        let t0 = process.hrtime.bigint();
        for (const name of names) await router.plan(name);
        planUs.get(size)!.push(Number(process.hrtime.bigint() - t0) / 1000 / perRound);
        t0 = process.hrtime.bigint();
        for (const name of names)
          await router.complete({ model: name, messages: [{ role: 'user', content: 'hi' }] });
        completeUs.get(size)!.push(Number(process.hrtime.bigint() - t0) / 1000 / perRound);
      }
      // Control: the largest catalog, but only ten of its groups asked for (a small working set).
      const hot = randomNames(SMALLEST, perRound, round + 2);
      const big = routers.get(LARGEST)!;
      const t0 = process.hrtime.bigint();
      for (const name of hot)
        await big.complete({ model: name, messages: [{ role: 'user', content: 'hi' }] });
      hotSetUs.push(Number(process.hrtime.bigint() - t0) / 1000 / perRound);
      const many = randomNames(LARGEST, perRound, round + 2);
      const t2 = process.hrtime.bigint();
      for (const name of many)
        await shared.complete({ model: name, messages: [{ role: 'user', content: 'hi' }] });
      sharedUs.push(Number(process.hrtime.bigint() - t2) / 1000 / perRound);
      sharedRatio.push(sharedUs.at(-1)! / completeUs.get(SMALLEST)!.at(-1)!);
      planRatio.push(planUs.get(LARGEST)!.at(-1)! / planUs.get(SMALLEST)!.at(-1)!);
      completeRatio.push(completeUs.get(LARGEST)!.at(-1)! / completeUs.get(SMALLEST)!.at(-1)!);
    }
  } finally {
    for (const router of routers.values()) await router.close();
    await shared?.close();
  }

  const shape = `${MEMBERS_PER_GROUP} members/group, ${KEYS_PER_PROVIDER} keys/provider`;
  const out: Result[] = [];
  for (const size of SIZES) {
    out.push(figure(BENCH, `plan() per request, ${size} groups`, 'µs', planUs.get(size)!, { note: shape }));
    out.push(
      figure(BENCH, `complete() per request, ${size} groups`, 'µs', completeUs.get(size)!, { note: shape }),
    );
  }
  out.push(
    figure(BENCH, 'complete() per request, 10000 groups, 10 names asked', 'µs', hotSetUs, {
      note: 'control: same catalog, small working set; ≈ the 10-group figure means no scan grows with the catalog',
    }),
  );
  out.push(
    figure(BENCH, 'complete() per request, 10000 groups over 10 providers', 'µs', sharedUs, {
      note: 'random names; the catalog grows, the providers and keys touched do not',
    }),
  );
  out.push(
    figure(BENCH, 'complete() 10,000 groups over 10 providers ÷ 10 groups', '×', sharedRatio, {
      target: { op: '<=', value: 1.2 },
      note: 'per round; isolates resolution and ordering from the key-state working set',
    }),
  );
  const ratioNote = 'per round: 10,000 groups ÷ 10 groups; 1.0 = no growth (compare with the spreads above)';
  out.push(figure(BENCH, 'plan() 10,000 ÷ 10 groups', '×', planRatio, { note: ratioNote }));
  out.push(
    figure(BENCH, 'complete() 10,000 ÷ 10 groups', '×', completeRatio, {
      target: { op: '<=', value: 1.2 },
      note: `${ratioNote}; target: equal within noise (taken as 20%)`,
    }),
  );
  for (const size of SIZES) {
    out.push(
      figure(BENCH, `catalog load (ready), ${size} groups`, 'ms', [loadMs.get(size)!], {
        note: 'one sample',
      }),
    );
    out.push(
      figure(BENCH, `first plan() of each name, ${size} groups`, 'µs', [firstTouchUs.get(size)!], {
        note: 'one sample: builds the cached target',
      }),
    );
  }
  return out;
}

function randomNames(groups: number, count: number, seed: number): string[] {
  const random = seededRandom(seed * 7919 + groups);
  return Array.from({ length: count }, () => `g${Math.floor(random() * groups)}`);
}
