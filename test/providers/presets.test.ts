import { http } from 'msw';
import { describe, expect, it } from 'vitest';
import { PRESETS, openaiCompatible } from '../../src/providers/openai-compatible/index.js';
import type { ChatMessage } from '../../src/types/request.js';
import { type Captured, capture, exchange, makeCall, replay, useServer } from './helpers.js';

const server = useServer();

function answer(url: string): Captured[] {
  const seen: Captured[] = [];
  server.use(
    http.post(url, async ({ request }) => {
      await capture(request, seen);
      return replay(exchange('openai', 'chat-plain'));
    }),
  );
  return seen;
}

const call = (
  providerId: string,
  request: Parameters<typeof makeCall>[0]['request'] = {},
  apiKey = 'k-test-1234',
) => makeCall({ providerId, modelId: 'm', apiKey, request });

describe('openaiCompatible({ preset })', () => {
  it('every preset is data with its documented base URL; the request goes there', async () => {
    for (const [name, rules] of Object.entries(PRESETS)) {
      const seen = answer(`${rules.baseURL}/chat/completions`);
      await openaiCompatible({ preset: name as keyof typeof PRESETS }).complete(call(name));
      expect(seen, name).toHaveLength(1);
    }
  });

  it('groq strips logprobs, logit_bias, top_logprobs and messages[].name, pins n to 1, with warnings', async () => {
    const seen = answer('https://api.groq.com/openai/v1/chat/completions');
    const res = await openaiCompatible({ preset: 'groq' }).complete(
      call('groq', {
        messages: [{ role: 'user', content: 'hi', name: 'alice' }],
        providerOptions: {
          groq: { logprobs: true, top_logprobs: 3, logit_bias: { 50256: -100 }, n: 3, seed: 7 },
        },
      }),
    );
    expect(seen[0]!.body).toEqual({ model: 'm', messages: [{ role: 'user', content: 'hi' }], n: 1, seed: 7 });
    expect(res.warnings?.map((w) => w.field)).toEqual(['logprobs', 'logit_bias', 'top_logprobs', 'n']);
  });

  it('deepseek sends its own reasoning_content back on tool-call turns only', async () => {
    const history: ChatMessage[] = [
      { role: 'user', content: 'weather?' },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', family: 'openai-chat', text: 'I should call the tool.' },
          { type: 'reasoning', family: 'anthropic', text: 'other family', signature: 's' },
        ],
        toolCalls: [{ id: 'call_1', name: 'get_weather', arguments: '{}' }],
      },
      { role: 'tool', toolCallId: 'call_1', content: 'sunny' },
      {
        role: 'assistant',
        content: [
          { type: 'reasoning', family: 'openai-chat', text: 'final thoughts' },
          { type: 'text', text: 'Sunny.' },
        ],
      },
      { role: 'user', content: 'thanks' },
    ];
    const seen = answer('https://api.deepseek.com/v1/chat/completions');
    await openaiCompatible({ preset: 'deepseek' }).complete(call('deepseek', { messages: history }));
    const messages = seen[0]!.body.messages as Record<string, unknown>[];
    expect(messages[1]).toMatchObject({ role: 'assistant', reasoning_content: 'I should call the tool.' });
    expect(messages[3]).toEqual({ role: 'assistant', content: 'Sunny.' });
    // Without the preset, reasoning is never sent back.
    const plain = answer('https://deepseek.proxy.test/v1/chat/completions');
    await openaiCompatible({ baseURL: 'https://deepseek.proxy.test/v1' }).complete(
      call('ds', { messages: history }),
    );
    expect(JSON.stringify(plain[0]!.body)).not.toContain('reasoning_content');
  });

  it('mistral maps foreign tool-call ids to its 9-character form, the same in both places, and drops user', async () => {
    const seen = answer('https://api.mistral.ai/v1/chat/completions');
    await openaiCompatible({ preset: 'mistral' })
      .stream(
        call('mistral', {
          user: 'u-1',
          messages: [
            { role: 'user', content: 'x' },
            {
              role: 'assistant',
              content: null,
              toolCalls: [{ id: 'toolu_01ABCdef', name: 'f', arguments: '{}' }],
            },
            { role: 'tool', toolCallId: 'toolu_01ABCdef', content: 'ok' },
            {
              role: 'assistant',
              content: null,
              toolCalls: [{ id: 'aB3dE6gH9', name: 'f', arguments: '{}' }],
            },
            { role: 'tool', toolCallId: 'aB3dE6gH9', content: 'ok' },
          ],
        }),
      )
      .catch(() => {}); // the JSON fixture is not a stream; only the request matters here
    const body = seen[0]!.body as {
      messages: Record<string, unknown>[];
      user?: string;
      stream_options?: unknown;
    };
    const mapped = (body.messages[1]!.tool_calls as { id: string }[])[0]!.id;
    expect(mapped).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(body.messages[2]!.tool_call_id).toBe(mapped);
    expect((body.messages[3]!.tool_calls as { id: string }[])[0]!.id).toBe('aB3dE6gH9');
    expect(body.user).toBeUndefined();
    expect(body.stream_options).toBeUndefined();
  });

  it('openrouter passes provider routing preferences (adapter body defaults, overridden per request)', async () => {
    const seen = answer('https://openrouter.ai/api/v1/chat/completions');
    const adapter = openaiCompatible({
      preset: 'openrouter',
      body: { provider: { allow_fallbacks: false } },
      headers: { 'HTTP-Referer': 'https://app.test', 'X-Title': 'App' },
    });
    await adapter.complete(call('openrouter'));
    await adapter.complete(
      call('openrouter', { providerOptions: { openrouter: { provider: { order: ['anthropic'] } } } }),
    );
    expect(seen[0]!.body.provider).toEqual({ allow_fallbacks: false });
    expect(seen[0]!.headers['x-title']).toBe('App');
    expect(seen[1]!.body.provider).toEqual({ order: ['anthropic'] });
  });

  it('local servers are keyless: a key whose secret is "none" sends no Authorization; a real one is sent', async () => {
    const seen = answer('http://localhost:11434/v1/chat/completions');
    const ollama = openaiCompatible({ preset: 'ollama' });
    await ollama.complete(call('ollama', {}, 'none'));
    await ollama.complete(call('ollama', {}, 'vllm-secret'));
    expect(seen[0]!.headers.authorization).toBeUndefined();
    expect(seen[1]!.headers.authorization).toBe('Bearer vllm-secret');
  });

  it('an explicit baseURL wins over the preset; an unknown preset is refused', async () => {
    const seen = answer('https://groq.proxy.test/v1/chat/completions');
    await openaiCompatible({ preset: 'groq', baseURL: 'https://groq.proxy.test/v1' }).complete(call('groq'));
    expect(seen).toHaveLength(1);
    expect(() => openaiCompatible({ preset: 'nope' as 'groq' })).toThrow(/openaiCompatible.preset/);
    expect(() => openaiCompatible({})).toThrow(/openaiCompatible.baseURL/);
  });
});
