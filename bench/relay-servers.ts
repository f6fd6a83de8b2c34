/**
 * The servers of the relay benchmark, in a process of their own (as a deployed relay is):
 * `node --import tsx bench/relay-servers.ts <upstreamPort>`. Starts, on 127.0.0.1 free ports,
 * - `proxy`: a plain node:http forwarding proxy (the floor any relay hop costs: one more HTTP hop),
 * - `relay`: `createRelayHandler` on its direct node:http door (`toNodeListener(relay)`),
 * - `relayWeb`: the same relay through the web `Request → Response` door,
 * and prints `{"proxy":N,"relay":N,"relayWeb":N}` once all accept connections.
 */
import { Agent, type IncomingMessage, type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ModelRouter, anthropic, openaiCompatible } from '../src/index.js';
import { createRelayHandler, toNodeListener } from '../src/http/index.js';
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
const relay = createRelayHandler(router);

const servers = {
  proxy: createServer(forward),
  relay: createServer(toNodeListener(relay)),
  relayWeb: createServer(toNodeListener((r: Request) => relay(r))),
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
