import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRouter, anthropic, openaiCompatible } from '../../src/index.js';
import { createRelayHandler } from '../../src/http/index.js';
import { expectReleased, serve } from '../http/harness.js';
import { type UpstreamHandler, openaiUpstream } from '../helpers/openai-upstream.js';

/*
 * Chat completions without lost parameters: the official openai client against the relay on
 * node:http; what reached the upstream is read from a node:http mock that records bodies.
 */

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const completion = (extra: Record<string, unknown> = {}) => ({
  id: 'chatcmpl-upstream',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'gpt-5-mini-2025-08-07',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: '{"ok":true}', refusal: null, annotations: [] },
      logprobs: { content: [{ token: '{"', logprob: -0.01, bytes: [123, 34], top_logprobs: [] }] },
      finish_reason: 'stop',
    },
  ],
  usage: {
    prompt_tokens: 12,
    completion_tokens: 70,
    total_tokens: 82,
    completion_tokens_details: { reasoning_tokens: 64 },
  },
  system_fingerprint: 'fp_abc123',
  service_tier: 'flex',
  ...extra,
});

const anthropicMessage = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-sonnet-4-5',
  content: [{ type: 'text', text: 'from claude' }],
  stop_reason: 'end_turn',
  usage: { input_tokens: 10, output_tokens: 3 },
};

async function setup(opts: {
  openai?: UpstreamHandler;
  claude?: UpstreamHandler;
  transformRequest?: Parameters<typeof createRelayHandler>[1] extends infer O
    ? O extends { transformRequest?: infer T }
      ? T
      : never
    : never;
}) {
  const oa = await openaiUpstream(opts.openai ?? (() => ({ json: completion() })));
  const an = await openaiUpstream(opts.claude ?? (() => ({ json: anthropicMessage })));
  open.push(oa, an);
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'oa', adapter: 'openai', baseUrl: oa.url, keys: [{ id: 'k1', secret: 'sk-oa' }] },
        { id: 'an', adapter: 'anthropic', baseUrl: an.url, keys: [{ id: 'k2', secret: 'sk-an' }] },
      ],
      models: [
        { providerId: 'oa', modelId: 'gpt-5-mini' },
        { providerId: 'an', modelId: 'claude-sonnet-4-5' },
      ],
      groups: [
        { name: 'gpt', members: [{ providerId: 'oa', modelId: 'gpt-5-mini' }] },
        { name: 'claude', members: [{ providerId: 'an', modelId: 'claude-sonnet-4-5' }] },
        {
          name: 'claude-then-gpt',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'an', modelId: 'claude-sonnet-4-5', priority: 0 },
            { providerId: 'oa', modelId: 'gpt-5-mini', priority: 1 },
          ],
        },
      ],
    },
    adapters: {
      openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9' }),
      anthropic: anthropic({ baseURL: 'http://127.0.0.1:9' }),
    },
  });
  open.push(router);
  const server = await serve(
    createRelayHandler(router, opts.transformRequest ? { transformRequest: opts.transformRequest } : {}),
  );
  open.push(server);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'relay', maxRetries: 0 });
  return { router, client, oa, an };
}

const schema = {
  type: 'json_schema' as const,
  json_schema: {
    name: 'answer',
    strict: true,
    schema: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
  },
};

const tools = [
  {
    type: 'function' as const,
    function: { name: 'lookup', description: 'find', parameters: { type: 'object', properties: {} } },
  },
];

const everyParameter = {
  seed: 7,
  frequency_penalty: 0.5,
  presence_penalty: -0.25,
  logit_bias: { '50256': -100 },
  parallel_tool_calls: false,
  logprobs: true,
  top_logprobs: 2,
  reasoning_effort: 'low' as const,
  store: false,
  metadata: { ticket: 'T-1' },
  service_tier: 'flex' as const,
  max_completion_tokens: 99,
  response_format: schema,
  temperature: 0.3,
  top_p: 0.9,
  stop: ['END'],
  user: 'u-1',
  tools,
  tool_choice: 'auto' as const,
};

