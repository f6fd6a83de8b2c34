import { describe, expect, it } from 'vitest';
import {
  type AdapterStreamPart,
  type ChatRequest,
  ModelRouter,
  ProviderError,
  type ProviderAdapter,
  type StreamPart,
} from '../../src/index.js';
import { twoProviderCatalog } from './helpers.js';

/** An adapter that streams the given parts (or fails after them) and answers complete() with reasoning. */
function scripted(parts: AdapterStreamPart[], fail?: ProviderError): ProviderAdapter {
  return {
    name: 'scripted',
    async complete() {
      return {
        message: {
          role: 'assistant',
          content: 'ok',
          reasoning: [{ type: 'reasoning', family: 'anthropic', text: 'think', signature: 'sig' }],
        },
        finishReason: { unified: 'stop' },
        usage: { promptTokens: 10, completionTokens: 2, cachedPromptTokens: 8, cacheWriteTokens: 1 },
        warnings: [{ code: 'reasoning_dropped', message: 'left out', field: 'messages[1].content[0]' }],
        wire: { format: 'anthropic-messages', body: { id: 'msg_1' } },
      };
    },
    async stream() {
      return {
        warnings: [{ code: 'field_dropped', message: 'top_k left out', field: 'top_k' }],
        parts: (async function* () {
          yield* parts;
          if (fail) throw fail;
        })(),
      };
    },
  };
}

const wire = (event: string): AdapterStreamPart => ({
  type: 'wire',
  format: 'anthropic-messages',
  event,
  data: { type: event },
});
const request: ChatRequest = { model: 'coding', messages: [{ role: 'user', content: 'hi' }] };

async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const out: StreamPart[] = [];
  for await (const p of stream) out.push(p);
  return out;
}

describe('core parts for cross-format relaying', () => {
  it('complete(): reasoning, warnings, cache usage and the wire body reach the result', async () => {
    const router = new ModelRouter({
      catalog: twoProviderCatalog(),
      adapters: { mockA: scripted([]), mockB: scripted([]) },
    });
    const result = await router.complete(request);
    expect(result.message.reasoning).toEqual([
      { type: 'reasoning', family: 'anthropic', text: 'think', signature: 'sig' },
    ]);
    expect(result.warnings).toEqual([
      { code: 'reasoning_dropped', message: 'left out', field: 'messages[1].content[0]' },
    ]);
    expect(result.usage).toEqual({
      promptTokens: 10,
      completionTokens: 2,
      totalTokens: 12,
      estimated: false,
      cachedPromptTokens: 8,
      cacheWriteTokens: 1,
    });
    expect(result.wire).toEqual({ format: 'anthropic-messages', body: { id: 'msg_1' } });
    await router.close();
  });

  it('stream(): wire events before the first content follow start; reasoning commits and is accumulated', async () => {
    const parts: AdapterStreamPart[] = [
      wire('message_start'),
      wire('content_block_start'),
      { type: 'reasoning-delta', family: 'anthropic', index: 0, text: 'Let me ' },
      { type: 'reasoning-delta', family: 'anthropic', index: 0, text: 'see' },
      { type: 'reasoning-delta', family: 'anthropic', index: 0, signature: 'EqQB' },
      wire('content_block_stop'),
      { type: 'text-delta', text: 'Hi' },
      wire('message_stop'),
      { type: 'finish', finishReason: { unified: 'stop', raw: 'end_turn' } },
    ];
    const router = new ModelRouter({
      catalog: twoProviderCatalog(),
      adapters: { mockA: scripted(parts), mockB: scripted([]) },
    });
    const stream = router.stream(request);
    const seen = await collect(stream);
    expect(seen.map((p) => (p.type === 'wire' ? `wire:${p.event}` : p.type))).toEqual([
      'start',
      'wire:message_start',
      'wire:content_block_start',
      'reasoning-delta',
      'reasoning-delta',
      'reasoning-delta',
      'wire:content_block_stop',
      'text-delta',
      'wire:message_stop',
      'finish',
    ]);
    expect(seen[0]).toMatchObject({ warnings: [{ code: 'field_dropped', field: 'top_k' }] });
    const result = await stream.result;
    expect(result.message.reasoning).toEqual([
      { type: 'reasoning', family: 'anthropic', text: 'Let me see', signature: 'EqQB' },
    ]);
    expect(result.warnings).toEqual([{ code: 'field_dropped', message: 'top_k left out', field: 'top_k' }]);
    await router.close();
  });

  it('stream(): wire events of an attempt that fails before content are dropped with it (failover stays invisible)', async () => {
    const failing = scripted(
      [wire('message_start')],
      new ProviderError({ message: 'overloaded', kind: 'overloaded', status: 529 }),
    );
    const serving = scripted([
      { type: 'text-delta', text: 'from b' },
      { type: 'finish', finishReason: { unified: 'stop' } },
    ]);
    const router = new ModelRouter({
      catalog: twoProviderCatalog({ strategy: 'priority' }),
      adapters: { mockA: failing, mockB: serving },
    });
    const seen = await collect(router.stream(request));
    expect(seen.map((p) => p.type)).toEqual(['start', 'text-delta', 'finish']);
    expect(seen[0]).toMatchObject({ providerId: 'b' });
    await router.close();
  });
});
