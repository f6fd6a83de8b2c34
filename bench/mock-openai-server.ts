/**
 * A local mock of OpenAI's chat completions API for the loopback benchmark, run in its own process:
 * `node --import tsx bench/mock-openai-server.ts`. Listens on 127.0.0.1, on a free port, and prints
 * `{"port":N}` on stdout once it accepts connections. Answers every POST …/chat/completions with the
 * recorded reply (test/fixtures/openai/chat-plain.json, or stream-text.sse for `"stream":true`), and
 * POST …/embeddings with two base64 vectors, and POST …/messages (Anthropic's Messages API) with the
 * recorded Message (test/fixtures/anthropic/message-plain.json, or stream-text.sse for `"stream":true`).
 * A streamed chat request whose body carries `"bench_events": N` (a field the relay passes through)
 * gets the recorded stream with N content events, written one event at a time, each after the
 * event loop turned (as a model's tokens arrive: every event its own read on the other side).
 */
import { readFileSync } from 'node:fs';
import { type ServerResponse, createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { repeatedSseEvents } from './lib/sse-fixture.js';

const fixture = (name: string) => fileURLToPath(new URL(`../test/fixtures/openai/${name}`, import.meta.url));
const plain = JSON.parse(readFileSync(fixture('chat-plain.json'), 'utf8')) as { body: unknown };
const anthropicMessage = Buffer.from(
  JSON.stringify(
    (
      JSON.parse(
        readFileSync(
          fileURLToPath(new URL('../test/fixtures/anthropic/message-plain.json', import.meta.url)),
          'utf8',
        ),
      ) as { body: unknown }
    ).body,
  ),
);
const anthropicSse = readFileSync(
  fileURLToPath(new URL('../test/fixtures/anthropic/stream-text.sse', import.meta.url)),
);
const json = Buffer.from(JSON.stringify(plain.body));
const sse = readFileSync(fixture('stream-text.sse'));
// Embeddings: two 1536-dimension vectors, base64 as OpenAI sends them to its own client.
const vector = Buffer.from(new Float32Array(1536).map((_, i) => Math.sin(i)).buffer).toString('base64');
const embeddings = Buffer.from(
  JSON.stringify({
    object: 'list',
    data: [0, 1].map((index) => ({ object: 'embedding', index, embedding: vector })),
    model: 'text-embedding-3-small',
    usage: { prompt_tokens: 5, total_tokens: 5 },
  }),
);

// What OpenAI sends, with limits that never bind (the router reads them on every response).
const rateLimitHeaders = {
  'x-ratelimit-limit-requests': '1000000',
  'x-ratelimit-remaining-requests': '999999',
  'x-ratelimit-reset-requests': '6ms',
  'x-ratelimit-limit-tokens': '1000000000',
  'x-ratelimit-remaining-tokens': '999999950',
  'x-ratelimit-reset-tokens': '15ms',
};

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method === 'POST' && req.url?.endsWith('/embeddings')) {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': String(embeddings.length),
        ...rateLimitHeaders,
      });
      res.end(embeddings);
      return;
    }
    if (req.method === 'POST' && req.url?.endsWith('/messages')) {
      const body = Buffer.concat(chunks).includes('"stream":true') ? anthropicSse : anthropicMessage;
      res.writeHead(200, {
        'content-type': body === anthropicSse ? 'text/event-stream' : 'application/json',
        'content-length': String(body.length),
        'request-id': 'req_bench',
      });
      res.end(body);
      return;
    }
    if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const raw = Buffer.concat(chunks);
    const stream = raw.includes('"stream":true');
    const events = stream && raw.includes('"bench_events"') ? benchEvents(raw) : 0;
    if (events > 0) {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'x-request-id': 'req_bench',
        ...rateLimitHeaders,
      });
      writeOneByOne(res, repeatedSseEvents('openai', events));
      return;
    }
    res.writeHead(200, {
      'content-type': stream ? 'text/event-stream' : 'application/json',
      'content-length': String(stream ? sse.length : json.length),
      'x-request-id': 'req_bench',
      ...rateLimitHeaders,
    });
    res.end(stream ? sse : json);
  });
});
server.keepAliveTimeout = 60_000;

/** `bench_events` of a request body: a count of content events, at most 10,000 (0 for a body that is not JSON). */
function benchEvents(raw: Buffer): number {
  let n: unknown;
  try {
    n = (JSON.parse(raw.toString('utf8')) as { bench_events?: unknown }).bench_events;
  } catch {
    return 0;
  }
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? Math.min(n, 10_000) : 0;
}

/** Each event its own write, the next one after the event loop turned; the end after the last. */
function writeOneByOne(res: ServerResponse, events: string[]): void {
  let i = 0;
  const next = () => {
    if (res.destroyed) return;
    if (i === events.length) res.end();
    else {
      res.write(events[i++]);
      setImmediate(next);
    }
  };
  next();
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
