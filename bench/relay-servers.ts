/**
 * The servers of the relay benchmark, in a process of their own (as a deployed relay is):
 * `node --import tsx bench/relay-servers.ts <upstreamPort>`. Starts, on 127.0.0.1 free ports,
 * - `proxy`: a plain node:http forwarding proxy (the floor any relay hop costs: one more HTTP hop),
 * - `relay`: `createRelayHandler` on its direct node:http door (`toNodeListener(relay)`),
 * - `relayWeb`: the same relay through the web `Request → Response` door,
 * - `relayAuth`: the relay on its node:http door with an `authenticate` hook (which gets a `Request`),
 * - `floor`: a hand-written JSON relay — parse the body, forward it, parse the answer, re-serialize
 *   it (what any relay that reads the JSON costs at least),
 * - `floorWeb`: the same floor as a web handler (`Request → Response`) served by `toNodeListener`:
 *   what `toNodeListener`'s conversion alone adds is `floorWeb` minus `floor`,
 * - `floorTransport`: the floor with its upstream call over the adapters' default transport,
 * - `bare`: `router.complete()` behind a bare node:http handler (the router and its adapter, no relay
 *   route: what the relay's HTTP layer adds is `relay` minus this),
 * - `bareStream`: `router.stream()` behind a bare handler, its text parts as SSE frames (what the
 *   relay adds to a stream is `relay` streamed minus this),
 * - `bareThin`: the same as `bare` over an adapter that does the floor's work and no more (the router's own
 *   cost is this minus `floorTransport`; `openaiCompatible`'s is `bare` minus this),
 * - `floorStream`: the streamed floor: a thin streaming adapter's parts (one POST over the default
 *   transport, its SSE parsed with eventsource-parser, each event's JSON read) written as `bareStream`
 *   writes them, with no router,
 * - `thinStream`: `router.stream()` over that thin adapter, written the same way (the router's own cost
 *   to a stream is this minus `floorStream`; `openaiCompatible`'s is `bareStream` minus this),
 * - `control`: answers any request with this process's `process.cpuUsage()` (µs), so the bench reads
 *   the servers' CPU before and after a burst — CPU per request is steadier than latency on a busy
 *   machine,
 * and prints `{"proxy":N,"relay":N,…}` once all accept connections.
 */
import { Agent, type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import {
  type AdapterStreamPart,
  ModelRouter,
  type ProviderAdapter,
  type StreamPart,
  anthropic,
  openaiCompatible,
} from '../src/index.js';
import { createRelayHandler, toNodeListener } from '../src/http/index.js';
import { nodeFetch } from '../src/providers/shared/node-transport.js';
import type { HttpBody } from '../src/providers/shared/transport.js';
import { UNBOUND, smallCatalog } from './lib/catalogs.js';

const upstreamPort = Number(process.argv[2]);
if (!Number.isInteger(upstreamPort)) throw new Error('usage: relay-servers.ts <upstreamPort>');
const baseURL = `http://127.0.0.1:${upstreamPort}/v1`;

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function forward(req: IncomingMessage, res: ServerResponse): void {
  const up = request(
    { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers, agent },
    (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    },
  );
  up.on('error', () => res.destroy());
  req.pipe(up);
}

/** A body's JSON, then `then(json)`. */
function readJson(req: IncomingMessage, then: (body: Record<string, unknown>) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => then(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
}

function sendJson(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The floor's upstream call: the body with the upstream's model name, its answer's JSON with an id. */
function forwardJson(body: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const out = Buffer.from(JSON.stringify({ ...body, model: 'gpt-4o-mini' }));
    const headers = { 'content-type': 'application/json', 'content-length': out.byteLength };
    const up = request(
      { host: '127.0.0.1', port: upstreamPort, method: 'POST', path: '/v1/chat/completions', headers, agent },
      (upRes) => {
        const got: Buffer[] = [];
        upRes.on('data', (c: Buffer) => got.push(c));
        upRes.on('end', () => resolve({ ...JSON.parse(Buffer.concat(got).toString('utf8')), id: 'x' }));
      },
    );
    up.on('error', reject);
    up.end(out);
  });
}

/** The floor's upstream call over the adapters' default transport (undici's dispatcher, no web objects). */
const quiet = { aborted: false, reason: undefined, addEventListener() {}, removeEventListener() {} };
const upstreamUrl = `${baseURL}/chat/completions`;
const postToUpstream = (body: Record<string, unknown>, apiKey: string) =>
  nodeFetch(upstreamUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
    body: JSON.stringify(body),
    signal: quiet,
  });
