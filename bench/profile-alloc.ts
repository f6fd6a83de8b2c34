/**
 * Where the per-request garbage comes from: samples every allocation (the short-lived ones too)
 * while `complete()` loops on an instant adapter, and prints bytes per request by allocating
 * function, with its source file:line.
 *   npx tsx bench/profile-alloc.ts [--src] [--requests 20000] [--top 20]
 */
import { parseArgs } from 'node:util';
import * as source from '../src/index.js';
import { importBuiltRouter } from './lib/build.js';
import { benchRequest, smallCatalog } from './lib/catalogs.js';
import { instantAdapter } from './lib/instant-adapter.js';
import { sampleAllocations } from './lib/alloc-sample.js';
import type { HeapNode } from './lib/alloc-sample.js';
import { frameLocation } from './lib/position-map.js';

const { values } = parseArgs({
  options: {
    src: { type: 'boolean', default: false },
    requests: { type: 'string', default: '20000' },
    top: { type: 'string', default: '20' },
  },
});
const requests = Number(values.requests);
const mod = values.src ? source : await importBuiltRouter();
const router = new mod.ModelRouter({ catalog: smallCatalog(), adapters: { instant: instantAdapter() } });
for (let i = 0; i < 20_000; i++) await router.complete(benchRequest());

const { head } = await sampleAllocations(async () => {
  for (let i = 0; i < requests; i++) await router.complete(benchRequest());
});
await router.close();

const byFunction = new Map<string, { bytes: number; name: string; where: string }>();
let total = 0;
const walk = (node: HeapNode) => {
  if (node.selfSize > 0) {
    const name = node.callFrame.functionName || '(anonymous)';
    const where = frameLocation(node.callFrame);
    const key = `${name}\0${where}`;
    const entry = byFunction.get(key) ?? { bytes: 0, name, where };
    entry.bytes += node.selfSize;
    byFunction.set(key, entry);
    total += node.selfSize;
  }
  for (const child of node.children) walk(child);
};
walk(head);

console.log(
  `${values.src ? 'src via tsx' : 'built'}: ~${Math.round(total / requests)} bytes allocated per request (sampled)\n`,
);
console.log('bytes/req  share  function (file:line)');
for (const r of [...byFunction.values()].sort((a, b) => b.bytes - a.bytes).slice(0, Number(values.top))) {
  console.log(
    `${String(Math.round(r.bytes / requests)).padStart(9)}  ${((r.bytes / total) * 100).toFixed(1).padStart(4)}%  ${r.name} (${r.where})`,
  );
}
