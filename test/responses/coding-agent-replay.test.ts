import OpenAI from 'openai';
import { afterEach, expect, it } from 'vitest';
import { ModelRouter, openaiCompatible } from '../../src/index.js';
import { createRelayHandler } from '../../src/http/index.js';
import { expectReleased, serve } from '../http/harness.js';
import { openaiUpstream } from '../helpers/openai-upstream.js';

/*
 * A request shaped like a coding agent's Responses traffic (Codex-style): many function tools,
 * store: false, include ["reasoning.encrypted_content"], parallel_tool_calls, reasoning settings,
 * and a conversation that carries an earlier turn's encrypted reasoning item, function calls and
 * their outputs. Replayed against a chat-completions upstream, it is translated: the tools and the
 * conversation arrive whole and in order; the reasoning item, bound to OpenAI's Responses family,
 * cannot be read there and is dropped with a warning, as are the Responses-only settings.
 */

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close();
});

const TOOL_NAMES = [
  'shell',
  'apply_patch',
  'read_file',
  'list_dir',
  'grep_files',
  'view_image',
  'update_plan',
  'web_fetch',
  'git_status',
  'git_diff',
  'run_tests',
  'search_symbols',
  'open_url',
  'write_file',
  'move_file',
  'delete_file',
  'create_dir',
  'format_code',
  'lint',
  'typecheck',
  'build',
  'docs_lookup',
  'ask_user',
  'todo_add',
  'todo_done',
  'memory_read',
  'memory_write',
  'http_get',
  'sql_query',
  'kill_process',
];
const tools = TOOL_NAMES.map((name) => ({
  type: 'function' as const,
  name,
  description: `The ${name} tool.`,
  strict: false,
  parameters: {
    type: 'object',
    properties: { arg: { type: 'string' } },
    required: ['arg'],
    additionalProperties: false,
  },
}));

it('replays a coding-agent request to a chat-completions upstream', async () => {
  const upstream = await openaiUpstream(() => ({
    sse: [
      {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [
          {
            index: 0,
            delta: {
              tool_calls: [
                {
                  index: 0,
                  id: 'call_b',
                  type: 'function',
                  function: { name: 'shell', arguments: '{"arg":"ls"}' },
                },
              ],
            },
            finish_reason: null,
          },
        ],
      },
      {
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }],
      },
      '[DONE]',
    ],
  }));
  open.push(upstream);
  const router = new ModelRouter({
    catalog: {
      providers: [
        { id: 'oa', adapter: 'openai', baseUrl: upstream.url, keys: [{ id: 'k', secret: 'sk-up' }] },
      ],
      models: [{ providerId: 'oa', modelId: 'gpt-5-codex' }],
      groups: [{ name: 'agent', members: [{ providerId: 'oa', modelId: 'gpt-5-codex' }] }],
    },
    adapters: { openai: openaiCompatible({ baseURL: 'http://127.0.0.1:9' }) },
  });
  open.push(router);
  const server = await serve(createRelayHandler(router));
  open.push(server);
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'relay', maxRetries: 0 });

  const { data: stream, response } = await client.responses
    .create({
      model: 'agent',
      instructions: 'You are a coding agent.',
      tools,
      tool_choice: 'auto',
      parallel_tool_calls: true,
      reasoning: { effort: 'medium', summary: 'auto' },
      store: false,
      stream: true,
      include: ['reasoning.encrypted_content'],
      prompt_cache_key: 'session-42',
      input: [
        {
          type: 'message',
          role: 'developer',
          content: [{ type: 'input_text', text: '<environment_context>cwd=/repo</environment_context>' }],
        },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix the failing test' }] },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [{ type: 'summary_text', text: 'Look at the tests first.' }],
          encrypted_content: 'gAAAAABo-encrypted-blob',
        },
        {
          type: 'function_call',
          call_id: 'call_a',
          name: 'read_file',
          arguments: '{"arg":"test/a.test.ts"}',
        },
        { type: 'function_call', call_id: 'call_c', name: 'git_status', arguments: '{"arg":"."}' },
        { type: 'function_call_output', call_id: 'call_a', output: 'expect(1).toBe(2)' },
        { type: 'function_call_output', call_id: 'call_c', output: 'clean' },
      ],
    } as never)
    .withResponse();
  const events: Array<{ type: string; item?: { type: string; call_id?: string } }> = [];
  for await (const e of stream as unknown as AsyncIterable<{ type: string }>) events.push(e);

  const sent = upstream.requests[0]!.body as { messages: unknown[]; tools: unknown[]; stream: boolean };
  expect(sent.tools).toHaveLength(30);
  expect(sent.stream).toBe(true);
  expect(sent.messages).toEqual([
    { role: 'system', content: 'You are a coding agent.' },
    { role: 'system', content: '<environment_context>cwd=/repo</environment_context>' },
    { role: 'user', content: [{ type: 'text', text: 'fix the failing test' }] },
    {
      role: 'assistant',
      content: '',
      tool_calls: [
        {
          id: 'call_a',
          type: 'function',
          function: { name: 'read_file', arguments: '{"arg":"test/a.test.ts"}' },
        },
        { id: 'call_c', type: 'function', function: { name: 'git_status', arguments: '{"arg":"."}' } },
      ],
    },
    { role: 'tool', tool_call_id: 'call_a', content: 'expect(1).toBe(2)' },
    { role: 'tool', tool_call_id: 'call_c', content: 'clean' },
  ]);
  expect(JSON.stringify(sent)).not.toContain('encrypted-blob');
  const warnings = response.headers.get('x-model-router-warnings') ?? '';
  expect(warnings).toContain('field_dropped reasoning');
  expect(warnings).toContain('field_dropped parallel_tool_calls');
  // prompt_cache_key is honoured, not dropped: it is the session's affinity key (#15).
  expect(warnings).not.toContain('prompt_cache_key');
  expect(warnings).toContain('reasoning_dropped');
  const done = events.find((e) => e.type === 'response.output_item.done');
  expect(done?.item).toMatchObject({ type: 'function_call', call_id: 'call_b' });
  expect(events.at(-1)?.type).toBe('response.completed');
  expectReleased(router);
});
