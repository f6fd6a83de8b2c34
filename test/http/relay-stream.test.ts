import type { ModelRouter } from 'model-router';
import { createRelayHandler } from 'model-router/http';
import OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type TestServer, expectReleased, relayRouter, serve } from './harness.js';

const setup = relayRouter({
  a: {
    fallback: { text: 'one two three', usage: { promptTokens: 11, completionTokens: 3, totalTokens: 14 } },
  },
  b: { fallback: { text: 'from b' } },
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

const hi = [{ role: 'user' as const, content: 'hi' }];

async function collect(stream: AsyncIterable<ChatCompletionChunk>): Promise<ChatCompletionChunk[]> {
  const chunks: ChatCompletionChunk[] = [];
  for await (const c of stream) chunks.push(c);
  return chunks;
}

const textOf = (chunks: ChatCompletionChunk[]) =>
  chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

/** Resolves once the router reports the request's failure (the attempt has been settled by then). */
const failureOf = (router: ModelRouter) =>
  new Promise<string>((resolve) => router.once('failure', (e) => resolve(e.error.code)));

describe('relay: streamed chat completions', () => {
  it('streams chat.completion.chunk events, then a usage chunk with include_usage, then [DONE]', async () => {
    const stream = await client.chat.completions.create({
      model: 'coding',
      messages: hi,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'model-a')).toBe(true);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(textOf(chunks)).toBe('one two three');
    const finish = chunks.find((c) => c.choices[0]?.finish_reason);
    expect(finish?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toEqual({ prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expectReleased(setup.router);
  });

  it('sends no usage chunk without include_usage', async () => {
    const chunks = await collect(
      await client.chat.completions.create({ model: 'coding', messages: hi, stream: true }),
    );
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
  });

  it('streams tool-call deltas in OpenAI shape', async () => {
    setup.a.push({
      toolCalls: [
        { id: 'call_a', name: 'lookup', arguments: '{"q":"x"}' },
        { id: 'call_b', name: 'other', arguments: '{}' },
      ],
    });
    const chunks = await collect(
      await client.chat.completions.create({
        model: 'coding',
        messages: hi,
        stream: true,
        tools: [
          { type: 'function', function: { name: 'lookup' } },
          { type: 'function', function: { name: 'other' } },
        ],
      }),
    );
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas).toEqual([
      { index: 0, id: 'call_a', type: 'function', function: { name: 'lookup', arguments: '{"q":"x"}' } },
      { index: 1, id: 'call_b', type: 'function', function: { name: 'other', arguments: '{}' } },
    ]);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('fails over invisibly before the first token and names the serving model in a header', async () => {
    setup.a.push({ error: { status: 500 } });
    const { data, response } = await client.chat.completions
      .create({ model: 'coding', messages: hi, stream: true })
      .withResponse();
    expect(response.headers.get('x-model-router-model')).toBe('b/model-b');
    expect(textOf(await collect(data))).toBe('from b');
  });

  it('answers a failure before the stream commits with its real status', async () => {
    await expect(
      client.chat.completions.create({ model: 'nope', messages: hi, stream: true }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('ends with an error event when the stream fails after content was sent', async () => {
    setup.a.push({ text: 'partial answer here', failAfterChunks: 1, streamError: { status: 500 } });
    const stream = await client.chat.completions.create({ model: 'a/model-a', messages: hi, stream: true });
    const seen: string[] = [];
    const error = await (async () => {
      try {
        for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? '');
      } catch (e) {
        return e;
      }
    })();
    expect(seen.join('')).toBe('partial ');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).code).toBe('STREAM_INTERRUPTED');
    expectReleased(setup.router);
  });

  it('a client that aborts mid-stream cancels the upstream call and releases everything', async () => {
    // The second chunk never comes on its own: only the abort ends this call.
    setup.a.push({ chunks: ['first ', 'second'], chunkDelayMs: 3_600_000 });
    const failed = failureOf(setup.router);
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: 'a/model-a', messages: hi, stream: true },
      { signal: controller.signal },
    );
    const seen: string[] = [];
    for await (const c of stream) {
      seen.push(c.choices[0]?.delta.content ?? '');
      if (seen.join('') === 'first ') controller.abort();
    }
    expect(await failed).toBe('ABORTED');
    await vi.waitFor(() => expectReleased(setup.router));
    expect(setup.a.calls.at(-1)).toMatchObject({ aborted: true, settled: true });
  });

  it('a client that aborts before the first token cancels the upstream call', async () => {
    setup.a.push({ hang: true });
    const failed = failureOf(setup.router);
    const controller = new AbortController();
    const attempt = setup.router.once('attempt', () => controller.abort());
    const pending = client.chat.completions.create(
      { model: 'a/model-a', messages: hi, stream: true },
      { signal: controller.signal },
    );
    await expect(pending).rejects.toBeInstanceOf(OpenAI.APIUserAbortError);
    attempt();
    expect(await failed).toBe('ABORTED');
    await vi.waitFor(() => expectReleased(setup.router));
    expect(setup.a.calls.at(-1)!.aborted).toBe(true);
  });
});
