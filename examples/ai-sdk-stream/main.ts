/**
 * `npm run example:ai-sdk-stream`: `streamText` from the AI SDK through the router. The first provider
 * fails before its first token; the router fails over and the SDK never notices. No keys, no network.
 */
import { pathToFileURL } from 'node:url';
import { streamText } from 'ai';
import { ModelRouter } from 'model-router';
import { createRouterProvider } from 'model-router/ai-sdk';
import { mockProvider } from 'model-router/testing';

export async function main(
  write: (text: string) => void = (t) => process.stdout.write(t),
): Promise<{ text: string; servedBy: unknown }> {
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'primary', adapter: 'primary', keys: [{ id: 'p-1', secret: 'demo-secret-1' }] },
        { id: 'fallback', adapter: 'fallback', keys: [{ id: 'f-1', secret: 'demo-secret-2' }] },
      ],
      models: [
        { providerId: 'primary', modelId: 'big-model' },
        { providerId: 'fallback', modelId: 'other-model' },
      ],
      groups: [
        {
          name: 'writer',
          failoverStrategy: 'priority',
          members: [
            { providerId: 'primary', modelId: 'big-model', priority: 0 },
            { providerId: 'fallback', modelId: 'other-model', priority: 1 },
          ],
        },
      ],
    },
    adapters: {
      primary: mockProvider({ script: [{ error: { status: 529, message: 'Overloaded' } }] }),
      fallback: mockProvider({
        fallback: { text: 'Routers route; streams stream; failover stays out of sight.' },
      }),
    },
  });
  router.on('failover', (e) => write(`[failover after ${e.error.kind} ${e.error.status ?? ''}]\n`));

  const llm = createRouterProvider(router);
  try {
    const result = streamText({ model: llm('writer'), prompt: 'Write one line about routers.' });
    let text = '';
    for await (const delta of result.textStream) {
      text += delta;
      write(delta);
    }
    const servedBy = (await result.providerMetadata)?.modelRouter;
    const usage = await result.usage;
    write(`\n[served by ${JSON.stringify(servedBy)}; ${usage.inputTokens}+${usage.outputTokens} tokens]\n`);
    return { text, servedBy };
  } finally {
    await router.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
