import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * uPlot (the chart library), shipped in the package: the build copies it to `dist/dashboard/`; from
 * the sources it is read from `node_modules`. Nothing is ever fetched from a CDN.
 */
export function chartAssets(): { js: string; css: string } {
  return { js: read('uPlot.iife.min.js'), css: read('uPlot.min.css') };
}

function read(file: string): string {
  for (const rel of [`../dashboard/${file}`, `./dashboard/${file}`]) {
    try {
      return readFileSync(fileURLToPath(new URL(rel, import.meta.url)), 'utf8');
    } catch {
      // not this layout
    }
  }
  return readFileSync(createRequire(import.meta.url).resolve(`uplot/dist/${file}`), 'utf8');
}
