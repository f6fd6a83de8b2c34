import { streamText } from 'ai';
import { ModelRouter, openaiCompatible } from 'model-router';
import { createRouterProvider } from 'model-router/ai-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { expectReleased } from '../http/harness.js';
import { sseFixture } from '../providers/helpers.js';

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

/*
 * The AI SDK bridge over an OpenAI-compatible upstream whose whole answer comes in one read: the
 * router hands the parts on as they are already there (several per pull of the SDK's stream), and
 * the SDK must see exactly what it sees when they come one at a time — a failure after content in
 * that same read included.
 */

const recorded = sseFixture('openai', 'stream-text');
const events = recorded.split('\n\n').filter((e) => e.trim() !== '');
const contentEvents = events.filter((e) => /"content":"[^"]/.test(e));
const expectedText = contentEvents
  .map((e) => JSON.parse(e.slice('data: '.length)) as { choices: [{ delta: { content: string } }] })
  .map((c) => c.choices[0].delta.content)
  .join('');

/** What the upstream answers next: the whole recorded stream, or its first content then an error. */
let answer: 'whole' | 'broken' = 'whole';
const broken = `${[...events.slice(0, events.indexOf(contentEvents[0]!) + 1), 'data: {"error":{"message":"upstream broke","type":"server_error"}}'].join('\n\n')}\n\n`;

const router = new ModelRouter({
  catalog: {
    providers: [{ id: 'oa', adapter: 'openai', keys: [{ id: 'k1', secret: 'sk-one-read' }] }],
    models: [{ providerId: 'oa', modelId: 'gpt-4o-mini' }],
  },
  adapters: {
    openai: openaiCompatible({
      baseURL: 'http://upstream.test/v1',
      fetch: (async () =>
        new Response(answer === 'whole' ? recorded : broken, {
          headers: { 'content-type': 'text/event-stream' },
        })) as typeof fetch,
    }),
  },
});
afterAll(() => router.close());
const model = createRouterProvider(router)('oa/gpt-4o-mini');

describe('AI SDK bridge: a whole stream in one upstream read', () => {
  it('streams every text delta, then finish with usage', async () => {
    answer = 'whole';
    const result = streamText({ model, prompt: 'hi' });
    const types: string[] = [];
    let text = '';
    for await (const p of result.fullStream) {
      types.push(p.type);
      if (p.type === 'text-delta') text += p.text;
    }
    expect(text).toBe(expectedText);
    expect(types.filter((t) => t === 'text-delta')).toHaveLength(contentEvents.length);
    expect(types.at(-1)).toBe('finish');
    expect(await result.usage).toMatchObject({ inputTokens: 9, outputTokens: 5, totalTokens: 14 });
    expectReleased(router);
  });

  it('an error event after content in the same read ends the stream with an error part', async () => {
    answer = 'broken';
    const errors: unknown[] = [];
    const result = streamText({ model, prompt: 'hi', onError: ({ error }) => void errors.push(error) });
    let text = '';
    for await (const p of result.fullStream) if (p.type === 'text-delta') text += p.text;
    expect(text).toBe(
      (JSON.parse(contentEvents[0]!.slice('data: '.length)) as { choices: [{ delta: { content: string } }] })
        .choices[0].delta.content,
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ isRetryable: false, data: { code: 'STREAM_INTERRUPTED' } });
    expectReleased(router);
  });
});