async function postOverTransport(
  body: Record<string, unknown>,
  apiKey: string,
): Promise<Record<string, unknown>> {
  const res = await postToUpstream(body, apiKey);
  return JSON.parse(await res.text()) as Record<string, unknown>;
}

/** The floor over the default transport: what any relay that parses the JSON can reach over it. */
function floorTransport(req: IncomingMessage, res: ServerResponse): void {
  readJson(req, (body) => {
    postOverTransport({ ...body, model: 'gpt-4o-mini' }, 'sk-bench-1').then(
      (answer) => sendJson(res, { ...answer, id: 'x' }),
      () => res.destroy(),
    );
  });
}

interface ThinUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

interface ThinAnswer {
  choices: Array<{ message: { content: string } }>;
  usage: ThinUsage;
}

const thinUsage = (u: ThinUsage) => ({
  promptTokens: u.prompt_tokens,
  completionTokens: u.completion_tokens,
  totalTokens: u.total_tokens,
});

/**
 * An adapter that does the floor's work and no more: the request as JSON under the member's model
 * name, one POST over the default transport, the answer's text and counts. `router.complete()` over
 * it, minus the floor over the transport, is the router's own cost; the bare handler (the router over
 * `openaiCompatible`) minus it, the adapter's.
 */
const thinAdapter: ProviderAdapter = {
  name: 'thin',
  async complete(call) {
    const body = { model: call.model.modelId, messages: call.request.messages };
    const json = (await postOverTransport(body, call.apiKey)) as unknown as ThinAnswer;
    return {
      message: { role: 'assistant', content: json.choices[0]!.message.content },
      finishReason: { unified: 'stop' },
      usage: thinUsage(json.usage),
    };
  },
  async stream(call) {
    const body = { model: call.model.modelId, messages: call.request.messages, stream: true };
    const res = await postToUpstream(body, call.apiKey);
    return { parts: thinParts(res.body!) };
  },
};

interface ThinChunk {
  choices?: Array<{ delta?: { content?: string } }>;
  usage?: ThinUsage;
}

/** A chat-completions event stream as parts, the way an adapter author would first write it. */
async function* thinParts(body: HttpBody): AsyncGenerator<AdapterStreamPart> {
  const reader = body.getReader();
  const events: string[] = [];
  const parser = createParser({ onEvent: (e) => events.push(e.data) });
  const text = new TextDecoder();
  let usage: ThinUsage | undefined;
  for (;;) {
    const chunk = await reader.read();
    if (chunk.done) return;
    parser.feed(text.decode(chunk.value, { stream: true }));
    for (const data of events.splice(0)) {
      if (data === '[DONE]') {
        yield {
          type: 'finish',
          finishReason: { unified: 'stop' },
          ...(usage ? { usage: thinUsage(usage) } : {}),
        };
        return;
      }
      const json = JSON.parse(data) as ThinChunk;
      if (json.usage) usage = json.usage;
      const content = json.choices?.[0]?.delta?.content;
      if (content) yield { type: 'text-delta', text: content };
    }
  }
}

function floor(req: IncomingMessage, res: ServerResponse): void {
  readJson(req, (body) => {
    forwardJson(body).then(
      (answer) => sendJson(res, answer),
      () => res.destroy(),
    );
  });
}

/** The floor as a web handler: the same work, through a `Request` and a `Response`. */
async function floorWeb(req: Request): Promise<Response> {
  const text = JSON.stringify(await forwardJson((await req.json()) as Record<string, unknown>));
  const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) };
  return new Response(text, { headers });
}

function bare(req: IncomingMessage, res: ServerResponse): void {
  readJson(req, (body) => {
    router.complete({ model: String(body.model), messages: body.messages as never }).then(
      (r) => sendJson(res, { content: r.message.content, usage: r.usage }),
      () => res.destroy(),
    );
  });
}

