import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRouter, anthropic, openaiCompatible } from '../../src/index.js';
import { createRelayHandler } from '../../src/http/index.js';
import { expectReleased, serve } from '../http/harness.js';
import { type UpstreamHandler, openaiUpstream } from '../helpers/openai-upstream.js';

/*
 * Issue #14: reasoning across the translated /v1/responses route — a Responses client (the official
 * openai client) served by an Anthropic upstream (a node:http mock replaying the Messages API). The
 * thinking blocks come out as `reasoning` items (summary = the thinking text, encrypted_content = the
 * relay's envelope of the signature or the redacted data), and the next turn's items give Anthropic
 * the very blocks back, signatures intact. Another family's envelope never reaches an upstream that
 * cannot read it.
 */

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const THINKING = 'The user wants the weather; call the tool.';
const SIGNATURE = 'EqQBCkYIARgCKkA+sig/with+base64==';
const REDACTED =
  'EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpPkNRj2YfWXGmKDxH4mPnZ5sQ7vB5URj2pLmN0vH5qYz1rBbwUMJb9';

const message = (content: unknown[], stop = 'tool_use') => ({
  json: {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-up',
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: { input_tokens: 30, output_tokens: 12 },
  },
});

const thinkingReply = () =>
  message([
    { type: 'thinking', thinking: THINKING, signature: SIGNATURE },
    { type: 'redacted_thinking', data: REDACTED },
    { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } },
  ]);

async function setup(claude: UpstreamHandler, gpt: UpstreamHandler = () => ({ json: {} })) {
  const upC = await openaiUpstream(claude);
  const upG = await openaiUpstream(gpt);
  open.push(upC, upG);
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'claude', adapter: 'anthropic', baseUrl: upC.url, keys: [{ id: 'c1', secret: 'sk-ant-c1' }] },
        { id: 'gpt', adapter: 'openai', baseUrl: upG.url, keys: [{ id: 'g1', secret: 'sk-g1' }] },
      ],
      models: [
        { providerId: 'claude', modelId: 'claude-up' },
        { providerId: 'gpt', modelId: 'gpt-up' },
      ],
    },
    adapters: { anthropic: anthropic(), openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9' }) },
  });
  open.push(router);
  const server = await serve(createRelayHandler(router));
  open.push(server);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'relay', maxRetries: 0 });
  return { router, client, upC, upG };
}

const weather = {
  type: 'function' as const,
  name: 'get_weather',
  description: 'Weather of a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  strict: false,
};

type Input = OpenAI.Responses.ResponseInputItem[];

