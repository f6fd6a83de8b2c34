/**
 * Summarize a V8 `.cpuprofile`: self time by function, with its source file:line.
 *   npx tsx bench/cpuprofile-top.ts <file.cpuprofile> [top=15]
 * Positions are mapped back to the `.ts` sources (see lib/position-map.ts).
 */
import { readFileSync } from 'node:fs';
import { type CallFrame, frameLocation } from './lib/position-map.js';

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: CallFrame }>;
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx bench/cpuprofile-top.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 15);
const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

const selfUs = new Map<number, number>();
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
}
const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0);

const byFunction = new Map<string, { us: number; name: string; where: string }>();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id);
  if (!us) continue;
  const name = node.callFrame.functionName || '(anonymous)';
  const at = frameLocation(node.callFrame);
  const key = `${name}\0${at}`;
  const entry = byFunction.get(key) ?? { us: 0, name, where: at };
  entry.us += us;
  byFunction.set(key, entry);
}

const rows = [...byFunction.values()].sort((a, b) => b.us - a.us).slice(0, top);
console.log(`${file}: ${(totalUs / 1000).toFixed(0)} ms sampled, ${profile.samples.length} samples\n`);
console.log('self ms  self %  function (file:line)');
for (const r of rows) {
  const ms = (r.us / 1000).toFixed(1).padStart(7);
  const pct = ((r.us / totalUs) * 100).toFixed(1).padStart(5);
  console.log(`${ms}  ${pct}%  ${r.name} (${r.where})`);
}