/**
 * Parts behind a bare handler: each text part as an SSE frame, the frames of one tick in one write (as
 * the relay batches them).
 */
function writeParts(res: ServerResponse, parts: AsyncIterable<StreamPart | AdapterStreamPart>): void {
  let batch = '';
  const flush = () => {
    if (batch === '') return;
    res.write(batch);
    batch = '';
  };
  const frame = (text: string) => {
    if (batch === '') process.nextTick(flush);
    batch += text;
  };
  void (async () => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for await (const part of parts)
      if (part.type === 'text-delta') frame(`data: ${JSON.stringify({ content: part.text })}\n\n`);
    flush();
    res.end('data: [DONE]\n\n');
  })().catch(() => res.destroy());
}

/** `router.stream()` behind a bare handler. What the relay adds to a stream is `relay` minus this. */
function bareStream(req: IncomingMessage, res: ServerResponse): void {
  readJson(req, (body) => {
    writeParts(res, router.stream({ model: String(body.model), messages: body.messages as never }));
  });
}

/** The thin adapter's parts behind the same handler, with no router: the streamed floor. */
function floorStream(req: IncomingMessage, res: ServerResponse): void {
  readJson(req, (body) => {
    const call = { model: { modelId: 'gpt-4o-mini' }, request: body, apiKey: 'sk-bench-1' };
    thinAdapter.stream(call as never).then(
      (s) => writeParts(res, s.parts),
      () => res.destroy(),
    );
  });
}

// `bench` (three OpenAI-compatible members) plus `bench-claude`: one Anthropic provider on the same
// mock, which the Messages route passes the client's body through to.
const catalog = smallCatalog('openai');
catalog.providers!.push({
  id: 'an',
  adapter: 'anthropic',
  keys: [{ id: 'an-k1', secret: 'sk-bench-an', ...UNBOUND }],
});
catalog.models!.push({ providerId: 'an', modelId: 'claude-sonnet-4-5' });
catalog.groups!.push({ name: 'bench-claude', members: [{ providerId: 'an', modelId: 'claude-sonnet-4-5' }] });
const router = new ModelRouter({
  catalog,
  adapters: { openai: openaiCompatible({ baseURL }), anthropic: anthropic({ baseURL }) },
});
await router.ready();
// The same catalog over an adapter that does only the floor's work: what the router alone costs.
const thinRouter = new ModelRouter({ catalog: smallCatalog('openai'), adapters: { openai: thinAdapter } });
await thinRouter.ready();
function thinStream(req: IncomingMessage, res: ServerResponse): void {
  readJson(req, (body) => {
    writeParts(res, thinRouter.stream({ model: String(body.model), messages: body.messages as never }));
  });
}
function bareThin(req: IncomingMessage, res: ServerResponse): void {
  readJson(req, (body) => {
    thinRouter.complete({ model: String(body.model), messages: body.messages as never }).then(
      (r) => sendJson(res, { content: r.message.content, usage: r.usage }),
      () => res.destroy(),
    );
  });
}
const relay = createRelayHandler(router);
// The same relay with an `authenticate` that reads the key from the Request it is handed.
const relayAuth = createRelayHandler(router, {
  authenticate: (r) => (r.headers.get('authorization') === 'Bearer sk-bench-1' ? { id: 'bench' } : null),
});

const servers = {
  proxy: createServer(forward),
  relay: createServer(toNodeListener(relay)),
  relayWeb: createServer(toNodeListener((r: Request) => relay(r))),
  relayAuth: createServer(toNodeListener(relayAuth)),
  floor: createServer(floor),
  floorWeb: createServer(toNodeListener(floorWeb)),
  floorTransport: createServer(floorTransport),
  bareThin: createServer(bareThin),
  bare: createServer(bare),
  bareStream: createServer(bareStream),
  floorStream: createServer(floorStream),
  thinStream: createServer(thinStream),
  control: createServer((_req, res) => sendJson(res, process.cpuUsage())),
};
const ports: Record<string, number> = {};
for (const [name, server] of Object.entries(servers)) {
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  ports[name] = (server.address() as AddressInfo).port;
}
process.stdout.write(`${JSON.stringify(ports)}\n`);

const stop = () => {
  for (const s of Object.values(servers)) s.closeAllConnections();
  void router.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