describe('/v1/responses served by Anthropic: reasoning items round-trip', () => {
  it('thinking and redacted thinking come out as reasoning items and go back as the same blocks', async () => {
    const { router, client, upC } = await setup((_r, i) =>
      i === 0 ? thinkingReply() : message([{ type: 'text', text: 'Sunny in Rome.' }], 'end_turn'),
    );
    const first = await client.responses.create({
      model: 'claude/claude-up',
      input: 'Weather in Rome?',
      tools: [weather],
      store: false,
      include: ['reasoning.encrypted_content'],
    });
    expect(first.output.map((o) => o.type)).toEqual(['reasoning', 'reasoning', 'function_call']);
    const [thought, redacted] = first.output as OpenAI.Responses.ResponseReasoningItem[];
    expect(thought!.summary).toEqual([{ type: 'summary_text', text: THINKING }]);
    expect(thought!.encrypted_content).toMatch(/^mr1\./);
    expect(redacted!.summary).toEqual([]);
    expect(redacted!.encrypted_content).toMatch(/^mr1\./);
    // Neither the signature nor the redacted data travels in clear text beside the envelope.
    expect(JSON.stringify(first.output)).not.toContain(SIGNATURE);

    const call = first.output[2] as OpenAI.Responses.ResponseFunctionToolCall;
    const input: Input = [
      { role: 'user', content: 'Weather in Rome?' },
      ...(first.output as Input),
      { type: 'function_call_output', call_id: call.call_id, output: '{"sky":"clear"}' },
    ];
    const second = await client.responses.create({
      model: 'claude/claude-up',
      input,
      tools: [weather],
      store: false,
      include: ['reasoning.encrypted_content'],
    });
    expect(second.output_text).toBe('Sunny in Rome.');

    const sent = upC.requests[1]!.body.messages as Array<{ role: string; content: unknown }>;
    expect(sent[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: THINKING, signature: SIGNATURE },
        { type: 'redacted_thinking', data: REDACTED },
        { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Rome' } },
      ],
    });
    expectReleased(router);
  });

  it('streamed: reasoning summary events, then the item with its envelope; the next turn carries it back', async () => {
    const sse: Array<[string, unknown]> = [
      [
        'message_start',
        {
          type: 'message_start',
          message: {
            id: 'msg_2',
            type: 'message',
            role: 'assistant',
            model: 'claude-up',
            content: [],
            usage: { input_tokens: 5, output_tokens: 1 },
          },
        },
      ],
      [
        'content_block_start',
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Short ' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'thought.' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: SIGNATURE } },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 0 }],
      [
        'content_block_start',
        { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
      ],
      [
        'content_block_delta',
        { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Answer.' } },
      ],
      ['content_block_stop', { type: 'content_block_stop', index: 1 }],
      [
        'message_delta',
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9 } },
      ],
      ['message_stop', { type: 'message_stop' }],
    ];
    const { client, upC } = await setup((_r, i) =>
      i === 0 ? { sse } : message([{ type: 'text', text: 'ok' }], 'end_turn'),
    );
    const stream = client.responses.stream({
      model: 'claude/claude-up',
      input: 'Think, then answer.',
      store: false,
      include: ['reasoning.encrypted_content'],
    });
    const types: string[] = [];
    const summaryDeltas: string[] = [];
    for await (const e of stream) {
      types.push(e.type);
      if (e.type === 'response.reasoning_summary_text.delta') summaryDeltas.push(e.delta);
    }
    const final = await stream.finalResponse();
    expect(summaryDeltas).toEqual(['Short ', 'thought.']);
    expect(types.indexOf('response.reasoning_summary_text.done')).toBeLessThan(
      types.indexOf('response.output_text.delta'),
    );
    expect(final.output.map((o) => o.type)).toEqual(['reasoning', 'message']);
    expect(final.output_text).toBe('Answer.');
    const item = final.output[0] as OpenAI.Responses.ResponseReasoningItem;
    expect(item.summary).toEqual([{ type: 'summary_text', text: 'Short thought.' }]);

    await client.responses.create({
      model: 'claude/claude-up',
      input: [
        { role: 'user', content: 'Think, then answer.' },
        ...(final.output as Input),
        { role: 'user', content: 'More?' },
      ],
      store: false,
    });
    const sent = upC.requests[1]!.body.messages as Array<{ role: string; content: unknown }>;
    expect(sent[1]).toEqual({
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Short thought.', signature: SIGNATURE },
        { type: 'text', text: 'Answer.' },
      ],
    });
  });

  it('without include: the summary only, no encrypted_content', async () => {
    const { client } = await setup(() => thinkingReply());
    const res = await client.responses.create({ model: 'claude/claude-up', input: 'hi', tools: [weather] });
    const items = res.output.filter(
      (o) => o.type === 'reasoning',
    ) as OpenAI.Responses.ResponseReasoningItem[];
    expect(items).toHaveLength(2);
    for (const r of items) expect(r.encrypted_content ?? undefined).toBeUndefined();
  });

  it('an Anthropic envelope sent to a chat-completions upstream is left out with a warning, never sent', async () => {
    const { client, upC, upG } = await setup(
      () => thinkingReply(),
      () => ({
        json: {
          id: 'c',
          object: 'chat.completion',
          created: 1,
          model: 'gpt-up',
          choices: [{ index: 0, message: { role: 'assistant', content: 'from gpt' }, finish_reason: 'stop' }],
        },
      }),
    );
    const first = await client.responses.create({
      model: 'claude/claude-up',
      input: 'hi',
      tools: [weather],
      store: false,
      include: ['reasoning.encrypted_content'],
    });
    const call = first.output[2] as OpenAI.Responses.ResponseFunctionToolCall;
    const res = await client.responses.create({
      model: 'gpt/gpt-up',
      input: [
        { role: 'user', content: 'hi' },
        ...(first.output as Input),
        { type: 'function_call_output', call_id: call.call_id, output: 'done' },
      ],
      store: false,
    });
    expect(res.output_text).toBe('from gpt');
    expect(upC.requests).toHaveLength(1);
    const body = JSON.stringify(upG.requests[0]!.body);
    expect(body).not.toContain('mr1.');
    expect(body).not.toContain(SIGNATURE);
    expect(body).not.toContain(REDACTED);
    const warnings = (res as unknown as { warnings?: Array<{ code: string }> }).warnings ?? [];
    expect(warnings.map((w) => w.code)).toContain('reasoning_dropped');
  });
});
