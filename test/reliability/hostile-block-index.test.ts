import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ModelRouter,
  RouterError,
  type UsageRecord,
  anthropic,
  bedrock,
  openaiCompatible,
} from '../../src/index.js';
import type { StreamPart } from '../../src/types/stream.js';
import { encodeEvents } from '../providers/event-stream-helpers.js';
import { type Upstream, goodStream, startUpstream } from './hostile-upstream.js';

/*
 * Issue #16: Anthropic's `index` and Bedrock's `contentBlockIndex` of 4294967294 (2³²−2) — the
 * tool-call index that froze the event loop on the OpenAI path (#11 item 1). Real node:http servers
 * on 127.0.0.1 write each wire format (SSE, the binary event stream); the hostile one never ends its
 * response, so a test ends only if the router gives up on it and cancels the upstream.
 */

const HUGE = 4_294_967_294;
const hi = [{ role: 'user' as const, content: 'hi' }];

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length > 0) await open.pop()!.close();
});

type Wire = 'anthropic' | 'bedrock';

/** The events of one streamed reply: text deltas, then a tool-use block start at `index`. */
interface Script {
  texts: string[];
  toolIndex: unknown;
}

const sse = (type: string, data: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

function writeAnthropic(res: ServerResponse, s: Script): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(
    sse('message_start', {
      message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude', content: [] },
    }),
  );
  if (s.texts.length > 0) {
    res.write(sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
    for (const text of s.texts)
      res.write(sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
    res.write(sse('content_block_stop', { index: 0 }));
  }
  res.write(
    sse('content_block_start', {
      index: s.toolIndex,
      content_block: { type: 'tool_use', id: 'toolu_1', name: 'freeze', input: {} },
    }),
  );
  res.write(
    sse('content_block_delta', {
      index: s.toolIndex,
      delta: { type: 'input_json_delta', partial_json: '{}' },
    }),
  );
  // No message_stop and no end: the client has to give up on this response.
}

function writeBedrock(res: ServerResponse, s: Script): void {
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  res.write(
    encodeEvents([
      { event: 'messageStart', payload: { role: 'assistant' } },
      ...s.texts.map((text) => ({
        event: 'contentBlockDelta',
        payload: { contentBlockIndex: 0, delta: { text } },
      })),
      ...(s.texts.length > 0 ? [{ event: 'contentBlockStop', payload: { contentBlockIndex: 0 } }] : []),
      {
        event: 'contentBlockStart',
        payload: { contentBlockIndex: s.toolIndex, start: { toolUse: { toolUseId: 't1', name: 'freeze' } } },
      },
      {
        event: 'contentBlockDelta',
        payload: { contentBlockIndex: s.toolIndex, delta: { toolUse: { input: '{}' } } },
      },
    ]),
  );
}

async function setup(wire: Wire, script: Script) {
  const bad = await startUpstream((_req, res) =>
    (wire === 'anthropic' ? writeAnthropic : writeBedrock)(res, script),
  );
  const good = await startUpstream(goodStream);
  open.push(bad, good);
  const records: UsageRecord[] = [];
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'bad', adapter: wire, keys: [{ id: 'bad-1', secret: 'sk-bad-0123456789abcdef' }] },
        {
          id: 'good',
          adapter: 'openai',
          baseUrl: good.url,
          keys: [{ id: 'good-1', secret: 'sk-good-987654' }],
        },
      ],
      models: [
        { providerId: 'bad', modelId: 'm' },
        { providerId: 'good', modelId: 'm' },
      ],
      groups: [
        {
          name: 'chat',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'bad', modelId: 'm', priority: 0 },
            { providerId: 'good', modelId: 'm', priority: 1 },
          ],
        },
      ],
    },
    adapters: {
      anthropic: anthropic({ baseURL: bad.url }),
      bedrock: bedrock({ baseURL: bad.url.replace(/\/v1$/, ''), region: 'us-east-1' }),
      openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9/v1' }),
    },
    onUsage: (r) => void records.push(r),
  });
  open.push(router);
  return { router, bad, records };
}

async function drain(stream: AsyncIterable<StreamPart>): Promise<{ parts: StreamPart[]; error: unknown }> {
  const parts: StreamPart[] = [];
  try {
    for await (const p of stream) parts.push(p);
  } catch (error) {
    return { parts, error };
  }
  return { parts, error: undefined };
}

