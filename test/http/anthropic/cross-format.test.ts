import OpenAI from 'openai';
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

const overloaded = json(529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
const serverError = json(500, { error: { message: 'boom', type: 'server_error' } });
const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-9',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, delta, finish_reason: finish }],
});
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

describe('Anthropic client → OpenAI upstream', () => {
  it('translates system blocks, images, documents, tools, tool_choice, stop sequences and max_tokens; answers a valid Message', async () => {
    r = await relay(
      [],
      [
        json(
          200,
          chatCompletion(
            {
              content: 'A red pixel.',
              tool_calls: [
                { id: 'call_7', type: 'function', function: { name: 'save', arguments: '{"name":"px"}' } },
              ],
            },
            'tool_calls',
            {
              prompt_tokens: 100,
              completion_tokens: 8,
              total_tokens: 108,
              prompt_tokens_details: { cached_tokens: 64 },
            },
          ),
        ),
      ],
    );
    const msg = await r.client().messages.create({
      model: 'gpt',
      max_tokens: 300,
      system: [
        { type: 'text', text: 'You describe images.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Be brief.' },
      ],
      stop_sequences: ['END'],
      ...({ temperature: 0.2 } as object), // (not in this SDK version's types; the API takes it)
      tool_choice: { type: 'any' },
      tools: [{ name: 'save', input_schema: { type: 'object', properties: { name: { type: 'string' } } } }],
      metadata: { user_id: 'u-1' },
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
            {
              type: 'document',
              source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0x' },
              title: 'spec.pdf',
            },
            { type: 'text', text: 'What is this?' },
          ],
        },
      ],
    });
    expect(r.oai.received[0]!.body).toEqual({
      model: 'gpt-4o-mini',
      max_tokens: 300,
      temperature: 0.2,
      stop: ['END'],
      user: 'u-1',
      tool_choice: 'required',
      tools: [
        {
          type: 'function',
          function: {
            name: 'save',
            parameters: { type: 'object', properties: { name: { type: 'string' } } },
          },
        },
      ],
      messages: [
        { role: 'system', content: 'You describe images.' },
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            {
              type: 'file',
              file: { file_data: 'data:application/pdf;base64,JVBERi0x', filename: 'spec.pdf' },
            },
            { type: 'text', text: 'What is this?' },
          ],
        },
      ],
    });
    expect(msg).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'gpt-4o-mini-2024-07-18',
      content: [
        { type: 'text', text: 'A red pixel.' },
        { type: 'tool_use', id: 'call_7', name: 'save', input: { name: 'px' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 36,
        cache_read_input_tokens: 64,
        cache_creation_input_tokens: 0,
        output_tokens: 8,
      },
    });
    expect(msg.id).toMatch(/^msg_/);
  });

  it('fails over from an overloaded Anthropic upstream to OpenAI mid-conversation: a valid event stream, the reasoning left out with a warning', async () => {
    r = await relay(
      [overloaded],
      [
        sse(
          [
            chunk({ role: 'assistant', content: '' }),
            chunk({ content: 'Hel' }),
            chunk({ content: 'lo' }),
            chunk({}, 'stop'),
          ],
          { done: true },
        ),
      ],
      { router: { maxAttempts: 2 } },
    );
    const stream = r.client().messages.stream({
      model: 'claude',
      max_tokens: 100,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'hi' },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'greet', signature: 'sig-x' },
            { type: 'text', text: 'Hey' },
          ],
        },
        { role: 'user', content: 'again' },
      ],
    });
    const types: string[] = [];
    stream.on('streamEvent', (e) => types.push(e.type));
    const final = await stream.finalMessage();
    const response = (await stream.withResponse()).response;
    expect(final.content).toEqual([{ type: 'text', text: 'Hello' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(types).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(response.headers.get('x-model-router-model')).toBe('oai/gpt-4o-mini');
    expect(response.headers.get('x-model-router-warnings')).toContain('reasoning_dropped');
    expect(JSON.stringify(r.oai.received[0]!.body)).not.toContain('sig-x');
    expect(r.oai.received[0]!.body.messages).toEqual([
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hey' },
      { role: 'user', content: 'again' },
    ]);
  });
});

describe('OpenAI client → Anthropic upstream', () => {
  const openai = (relayUrl: string) =>
    new OpenAI({ baseURL: `${relayUrl}/v1`, apiKey: 'client-key', maxRetries: 0 });

  it('maps cache_control hints on text parts to cache_control, and cache reads to prompt_tokens_details.cached_tokens', async () => {
    r = await relay(
      [
        json(
          200,
          anthropicMessage([{ type: 'text', text: 'Bonjour' }], {
            usage: {
              input_tokens: 5,
              cache_creation_input_tokens: 100,
              cache_read_input_tokens: 2000,
              output_tokens: 3,
            },
          }),
        ),
      ],
      [],
    );
    const completion = await openai(r.server.url).chat.completions.create({
      model: 'anth/claude-sonnet-4-5',
      max_tokens: 50,
      messages: [
        {
          role: 'system',
          content: [
            { type: 'text', text: 'Long shared prefix', cache_control: { type: 'ephemeral' } } as never,
          ],
        },
        {
          role: 'user',
          content: [
            {
              type: 'text',
              text: 'Say hi in French',
              cache_control: { type: 'ephemeral', ttl: '1h' },
            } as never,
          ],
        },
      ],
    });
    expect(r.anth.received[0]!.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 50,
      system: [{ type: 'text', text: 'Long shared prefix', cache_control: { type: 'ephemeral' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Say hi in French', cache_control: { type: 'ephemeral', ttl: '1h' } },
          ],
        },
      ],
    });
    expect(completion.choices[0]!.message.content).toBe('Bonjour');
    expect(completion.usage).toMatchObject({
      prompt_tokens: 2105,
      completion_tokens: 3,
      prompt_tokens_details: { cached_tokens: 2000 },
    });
  });

  it('fails over from a failing OpenAI upstream to Anthropic: streamed chunks translated from its events', async () => {
    r = await relay(
      [
        sse(
          anthropicEvents({}, [
            { type: 'thinking', thinking: 'hmm', signature: 's' },
            { type: 'text', text: 'Hi!' },
          ]),
        ),
      ],
      [serverError],
      { router: { maxAttempts: 2 } },
    );
    const stream = await openai(r.server.url).chat.completions.create({
      model: 'gpt',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe('Hi!');
    expect(usage).toMatchObject({ prompt_tokens: 12, completion_tokens: 9 });
    // The OpenAI-format request was translated (no wire pass-through for another format).
    expect(r.anth.received[0]!.body).toMatchObject({
      model: 'claude-sonnet-4-5',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }],
      stream: true,
    });
  });
});
