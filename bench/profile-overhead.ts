/**
 * The in-process overhead path under a profiler: loops `complete()` on an instant adapter for a
 * few seconds, on the bundle as the package ships it (`--built`, the default) or on the sources
 * as tsx runs them (`--src`: tsx's `keepNames` then adds an `__name` call per closure created).
 *   node --cpu-prof --cpu-prof-dir=.tmp/prof --import tsx bench/profile-overhead.ts [--src] [--seconds 5] [--concurrency 1]
 *   npx tsx bench/cpuprofile-top.ts .tmp/prof/<the main thread's file>.cpuprofile 15
 * (tsx's loader thread writes a profile of its own, mostly idle: take the larger file.)
 */
import { parseArgs } from 'node:util';
import * as source from '../src/index.js';
import { importBuiltRouter } from './lib/build.js';
import { benchRequest, smallCatalog } from './lib/catalogs.js';
import { instantAdapter } from './lib/instant-adapter.js';

const { values } = parseArgs({
  options: {
    src: { type: 'boolean', default: false },
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '1' },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const mod = values.src ? source : await importBuiltRouter();

const router = new mod.ModelRouter({ catalog: smallCatalog(), adapters: { instant: instantAdapter() } });
await router.ready();
const end = performance.now() + seconds * 1000;
let requests = 0;
const worker = async () => {
  while (performance.now() < end) {
    // A batch between clock reads keeps `performance.now()` out of the profile.
    for (let i = 0; i < 100; i++) await router.complete(benchRequest());
    requests += 100;
  }
};
await Promise.all(Array.from({ length: concurrency }, worker));
await router.close();
console.log(
  `${values.src ? 'src via tsx' : 'built'}: ${requests} requests in ${seconds} s ` +
    `(${Math.round(requests / seconds)} req/s, concurrency ${concurrency})`,
);
