import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestServer, expectReleased, relayRouter, serve } from './harness.js';

const setup = relayRouter({
  a: {
    respond: (call) => {
      const last = call.request.messages.at(-1);
      if (last?.role === 'tool') return { text: `weather noted: ${last.content}` };
      if (call.request.tools?.length) {
        return {
          toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
          usage: { promptTokens: 20, completionTokens: 7, totalTokens: 27 },
        };
      }
      return { text: 'Hello from a', usage: { promptTokens: 12, completionTokens: 3, totalTokens: 15 } };
    },
  },
});
let server: TestServer;
let client: OpenAI;

beforeAll(async () => {
  server = await serve(createRelayHandler(setup.router));
  client = new OpenAI({ apiKey: 'test-client-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await setup.router.close();
});

describe('relay: POST /v1/chat/completions (non-streaming)', () => {
  it('answers in OpenAI chat.completion format with usage', async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'coding', messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    expect(data.object).toBe('chat.completion');
    expect(data.id).toMatch(/^chatcmpl-/);
    expect(data.model).toBe('model-a'); // the model that answered; the group is in a header
    expect(data.choices).toHaveLength(1);
    expect(data.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'Hello from a' });
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage).toEqual({ prompt_tokens: 12, completion_tokens: 3, total_tokens: 15 });
    expect(response.headers.get('x-model-router-model')).toBe('a/model-a');
    expect(response.headers.get('x-model-router-group')).toBe('coding');
    expect(response.headers.get('x-request-id')).toMatch(/^req_/);
    expectReleased(setup.router);
  });

  it('maps every OpenAI request field to the router request', async () => {
    setup.a.reset();
    await client.chat.completions.create({
      model: 'coding',
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'system', content: [{ type: 'text', text: 'And kind.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          ],
        },
      ],
      max_completion_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      stop: ['\n\n'],
      response_format: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      user: 'user-42',
      metadata: { tenant: 'acme' },
      seed: 7, // accepted and ignored, as OpenAI-compatible servers do
    });
    const request = setup.a.calls[0]!.request;
    expect(request.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'system', content: 'And kind.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is this?' },
          { type: 'image', url: 'https://example.com/cat.png' },
        ],
      },
    ]);
    expect(request).toMatchObject({
      model: 'coding',
      maxTokens: 64,
      temperature: 0.2,
      topP: 0.9,
      stop: ['\n\n'],
      responseFormat: {
        type: 'json_schema',
        json_schema: { name: 'answer', schema: { type: 'object' }, strict: true },
      },
      user: 'user-42',
      metadata: { tenant: 'acme' },
    });
  });

  it('uses max_tokens when max_completion_tokens is absent', async () => {
    setup.a.reset();
    await client.chat.completions.create({
      model: 'coding',
      messages: [{ role: 'user', content: 'x' }],
      max_tokens: 9,
    });
    expect(setup.a.calls[0]!.request.maxTokens).toBe(9);
  });

  it('returns tool calls, and maps assistant tool_calls and tool messages on the way back', async () => {
    setup.a.reset();
    const tools = [
      {
        type: 'function' as const,
        function: {
          name: 'get_weather',
          description: 'Weather by city',
          parameters: { type: 'object', properties: { city: { type: 'string' } } },
        },
      },
    ];
    const first = await client.chat.completions.create({
      model: 'coding',
      messages: [{ role: 'user', content: 'Weather in Paris?' }],
      tools,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    const choice = first.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([
      { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
    ]);
    expect(setup.a.calls[0]!.request).toMatchObject({
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather by city' } }],
      toolChoice: { type: 'function', function: { name: 'get_weather' } },
    });

    const second = await client.chat.completions.create({
      model: 'coding',
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        choice.message,
        { role: 'tool', tool_call_id: 'call_1', content: 'sunny' },
      ],
    });
    expect(second.choices[0]!.message.content).toBe('weather noted: sunny');
    expect(setup.a.calls[1]!.request.messages.slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' }],
      },
      { role: 'tool', toolCallId: 'call_1', content: 'sunny' },
    ]);
  });
});

describe('relay: GET /v1/models', () => {
  it('lists groups first, then direct models, in OpenAI list format', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) {
      expect(m.object).toBe('model');
      ids.push(m.id);
    }
    expect(ids).toEqual(['coding', 'retired', 'a/model-a', 'b/model-b', 'a/model-x', 'b/model-x']);
    const page = await client.models.list();
    const coding = page.data.find((m) => m.id === 'coding') as unknown as Record<string, unknown>;
    expect(coding).toMatchObject({
      owned_by: 'model-router',
      kind: 'group',
      available: true,
      context_window: 128000,
    });
    const retired = page.data.find((m) => m.id === 'retired') as unknown as Record<string, unknown>;
    expect(retired.available).toBe(false);
  });

  it('retrieves one model, a direct model id with its slash included', async () => {
    const model = await client.models.retrieve('a/model-a');
    expect(model).toMatchObject({ id: 'a/model-a', owned_by: 'a', object: 'model' });
    await expect(client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
