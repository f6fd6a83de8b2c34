import Anthropic from '@anthropic-ai/sdk';
import { RouterError } from 'model-router';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReleased } from '../harness.js';
import {
  type Relay,
  anthropicEvents,
  anthropicMessage,
  chatCompletion,
  json,
  relay,
  sse,
} from './harness.js';

let r: Relay | undefined;
afterEach(async () => {
  if (r) {
    expectReleased(r.router);
    await r.close();
  }
  r = undefined;
});

const hello = [{ role: 'user' as const, content: 'Hello' }];

describe('the official Anthropic SDK against /v1/messages', () => {
  it('messages.create: an Anthropic upstream gets the client body (catalog model and key), the client gets the upstream Message unchanged', async () => {
    const upstreamBody = anthropicMessage([{ type: 'text', text: 'Hi there', citations: null }], {
      usage: {
        input_tokens: 3,
        cache_creation_input_tokens: 5,
        cache_read_input_tokens: 2000,
        output_tokens: 4,
      },
    });
    r = await relay([json(200, upstreamBody)], []);
    const msg = await r.client().messages.create({ model: 'claude', max_tokens: 100, messages: hello });
    expect(msg).toEqual(upstreamBody);
    const sent = r.anth.received[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 100, messages: hello });
    expect(sent.headers['x-api-key']).toBe('sk-ant-catalog-key');
    expect(sent.headers.authorization).toBeUndefined();
    expect(JSON.stringify(sent.headers)).not.toContain('client-key-never-forwarded');
    // The client's own anthropic-version reaches the upstream (the adapter pins none here).
    expect(sent.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('messages.stream + finalMessage(): thinking, signature and text events pass through; the final message is the upstream one', async () => {
    const blocks = [
      { type: 'thinking', thinking: 'Let me think.', signature: 'EqQBCkgIARABGAIiQ-signature' },
      { type: 'text', text: 'The answer is 4.' },
    ];
    r = await relay([sse(anthropicEvents({}, blocks))], []);
    const stream = r.client().messages.stream({
      model: 'claude',
      max_tokens: 2000,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: '2+2?' }],
    });
    const deltas: string[] = [];
    stream.on('streamEvent', (e) => deltas.push(e.type === 'content_block_delta' ? e.delta.type : e.type));
    const final = await stream.finalMessage();
    expect(final.content).toEqual([
      { type: 'thinking', thinking: 'Let me think.', signature: 'EqQBCkgIARABGAIiQ-signature' },
      { type: 'text', text: 'The answer is 4.' },
    ]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(9);
    expect(deltas).toEqual([
      'message_start', // (the SDK does not surface ping events)
      'content_block_start',
      'thinking_delta',
      'signature_delta',
      'content_block_stop',
      'content_block_start',
      'text_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(r.anth.received[0]!.body).toMatchObject({
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 1024 },
    });
  });

  it('tool use round trip from an OpenAI upstream: streamed input_json_delta, then the tool_result reaches it as a tool message', async () => {
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      id: 'chatcmpl-1',
      object: 'chat.completion.chunk',
      created: 1,
      model: 'gpt-4o-mini',
      choices: [{ index: 0, delta, finish_reason: finish }],
    });
    const toolStream = sse(
      [
        chunk({ role: 'assistant', content: 'Checking.' }),
        chunk({
          tool_calls: [
            {
              index: 0,
              id: 'call_1',
              type: 'function',
              function: { name: 'get_weather', arguments: '{"city":' },
            },
          ],
        }),
        chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
        chunk({}, 'tool_calls'),
        {
          id: 'chatcmpl-1',
          object: 'chat.completion.chunk',
          created: 1,
          model: 'gpt-4o-mini',
          choices: [],
          usage: {
            prompt_tokens: 30,
            completion_tokens: 12,
            total_tokens: 42,
            prompt_tokens_details: { cached_tokens: 16 },
          },
        },
      ],
      { done: true },
    );
    r = await relay([], [toolStream, json(200, chatCompletion({ content: 'It is sunny in Paris.' }))]);
    const client = r.client();
    const tools = [
      {
        name: 'get_weather',
        description: 'Weather by city',
        input_schema: {
          type: 'object' as const,
          properties: { city: { type: 'string' } },
          required: ['city'],
        },
      },
    ];
    const stream = client.messages.stream({
      model: 'gpt',
      max_tokens: 500,
      tools,
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
    });
    const partials: string[] = [];
    stream.on('inputJson', (partial) => partials.push(partial));
    const first = await stream.finalMessage();
    expect(partials).toEqual(['{"city":', '"Paris"}']);
    expect(first.stop_reason).toBe('tool_use');
    expect(first.content).toEqual([
      { type: 'text', text: 'Checking.' },
      { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
    ]);
    expect(first.usage).toMatchObject({ input_tokens: 14, cache_read_input_tokens: 16, output_tokens: 12 });
    const second = await client.messages.create({
      model: 'gpt',
      max_tokens: 500,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_1', content: 'sunny, 24°C' }] },
      ],
    });
    expect(second.content).toEqual([{ type: 'text', text: 'It is sunny in Paris.' }]);
    expect(r.oai.received[1]!.body.messages).toEqual([
      { role: 'user', content: 'Weather in Paris?' },
      {
        role: 'assistant',
        content: 'Checking.',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: 'sunny, 24°C' },
    ]);
    expect(r.oai.received[1]!.body.tools).toEqual([
      {
        type: 'function',
        function: { name: 'get_weather', description: 'Weather by city', parameters: tools[0]!.input_schema },
      },
    ]);
  });

  it('thinking with signatures across turns: the signed blocks go back to Anthropic unchanged, and are dropped with a warning when OpenAI serves', async () => {
    const thinking = { type: 'thinking', thinking: 'The user wants a tool.', signature: 'sig-turn-1' };
    const redacted = { type: 'redacted_thinking', data: 'EncryptedOpaque==' };
    const toolUse = { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } };
    const turn1 = anthropicMessage([thinking, redacted, toolUse], { stop_reason: 'tool_use' });
    r = await relay(
      [
        json(200, turn1),
        json(200, anthropicMessage([{ type: 'text', text: 'done' }])),
        json(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }),
      ],
      [json(200, chatCompletion({ content: 'done by gpt' }))],
    );
    const client = r.client();
    const tools = [{ name: 'lookup', input_schema: { type: 'object' as const, properties: {} } }];
    const thinkingConfig = { type: 'enabled' as const, budget_tokens: 2048 };
    const first = await client.messages.create({
      model: 'claude',
      max_tokens: 4096,
      thinking: thinkingConfig,
      tools,
      messages: hello,
    });
    expect(first.content).toEqual([thinking, redacted, toolUse]);
    const next = {
      model: 'claude',
      max_tokens: 4096,
      thinking: thinkingConfig,
      tools,
      messages: [
        ...hello,
        { role: 'assistant' as const, content: first.content },
        {
          role: 'user' as const,
          content: [{ type: 'tool_result' as const, tool_use_id: 'toolu_1', content: 'found' }],
        },
      ],
    };
    await client.messages.create(next);
    // Byte-for-byte (as JSON) what the client sent, with the catalog's model.
    expect(r.anth.received[1]!.body).toEqual({ ...next, model: 'claude-sonnet-4-5' });
    // Third turn: Anthropic is overloaded, OpenAI serves; the signed reasoning never reaches it.
    const { data, response } = await client.messages.create(next).withResponse();
    expect(data.content).toEqual([{ type: 'text', text: 'done by gpt' }]);
    const sent = JSON.stringify(r.oai.received[0]!.body);
    expect(sent).not.toContain('sig-turn-1');
    expect(sent).not.toContain('EncryptedOpaque');
    expect(response.headers.get('x-model-router-warnings')).toContain(
      'reasoning_dropped (messages[1].content[0])',
    );
    expect(response.headers.get('x-model-router-warnings')).toContain('field_dropped (thinking)');
    expect(response.headers.get('x-model-router-model')).toBe('oai/gpt-4o-mini');
  });

  it('count_tokens: counted by the Anthropic upstream; estimated when only an OpenAI upstream can serve', async () => {
    r = await relay([json(200, { input_tokens: 1234 })], []);
    const client = r.client();
    const body = {
      model: 'claude',
      system: [
        {
          type: 'text' as const,
          text: 'You are a coding agent.',
          cache_control: { type: 'ephemeral' as const },
        },
      ],
      messages: hello,
    };
    const counted = await client.messages.countTokens(body);
    expect(counted).toEqual({ input_tokens: 1234 });
    expect(r.anth.received[0]!.path).toBe('/v1/messages/count_tokens');
    expect(r.anth.received[0]!.body).toEqual({ ...body, model: 'claude-sonnet-4-5' });
    expect(r.anth.received[0]!.headers['x-api-key']).toBe('sk-ant-catalog-key');
    const { data, response } = await client.messages
      .countTokens({ ...body, model: 'oai/gpt-4o-mini' })
      .withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-model-router-estimated')).toBe('true');
    expect(r.oai.received).toHaveLength(0);
  });

  it("maps every error class the SDK tells apart, in Anthropic's error shape", async () => {
    const err = (type: string) => ({ type: 'error', error: { type, message: `upstream ${type}` } });
    r = await relay(
      [
        json(400, err('invalid_request_error')),
        // Longer than the router would wait for: the key cools down, the request fails.
        json(429, err('rate_limit_error'), { 'retry-after': '3600' }),
      ],
      [json(500, err('api_error'))],
      {
        // This SDK sends its key as `Authorization: Bearer`; others (curl, Claude Code) as `x-api-key`.
        authenticate: (req) => {
          const key =
            req.headers.get('x-api-key') ?? req.headers.get('authorization')?.replace(/^Bearer /, '');
          return key === 'wrong' ? null : { id: 'tenant' };
        },
        transformRequest: (chat) => {
          if (chat.model === 'forbidden') throw new RouterError('FORBIDDEN', 'not for you');
          return chat;
        },
        router: { maxAttempts: 1 },
      },
    );
    const client = r.client();
    const anthOnly = { model: 'anth/claude-sonnet-4-5', max_tokens: 10, messages: hello };
    const caught = async (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => e as InstanceType<typeof Anthropic.APIError>,
      );
    const envelope = (e: InstanceType<typeof Anthropic.APIError> | undefined, type: string) => {
      expect(e!.error).toMatchObject({ type: 'error', error: { type } });
      expect(e!.headers?.get('request-id')).toMatch(/^req_/);
    };

    const bad = await caught(client.messages.create(anthOnly));
    expect(bad).toBeInstanceOf(Anthropic.BadRequestError);
    envelope(bad, 'invalid_request_error');

    const unauthenticated = await caught(r.client({ apiKey: 'wrong' }).messages.create(anthOnly));
    expect(unauthenticated).toBeInstanceOf(Anthropic.AuthenticationError);
    envelope(unauthenticated, 'authentication_error');

    const forbidden = await caught(client.messages.create({ ...anthOnly, model: 'forbidden' }));
    expect(forbidden).toBeInstanceOf(Anthropic.PermissionDeniedError);
    envelope(forbidden, 'permission_error');

    const notFound = await caught(client.messages.create({ ...anthOnly, model: 'no-such-model' }));
    expect(notFound).toBeInstanceOf(Anthropic.NotFoundError);
    envelope(notFound, 'not_found_error');

    const invalid = await caught(client.messages.create({ model: 'claude', messages: hello } as never));
    expect(invalid).toBeInstanceOf(Anthropic.BadRequestError);
    expect((invalid!.error as { error: { message: string } }).error.message).toContain('max_tokens');

    const big = await caught(
      client.messages.create({ ...anthOnly, messages: [{ role: 'user', content: 'x'.repeat(2_000_000) }] }),
    );
    expect(big!.status).toBe(413);
    envelope(big, 'request_too_large');

    // The only key answers 429 + retry-after: it cools down, and the next request is refused at once.
    await caught(client.messages.create(anthOnly));
    const limited = await caught(client.messages.create(anthOnly));
    expect(limited).toBeInstanceOf(Anthropic.RateLimitError);
    envelope(limited, 'rate_limit_error');
    expect(Number(limited!.headers?.get('retry-after'))).toBeGreaterThan(500); // (cooldowns are capped)

    // The only candidate fails with a 500: the router already tried, the client is told not to retry.
    const failed = await caught(client.messages.create({ ...anthOnly, model: 'oai/gpt-4o-mini' }));
    expect(failed).toBeInstanceOf(Anthropic.APIError);
    expect(failed!.status).toBe(424);
    expect(failed!.headers?.get('x-should-retry')).toBe('false');
    envelope(failed, 'api_error');

    // A request body that is not JSON at all.
    const raw = await fetch(`${r.server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model":',
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('an overloaded upstream that nothing could replace: overloaded_error, and the SDK at its defaults does not retry', async () => {
    r = await relay(
      [json(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })],
      [],
      {
        router: { maxAttempts: 1 }, // no same-candidate retry with backoff: one attempt, then the answer
      },
    );
    const e = await r
      .client({ maxRetries: 2 }) // the SDK's default
      .messages.create({ model: 'anth/claude-sonnet-4-5', max_tokens: 10, messages: hello })
      .then(
        () => undefined,
        (x: unknown) => x as InstanceType<typeof Anthropic.APIError>,
      );
    expect(e!.error).toMatchObject({ type: 'error', error: { type: 'overloaded_error' } });
    // The shared status table's no-retry rules: the router already failed over.
    expect(e!.status).toBe(424);
    expect(e!.headers?.get('x-should-retry')).toBe('false');
    expect(r.anth.received).toHaveLength(1); // one relay request, one upstream call
  });

  it('a client that aborts mid-stream cancels the upstream call and releases everything', async () => {
    const events = anthropicEvents({}, [{ type: 'text', text: 'partial' }]).slice(0, 4);
    r = await relay([sse(events, { hold: true })], []);
    const stream = await r
      .client()
      .messages.create({ model: 'claude', max_tokens: 100, messages: hello, stream: true });
    let text = '';
    for await (const event of stream) {
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') {
        text = event.delta.text;
        stream.controller.abort(); // mid-stream: the upstream is still sending
        break;
      }
    }
    expect(text).toBe('partial');
    await r.anth.received[0]!.closed; // the upstream connection was closed by the relay
    // The attempt settles on the upstream close; afterEach checks that nothing is held.
    for (let i = 0; i < 100 && r.router.stats().inFlight > 0; i++)
      await new Promise((res) => setImmediate(res));
  });
});