describe('chat completions keep every parameter (same format)', () => {
  it('sends every field unchanged (max_completion_tokens stays) and returns the extras', async () => {
    const { client, oa, router } = await setup({});
    const messages = [
      { role: 'developer' as const, content: 'be terse' },
      { role: 'user' as const, content: 'hi' },
    ];
    const res = await client.chat.completions.create({ model: 'gpt', messages, ...everyParameter });
    const sent = oa.requests[0]!.body;
    expect(sent).toEqual({ model: 'gpt-5-mini', messages, ...everyParameter });
    expect(sent).not.toHaveProperty('max_tokens');
    expect(sent).not.toHaveProperty('stream');
    // The upstream's extras come back; id and model are the relay's.
    expect(res.model).toBe('gpt-5-mini-2025-08-07'); // the served model, as the upstream named it
    expect(res.id).not.toBe('chatcmpl-upstream');
    expect(res.system_fingerprint).toBe('fp_abc123');
    expect(res.service_tier).toBe('flex');
    expect(res.choices[0]!.logprobs?.content?.[0]?.token).toBe('{"');
    expect(res.usage?.completion_tokens_details?.reasoning_tokens).toBe(64);
    expectReleased(router);
  });

  it('streams the upstream chunks as they came: logprobs, system_fingerprint; usage only if asked', async () => {
    const chunk = (delta: object, extra: object = {}) => ({
      id: 'chatcmpl-up',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-5-mini-2025',
      system_fingerprint: 'fp_s',
      service_tier: 'default',
      choices: [
        {
          index: 0,
          delta,
          logprobs: { content: [{ token: 'x', logprob: -1, top_logprobs: [] }] },
          finish_reason: null,
          ...extra,
        },
      ],
      usage: null,
    });
    const sse = [
      chunk({ role: 'assistant', content: '' }),
      chunk({ content: 'Hel' }),
      chunk({ content: 'lo' }),
      chunk({}, { finish_reason: 'stop' }),
      {
        id: 'chatcmpl-up',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [],
        usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
      },
      '[DONE]',
    ];
    const { client, oa } = await setup({ openai: () => ({ sse }) });
    const stream = await client.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      logprobs: true,
      seed: 1,
    });
    const got = [];
    for await (const c of stream) got.push(c);
    expect(got.map((c) => c.choices[0]?.delta.content ?? null)).toEqual(['', 'Hel', 'lo', null]);
    expect(got.every((c) => c.system_fingerprint === 'fp_s' && c.model === 'gpt-5-mini')).toBe(true);
    expect(got[1]!.choices[0]!.logprobs?.content?.[0]?.token).toBe('x');
    expect(got.some((c) => c.usage)).toBe(false);
    expect(oa.requests[0]!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
      seed: 1,
      logprobs: true,
    });

    const withUsage = await client.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: unknown;
    for await (const c of withUsage) if (c.usage) usage = c.usage;
    expect(usage).toEqual({ prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 });
  });

  it('type-checks the fields it passes on: a bad one is a 400 from the relay', async () => {
    const { client, oa } = await setup({});
    for (const bad of [
      { top_logprobs: 50 },
      { frequency_penalty: 3 },
      { seed: 1.5 },
      { logit_bias: { x: 500 } },
      { n: 2 },
    ]) {
      const error = await client.chat.completions
        .create({ model: 'gpt', messages: [{ role: 'user', content: 'hi' }], ...(bad as object) })
        .catch((e) => e);
      expect(error, JSON.stringify(bad)).toBeInstanceOf(OpenAI.BadRequestError);
    }
    expect(oa.requests).toHaveLength(0);
  });

  it('a transformRequest that rewrites the conversation sends the typed request (no stale wire body)', async () => {
    const { client, oa } = await setup({
      transformRequest: (req) => ({ ...req, messages: [{ role: 'user', content: 'rewritten' }] }),
    });
    await client.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'hi' }],
      seed: 3,
      max_completion_tokens: 40,
    });
    expect(oa.requests[0]!.body.messages).toEqual([{ role: 'user', content: 'rewritten' }]);
    expect(oa.requests[0]!.body).not.toHaveProperty('seed');
    expect(oa.requests[0]!.body.max_tokens).toBe(40);
  });

  it('a transformRequest that lowers max tokens wins over the body', async () => {
    const { client, oa } = await setup({ transformRequest: (req) => ({ ...req, maxTokens: 10 }) });
    await client.chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'hi' }],
      max_completion_tokens: 500,
      seed: 2,
    });
    expect(oa.requests[0]!.body).toMatchObject({ max_tokens: 10, seed: 2 });
    expect(oa.requests[0]!.body).not.toHaveProperty('max_completion_tokens');
  });
});

describe('chat completions across formats', () => {
  it('drops what Anthropic cannot take, with warnings in a header and the body', async () => {
    const { client, an } = await setup({});
    const { data, response } = await client.chat.completions
      .create({
        model: 'claude',
        messages: [{ role: 'user', content: 'hi' }],
        seed: 7,
        logit_bias: { '1': 5 },
        max_completion_tokens: 50,
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe('from claude');
    expect(an.requests[0]!.body).toMatchObject({ model: 'claude-sonnet-4-5', max_tokens: 50 });
    expect(an.requests[0]!.body).not.toHaveProperty('seed');
    expect(response.headers.get('x-model-router-warnings')).toBe(
      'field_dropped seed, field_dropped logit_bias',
    );
    const warnings = (data as unknown as { warnings: Array<{ field: string }> }).warnings;
    expect(warnings.map((w) => w.field)).toEqual(['seed', 'logit_bias']);
  });

  it('json_schema: a clear 400 when no candidate can, the one that can when there is one', async () => {
    const { client, an, oa } = await setup({});
    const refused = await client.chat.completions
      .create({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], response_format: schema })
      .catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused.message).toMatch(/json_schema is not supported/);
    const served = await client.chat.completions
      .create({
        model: 'claude-then-gpt',
        messages: [{ role: 'user', content: 'hi' }],
        response_format: schema,
      })
      .withResponse();
    expect(served.response.headers.get('x-model-router-model')).toBe('oa/gpt-5-mini');
    expect(an.requests).toHaveLength(0);
    expect(oa.requests[0]!.body.response_format).toEqual(schema);
  });

  it('streams: failover before the first token is invisible, warnings come in a header', async () => {
    const { client, an, oa } = await setup({
      claude: () => ({
        status: 529,
        json: { type: 'error', error: { type: 'overloaded_error', message: 'busy' } },
      }),
      openai: () => ({
        sse: [
          {
            id: 'c',
            object: 'chat.completion.chunk',
            created: 1,
            model: 'm',
            choices: [{ index: 0, delta: { content: 'ok' }, finish_reason: null }],
          },
          {
            id: 'c',
            object: 'chat.completion.chunk',
            created: 1,
            model: 'm',
            choices: [{ index: 0, delta: {}, finish_reason: 'stop' }],
          },
          '[DONE]',
        ],
      }),
    });
    const { data: stream, response } = await client.chat.completions
      .create({
        model: 'claude-then-gpt',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        seed: 4,
      })
      .withResponse();
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta.content ?? '';
    expect(text).toBe('ok');
    expect(an.requests).toHaveLength(1);
    expect(oa.requests[0]!.body.seed).toBe(4);
    // Served in its own format: nothing was dropped.
    expect(response.headers.get('x-model-router-warnings')).toBeNull();
  });
});
