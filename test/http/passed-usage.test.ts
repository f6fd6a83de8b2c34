import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRouter, type UsageRecord, openaiResponses } from '../../src/index.js';
import { createRelayHandler } from '../../src/http/index.js';
import { type UpstreamReply, openaiUpstream } from '../helpers/openai-upstream.js';
import { expectReleased, serve } from './harness.js';
import {
  type Relay,
  anthropicEvents,
  anthropicMessage,
  chatCompletion,
  json,
  relay,
  sse,
} from './anthropic/harness.js';

/*
 * A same-format upstream's answer passes through the relay (its chunks, events and bodies as they
 * came) — but its usage counts are the router's validated ones. An upstream that reports garbage
 * ("NaN", negative counts) or counts the router corrected must not reach the client as the provider's
 * numbers: the official clients read exactly what the usage record holds.
 */

let r: Relay | undefined;
const records: UsageRecord[] = [];
afterEach(async () => {
  if (r) {
    expectReleased(r.router);
    await r.close();
  }
  r = undefined;
  records.length = 0;
});

const start = (...args: Parameters<typeof relay>) => {
  const [anth, oai, options = {}] = args;
  return relay(anth, oai, {
    ...options,
    router: { ...options.router, onUsage: (u) => void records.push(u) },
  });
};
const openai = (relayed: Relay) =>
  new OpenAI({ baseURL: `${relayed.server.url}/v1`, apiKey: 'client', maxRetries: 0 });
const served = () => records.find((u) => u.status === 'success')!;
const hi = [{ role: 'user' as const, content: 'hi' }];

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  id: 'chatcmpl-up',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_up',
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
});
const usageChunk = (usage: unknown) => ({
  id: 'chatcmpl-up',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_up',
  choices: [],
  usage,
});
const GARBAGE = { prompt_tokens: 'NaN', completion_tokens: -7, total_tokens: -1 };

