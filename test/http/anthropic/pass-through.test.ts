import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { expectReleased } from '../harness.js';
import { type Relay, anthropicEvents, anthropicMessage, json, relay, sse } from './harness.js';

/** Request shapes of coding agents, built from Anthropic's documented formats. */
function fixture(name: string): { headers: Record<string, string>; body: Record<string, unknown> } {
  return JSON.parse(
    readFileSync(new URL(`../../fixtures/anthropic/relay/${name}.json`, import.meta.url), 'utf8'),
  );
}

/** The SSE events of a response body, parsed (`event:` name and JSON data). */
function events(text: string): Array<[string, unknown]> {
  return text
    .split('\n\n')
    .filter((frame) => frame.trim() !== '')
    .map((frame) => {
      const event = /^event: (.*)$/m.exec(frame)?.[1] ?? '';
      const data = /^data: (.*)$/m.exec(frame)?.[1] ?? 'null';
      return [event, JSON.parse(data)];
    });
}

let r: Relay | undefined;
afterEach(async () => {
  if (r) {
    expectReleased(r.router);
    await r.close();
  }
  r = undefined;
});

const post = (relayUrl: string, path: string, headers: Record<string, string>, body: unknown) =>
  fetch(`${relayUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': 'client-key', ...headers },
    body: JSON.stringify(body),
  });

describe('faithful pass-through to an Anthropic upstream', () => {
  it('a Claude Code turn (streamed) reaches the upstream as sent — only the model changes — and its events come back unchanged', async () => {
    const { headers, body } = fixture('claude-code-turn');
    const upstreamEvents = anthropicEvents(
      {
        usage: {
          input_tokens: 4,
          cache_creation_input_tokens: 1200,
          cache_read_input_tokens: 30_000,
          output_tokens: 1,
        },
      },
      [
        { type: 'thinking', thinking: 'The test expects addition.', signature: 'sig-2' },
        { type: 'text', text: 'Fixing the operator.' },
        {
          type: 'tool_use',
          id: 'toolu_02',
          name: 'Edit',
          input: { command: 'src/app.ts', nested: { a: ['-', '+'] } },
        },
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} },
      ],
      'tool_use',
    );
    r = await relay([sse(upstreamEvents)], [], { maxBodyBytes: 8 * 1024 * 1024 });
    const res = await post(r.server.url, '/v1/messages', headers, { ...body, model: 'claude' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const received = events(await res.text());
    // Every upstream event, in order, JSON-equal — pings, server-tool blocks and cache usage included.
    expect(received).toEqual(upstreamEvents);

    const sent = r.anth.received[0]!;
    expect(sent.body).toEqual({ ...body, model: 'claude-sonnet-4-5' });
    expect(sent.headers['anthropic-beta']).toBe(headers['anthropic-beta']);
    expect(sent.headers['anthropic-version']).toBe(headers['anthropic-version']);
    expect(sent.headers['x-api-key']).toBe('sk-ant-catalog-key');
    expect(JSON.stringify(sent.headers)).not.toContain('client-key');
    expect(res.headers.get('x-model-router-warnings')).toBeNull();
  });

  it('a non-streamed agent call: tool_choice options, stop sequences, top_k and unknown fields reach the upstream unchanged; the Message comes back unchanged', async () => {
    const { headers, body } = fixture('agent-review');
    const answer = anthropicMessage(
      [{ type: 'tool_use', id: 'toolu_9', name: 'comment', input: { line: 1, body: 'LGTM' } }],
      {
        stop_reason: 'tool_use',
        usage: {
          input_tokens: 10,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          output_tokens: 20,
          service_tier: 'standard',
        },
      },
    );
    r = await relay([json(200, answer)], []);
    const res = await post(r.server.url, '/v1/messages', headers, { ...body, model: 'claude' });
    expect(await res.json()).toEqual(answer);
    expect(r.anth.received[0]!.body).toEqual({ ...body, model: 'claude-sonnet-4-5' });
    expect(r.anth.received[0]!.headers['anthropic-beta']).toBe('token-efficient-tools-2025-02-19');
  });

  it("the adapter pins anthropic-version and anthropic-beta over the client's", async () => {
    const { headers, body } = fixture('agent-review');
    r = await relay([json(200, anthropicMessage([{ type: 'text', text: 'ok' }]))], [], {
      version: '2023-01-01',
      anthropicHeaders: { 'anthropic-beta': 'pinned-beta-2025-01-01' },
    });
    await post(r.server.url, '/v1/messages', headers, { ...body, model: 'claude' });
    expect(r.anth.received[0]!.headers['anthropic-version']).toBe('2023-01-01');
    expect(r.anth.received[0]!.headers['anthropic-beta']).toBe('pinned-beta-2025-01-01');
  });

  it('a transformRequest that changes typed fields is honoured over the body; one that changes the conversation drops pass-through', async () => {
    const { headers, body } = fixture('agent-review');
    r = await relay([json(200, anthropicMessage([{ type: 'text', text: 'ok' }]))], [], {
      transformRequest: (chat) =>
        chat.messages.length > 4 // the fixture: a system prompt and three turns
          ? { ...chat, messages: chat.messages.slice(-1) }
          : { ...chat, maxTokens: 64, user: 'tenant-7' },
    });
    await post(r.server.url, '/v1/messages', headers, { ...body, model: 'claude' });
    expect(r.anth.received[0]!.body).toEqual({
      ...body,
      model: 'claude-sonnet-4-5',
      max_tokens: 64,
      metadata: { user_id: 'tenant-7' },
    });
    const longer = {
      ...body,
      model: 'claude',
      messages: [
        ...(body.messages as unknown[]),
        { role: 'assistant', content: 'ok' },
        { role: 'user', content: 'and?' },
      ],
    };
    await post(r.server.url, '/v1/messages', headers, longer);
    const translated = r.anth.received[1]!.body;
    expect(translated.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'and?' }] }]);
    expect(translated.service_tier).toBeUndefined(); // the body no longer describes the request
  });
});