function expectReleased(router: ModelRouter): void {
  const s = router.stats();
  expect(s.inFlight).toBe(0);
  expect(s.keys.every((k) => k.inFlight === 0)).toBe(true);
}

/** The upstream saw its connection closed by the router (the call was cancelled, not left open). */
async function cancelled(up: Upstream): Promise<void> {
  await expect.poll(() => up.closedByClient).toBe(1);
}

describe.each(['anthropic', 'bedrock'] as const)('%s: a content-block index of 2³²−2', (wire) => {
  const field = wire === 'anthropic' ? 'content block index' : 'contentBlockIndex';

  it('before any content: a protocol error, the router fails over invisibly', async () => {
    const { router, bad, records } = await setup(wire, { texts: [], toolIndex: HUGE });
    const s = router.stream({ model: 'chat', messages: hi });
    const { parts, error } = await drain(s);
    expect(error).toBeUndefined();
    expect(parts.find((p) => p.type === 'start')).toMatchObject({ providerId: 'good' });
    expect(parts.some((p) => p.type === 'tool-call-delta')).toBe(false);
    const result = await s.result;
    expect(result.message.content).toBe('fine');
    expect(result.attempts[0]).toMatchObject({ providerId: 'bad', status: 'error', errorKind: 'protocol' });
    expect(String(result.attempts[0]!.message)).toContain(`${field} ${HUGE}`);
    expect(records.map((r) => [r.providerId, r.status])).toEqual([
      ['bad', 'error'],
      ['good', 'success'],
    ]);
    await cancelled(bad);
    expectReleased(router);
  });

  it('after content: STREAM_INTERRUPTED carrying the protocol error, the text never repeated', async () => {
    const { router, bad, records } = await setup(wire, { texts: ['partial ', 'answer'], toolIndex: HUGE });
    const s = router.stream({ model: 'chat', messages: hi });
    s.result.catch(() => {});
    const { parts, error } = await drain(s);
    expect(RouterError.isInstance(error) && error.code).toBe('STREAM_INTERRUPTED');
    expect(String((error as RouterError).message)).toContain(`${field} ${HUGE}`);
    const text = parts.flatMap((p) => (p.type === 'text-delta' ? [p.text] : [])).join('');
    expect(text).toBe('partial answer');
    expect(parts.some((p) => p.type === 'tool-call-delta')).toBe(false);
    expect(records.map((r) => [r.providerId, r.status, r.errorCode])).toEqual([
      ['bad', 'interrupted', 'protocol'],
    ]);
    await cancelled(bad);
    expectReleased(router);
  });

  it.each([
    ['negative', -1],
    ['fractional', 0.5],
    ['a string', '0'],
    ['a skip ahead by one', 1],
  ])('an index that is %s is refused the same way', async (_name, toolIndex) => {
    const { router, records } = await setup(wire, { texts: [], toolIndex });
    const s = router.stream({ model: 'chat', messages: hi });
    const { error } = await drain(s);
    expect(error).toBeUndefined();
    const streamed = await s.result;
    expect(streamed.model.providerId).toBe('good');
    expect(streamed.attempts[0]).toMatchObject({ providerId: 'bad', errorKind: 'protocol' });
    expect(records.some((r) => r.providerId === 'bad' && r.stream && r.errorCode === 'protocol')).toBe(true);
    expectReleased(router);
  });

  it('blocks numbered 0, 1 in order still carry the tool call', async () => {
    const { router } = await setup(wire, { texts: ['calling'], toolIndex: 1 });
    const s = router.stream({ model: 'chat', messages: hi });
    const parts: StreamPart[] = [];
    // The hostile server never ends the reply: read up to the tool call, then stop.
    for await (const p of s) {
      parts.push(p);
      if (p.type === 'tool-call-delta' && p.argumentsDelta === '{}') break;
    }
    expect(parts.find((p) => p.type === 'start')).toMatchObject({ providerId: 'bad' });
    expect(parts.filter((p) => p.type === 'tool-call-delta')).toEqual([
      expect.objectContaining({ index: 0, name: 'freeze' }),
      expect.objectContaining({ index: 0, argumentsDelta: '{}' }),
    ]);
    await s.result.catch(() => {}); // settles once the break has cancelled the upstream
    expectReleased(router);
  });
});