describe('chat completions passed through: usage is the router’s', () => {
  it('streamed garbage counts never reach the client: the estimate is left out, and there is one usage chunk at most', async () => {
    r = await start(
      [],
      [
        sse(
          [
            chunk({ role: 'assistant', content: 'Hel' }),
            chunk({ content: 'lo' }),
            chunk({}, 'stop'),
            usageChunk(GARBAGE),
          ],
          { done: true },
        ),
      ],
    );
    const stream = await openai(r).chat.completions.create({
      model: 'gpt',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    const usages: unknown[] = [];
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      if (c.usage) usages.push(c.usage);
    }
    expect(text).toBe('Hello');
    expect(usages).toEqual([]);
    expect(served()).toMatchObject({ estimated: true });
  });

  it('marked estimates replace garbage counts (estimatedUsage: mark), in the stream and the body', async () => {
    r = await start(
      [],
      [
        sse([chunk({ content: 'Hello' }), chunk({}, 'stop'), usageChunk(GARBAGE)], { done: true }),
        json(200, chatCompletion({ content: 'Hello' }, 'stop', GARBAGE)),
      ],
      { estimatedUsage: 'mark' },
    );
    const stream = await openai(r).chat.completions.create({
      model: 'gpt',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    const usages: Array<Record<string, unknown>> = [];
    for await (const c of stream) if (c.usage) usages.push(c.usage as unknown as Record<string, unknown>);
    expect(usages).toHaveLength(1);
    const streamed = records.find((u) => u.status === 'success')!;
    expect(usages[0]).toEqual({
      prompt_tokens: streamed.promptTokens,
      completion_tokens: streamed.completionTokens,
      total_tokens: streamed.totalTokens,
      estimated: true,
    });
    records.length = 0;
    const { data, response } = await openai(r)
      .chat.completions.create({ model: 'gpt', messages: hi })
      .withResponse();
    expect(response.headers.get('x-model-router-usage')).toBe('estimated');
    expect(data.usage).toEqual({
      prompt_tokens: served().promptTokens,
      completion_tokens: served().completionTokens,
      total_tokens: served().totalTokens,
      estimated: true,
    });
  });

  it('valid counts pass with the upstream’s extra fields; a garbage detail is dropped, a total the router corrected is corrected', async () => {
    const reported = {
      prompt_tokens: 20,
      completion_tokens: 5,
      total_tokens: 999, // not prompt + completion
      cost: 0.0012, // a gateway's field the router does not model
      prompt_tokens_details: { cached_tokens: 'NaN', audio_tokens: 0 },
    };
    r = await start(
      [],
      [
        sse([chunk({ content: 'Hello' }), chunk({}, 'stop'), usageChunk(reported)], { done: true }),
        json(200, chatCompletion({ content: 'Hello' }, 'stop', reported)),
      ],
    );
    const stream = await openai(r).chat.completions.create({
      model: 'gpt',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    const frames: Array<{ usage: unknown; system_fingerprint: unknown; choices: unknown[] }> = [];
    for await (const c of stream) if (c.usage) frames.push(c as never);
    const record = served();
    expect(record.estimated).toBeFalsy();
    const want = {
      prompt_tokens: 20,
      completion_tokens: 5,
      total_tokens: record.totalTokens,
      cost: 0.0012,
      prompt_tokens_details: { audio_tokens: 0 },
    };
    // The upstream's usage chunk, in the relay's envelope, with the router's counts.
    expect(frames).toEqual([
      expect.objectContaining({ usage: want, system_fingerprint: 'fp_up', choices: [] }),
    ]);
    expect(record.totalTokens).toBe(25);

    const data = await openai(r).chat.completions.create({ model: 'gpt', messages: hi });
    expect(data.usage).toEqual(want);
  });
});

describe('Anthropic messages passed through: usage is the router’s', () => {
  const garbageEvents = () => {
    const events = anthropicEvents({ usage: { input_tokens: Number.NaN, output_tokens: -1 } }, [
      { type: 'text', text: 'Hello there' },
    ]);
    // JSON has no NaN: the upstream sends the string, and a negative output count at the end.
    const start = events[0]![1] as { message: { usage: Record<string, unknown> } };
    start.message.usage = { input_tokens: 'NaN', output_tokens: -1, service_tier: 'standard' };
    const delta = events.find(([name]) => name === 'message_delta')![1] as { usage: Record<string, unknown> };
    delta.usage = { output_tokens: -5 };
    return events;
  };

  it('streamed: the SDK’s final usage is the router’s record, never a garbage count; other fields pass on', async () => {
    r = await start([sse(garbageEvents())], []);
    const stream = r.client().messages.stream({ model: 'claude', max_tokens: 100, messages: hi });
    const message = await stream.finalMessage();
    expect(message.content).toEqual([{ type: 'text', text: 'Hello there' }]);
    const record = served();
    expect(record.estimated).toBe(true);
    expect(message.usage.output_tokens).toBe(record.completionTokens);
    expect(Number.isSafeInteger(message.usage.input_tokens) && message.usage.input_tokens >= 0).toBe(true);
    expect((message.usage as unknown as Record<string, unknown>).service_tier).toBe('standard');
  });

  it('whole body: counts the router validated, the body otherwise as it came', async () => {
    r = await start(
      [
        json(
          200,
          anthropicMessage([{ type: 'text', text: 'Hi' }], {
            usage: { input_tokens: -3, output_tokens: 'x', cache_read_input_tokens: 0 },
          }),
        ),
      ],
      [],
    );
    const message = await r.client().messages.create({ model: 'claude', max_tokens: 100, messages: hi });
    const record = served();
    expect(message.id).toBe('msg_up_1');
    expect(message.usage).toEqual({
      input_tokens: record.promptTokens,
      output_tokens: record.completionTokens,
      cache_read_input_tokens: 0,
    });
    expect(record.promptTokens).toBeGreaterThanOrEqual(0);
  });

  it('valid counts stream back exactly as the upstream sent them', async () => {
    const events = anthropicEvents(
      { usage: { input_tokens: 4, cache_read_input_tokens: 300, output_tokens: 1 } },
      [{ type: 'text', text: 'ok' }],
    );
    r = await start([sse(events)], []);
    const res = await fetch(`${r.server.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-api-key': 'client',
        'anthropic-version': '2023-06-01',
      },
      body: JSON.stringify({ model: 'claude', max_tokens: 100, messages: hi, stream: true }),
    });
    const body = await res.text();
    const got = body
      .split('\n\n')
      .filter((f) => f.trim() !== '')
      .map((f) => [/^event: (.*)$/m.exec(f)![1], JSON.parse(/^data: (.*)$/m.exec(f)![1]!)]);
    expect(got).toEqual(events);
    expect(served()).toMatchObject({ promptTokens: 304, completionTokens: 9, estimated: false });
  });
});

describe('Responses passed through: usage is the router’s', () => {
  const fixture = (name: string) => new URL(`../fixtures/openai-responses/${name}`, import.meta.url);
  const body = () => JSON.parse(readFileSync(fixture('response-reasoning-tool.json'), 'utf8'));
  const events = (): Array<[string, Record<string, unknown>]> =>
    readFileSync(fixture('stream-reasoning-text.sse'), 'utf8')
      .trim()
      .split('\n\n')
      .map((frame) => {
        const [event, data] = frame.split('\n');
        return [event!.slice('event: '.length), JSON.parse(data!.slice('data: '.length))];
      });
  const open: Array<{ close(): Promise<void> }> = [];
  afterEach(async () => {
    while (open.length) await open.pop()!.close();
  });

  async function setup(reply: () => UpstreamReply) {
    const up = await openaiUpstream(reply);
    open.push(up);
    const router = new ModelRouter({
      catalog: {
        providers: [
          { id: 'resp', adapter: 'responses', baseUrl: `${up.url}/v1`, keys: [{ id: 'k', secret: 'sk-r' }] },
        ],
        models: [{ providerId: 'resp', modelId: 'gpt-5' }],
      },
      adapters: { responses: openaiResponses() },
      onUsage: (u) => void records.push(u),
    });
    open.push(router);
    const server = await serve(createRelayHandler(router));
    open.push(server);
    return { router, client: new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'relay', maxRetries: 0 }) };
  }

  it('streamed: response.completed carries the router’s counts, everything else as it came', async () => {
    const upstream = events();
    const completed = upstream.at(-1)![1] as { response: { usage: Record<string, unknown> } };
    completed.response.usage = {
      input_tokens: 'NaN',
      input_tokens_details: { cached_tokens: -4 },
      output_tokens: -1,
      output_tokens_details: { reasoning_tokens: 'many' },
      total_tokens: null,
    };
    const { client, router } = await setup(() => ({ sse: upstream }));
    const stream = client.responses.stream({ model: 'resp/gpt-5', input: 'hi' });
    const got: Array<Record<string, unknown>> = [];
    for await (const e of stream) got.push(e as never);
    const final = await stream.finalResponse();
    const record = served();
    expect(final.usage).toEqual({
      input_tokens: record.promptTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: record.completionTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: record.totalTokens,
    });
    expect(record.estimated).toBe(true);
    // The other events, and the terminal one but for its usage, are the upstream's.
    expect(got.map((e) => e.sequence_number)).toEqual(upstream.map(([, d]) => d.sequence_number));
    expect(final.id).toBe((completed.response as unknown as { id: string }).id);
    expectReleased(router);
  });

  it('whole body: valid counts stay, a garbage one is the router’s', async () => {
    const reply = body();
    reply.usage.output_tokens_details = { reasoning_tokens: -128 };
    const { client, router } = await setup(() => ({ json: reply }));
    const res = await client.responses.create({ model: 'resp/gpt-5', input: 'weather?' });
    expect(res.usage).toEqual({
      input_tokens: 71,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 152,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 223,
    });
    expect(res.output).toEqual(reply.output);
    expectReleased(router);
  });
});
