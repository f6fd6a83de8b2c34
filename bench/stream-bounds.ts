/**
 * The memory bounds of #11 defects 2 and 3, measured: `npx tsx bench/stream-bounds.ts [--seconds 60]`.
 *
 * 1. Endless streams, read: 8 consumers each read a router stream from an upstream on 127.0.0.1 that
 *    never ends; when `limits.maxOutputChars` ends one (STREAM_INTERRUPTED), the consumer opens the
 *    next. The heap is sampled every 250 ms for `--seconds`. Before the fix the heap grew to 3 GB and
 *    Node aborted.
 * 2. Unread streams: 5 streams whose upstream sends 512 KiB parts, never read. The heap after a full
 *    GC, against the baseline, is what they hold: the router's buffer stops at
 *    `limits.streamBufferBytes` (plus one part, plus what sits in the socket and fetch's own buffers).
 *    Before the fix: 687 MB for five.
 *
 * Prints one line per figure (not a benchmark of speed: no ratio, no timing assertion).
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ModelRouter, RouterError, openaiCompatible } from '../src/index.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const seconds = arg('seconds', 60);
const readers = arg('streams', 8);
const unread = arg('unread', 5);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1_048_576;
const heap = () => process.memoryUsage().heapUsed / MB;
const settledHeap = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise<void>((r) => setImmediate(r));
  }
  return heap();
};
const out = (line: string) => process.stdout.write(`${line}\n`);

/** `/v1/chat/completions` that streams `partChars`-character deltas for ever (until the client leaves). */
async function endlessUpstream(
  partChars: number,
): Promise<{ url: string; written: () => number; close: () => Promise<void> }> {
  let written = 0;
  const part = 'x'.repeat(partChars);
  const event = `data: ${JSON.stringify({ id: 'c', choices: [{ index: 0, delta: { content: part }, finish_reason: null }] })}\n\n`;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const pump = () => {
        while (!res.destroyed) {
          written += event.length;
          if (!res.write(event)) {
            res.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    written: () => written,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function routerFor(url: string): ModelRouter {
  return new ModelRouter({
    catalog: {
      providers: [{ id: 'up', adapter: 'openai', keys: [{ id: 'k', secret: 'sk-bounds' }] }],
      models: [{ providerId: 'up', modelId: 'm' }],
    },
    adapters: { openai: openaiCompatible({ baseURL: url }) },
    // Defaults for limits; deadlines long enough not to end a stream before its limit does.
    timeouts: { totalMs: 600_000, idleMs: 60_000, firstChunkMs: 60_000, attemptMs: 600_000 },
  });
}

async function endlessRead(): Promise<void> {
  const up = await endlessUpstream(1024);
  const router = routerFor(up.url);
  const baseline = await settledHeap();
  const deadline = Date.now() + seconds * 1000;
  let streams = 0;
  let chars = 0;
  const endings: Record<string, number> = {};
  let peak = baseline;
  let peakRss = process.memoryUsage().rss / MB;
  const sampler = setInterval(() => {
    peak = Math.max(peak, heap());
    peakRss = Math.max(peakRss, process.memoryUsage().rss / MB);
  }, 250);
  const reader = async () => {
    while (Date.now() < deadline) {
      streams++;
      const s = router.stream({ model: 'm', messages: [{ role: 'user', content: 'go' }] });
      try {
        for await (const p of s) {
          if (p.type === 'text-delta') chars += p.text.length;
          if (Date.now() >= deadline) {
            s.cancel('time is up');
            break;
          }
        }
      } catch (error) {
        const code = RouterError.isInstance(error) ? error.code : 'other';
        endings[code] = (endings[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: readers }, reader));
  clearInterval(sampler);
  await router.close();
  await up.close();
  out(
    `endless streams read: ${readers} consumers for ${seconds} s, ${streams} streams, ${(chars / MB).toFixed(0)} Mi characters read, endings ${JSON.stringify(endings)}`,
  );
  out(
    `  heap: baseline ${baseline.toFixed(1)} MiB, peak ${peak.toFixed(1)} MiB (sampled every 250 ms, before GC), after close ${(await settledHeap()).toFixed(1)} MiB; peak RSS ${peakRss.toFixed(0)} MiB`,
  );
}

async function unreadStreams(): Promise<void> {
  const partChars = 512 * 1024;
  const up = await endlessUpstream(partChars);
  const router = routerFor(up.url);
  const baseline = await settledHeap();
  const streams = Array.from({ length: unread }, () =>
    router.stream({ model: 'm', messages: [{ role: 'user', content: 'go' }] }),
  );
  for (const s of streams) s.result.catch(() => {});
  // Until the upstream can write no more (every stream is held up by backpressure).
  let last = -1;
  while (up.written() !== last) {
    last = up.written();
    await new Promise<void>((r) => setTimeout(r, 1_000));
  }
  const held = (await settledHeap()) - baseline;
  const bufferBytes = 1_048_576;
  out(
    `unread streams: ${unread} streams of ${partChars / 1024} KiB parts, never read; the upstream wrote ${(up.written() / MB).toFixed(1)} MiB before backpressure stopped it`,
  );
  out(
    `  heap held after GC: ${held.toFixed(1)} MiB in all, ${(held / unread).toFixed(1)} MiB per stream (limits.streamBufferBytes ${bufferBytes / MB} MiB + one part of ${((2 * partChars) / MB).toFixed(1)} MiB as UTF-16, + the adapter's line buffer and the socket's)`,
  );
  for (const s of streams) s.cancel('measured');
  await Promise.allSettled(streams.map((s) => s.result));
  await router.close();
  await up.close();
}

out(
  `uptime: ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (load average 1/5/15 min)`,
);
await unreadStreams();
await endlessRead();
