/**
 * A `fetch` that answers as OpenAI (chat completions, embeddings) and Anthropic (Messages) would, so
 * that README blocks naming the real base URLs run without keys or network. Any other URL throws:
 * a README block that reaches the network is a failing block.
 */
export const FAKE_TEXT = 'Hello from the fake upstream.';

const json = (body: unknown) =>
  new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
const sse = (events: string[]) =>
  new Response(events.join(''), { headers: { 'content-type': 'text/event-stream' } });

function openaiChat(body: { model: string; stream?: boolean }): Response {
  const base = { id: 'chatcmpl-readme', created: 1, model: body.model };
  if (!body.stream)
    return json({
      ...base,
      object: 'chat.completion',
      choices: [{ index: 0, message: { role: 'assistant', content: FAKE_TEXT }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 },
    });
  const chunk = (rest: object) =>
    `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', ...rest })}\n\n`;
  return sse([
    chunk({ choices: [{ index: 0, delta: { role: 'assistant', content: FAKE_TEXT }, finish_reason: null }] }),
    chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
    chunk({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 6, total_tokens: 11 } }),
    'data: [DONE]\n\n',
  ]);
}

function openaiEmbeddings(body: { model: string; input: string | string[]; dimensions?: number }): Response {
  const inputs = Array.isArray(body.input) ? body.input : [body.input];
  return json({
    object: 'list',
    model: body.model,
    data: inputs.map((_, index) => ({
      object: 'embedding',
      index,
      embedding: Array.from({ length: body.dimensions ?? 8 }, (_, i) => (i + index) / 10),
    })),
    usage: { prompt_tokens: inputs.length * 2, total_tokens: inputs.length * 2 },
  });
}

function anthropicMessages(body: { model: string; stream?: boolean }): Response {
  const message = { id: 'msg_readme', type: 'message', role: 'assistant', model: body.model };
  if (!body.stream)
    return json({
      ...message,
      content: [{ type: 'text', text: FAKE_TEXT }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 6 },
    });
  const event = (type: string, data: object) =>
    `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  return sse([
    event('message_start', {
      message: {
        ...message,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: 5, output_tokens: 1 },
      },
    }),
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: FAKE_TEXT } }),
    event('content_block_stop', { index: 0 }),
    event('message_delta', {
      delta: { stop_reason: 'end_turn', stop_sequence: null },
      usage: { output_tokens: 6 },
    }),
    event('message_stop', {}),
  ]);
}

export function installFakeUpstreams(): void {
  globalThis.fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const body = request.method === 'POST' ? await request.json() : {};
    const route = `${url.host}${url.pathname}`;
    if (route === 'api.openai.com/v1/chat/completions') return openaiChat(body);
    if (route === 'api.openai.com/v1/embeddings') return openaiEmbeddings(body);
    if (route === 'api.anthropic.com/v1/messages') return anthropicMessages(body);
    throw new Error(
      `README test: no network — a block fetched ${request.method} ${url.origin}${url.pathname}`,
    );
  };
}
