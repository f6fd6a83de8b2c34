import { ModelRouter } from 'model-router';
import { createMetricsHandler } from 'model-router/http';
import { mockProvider } from 'model-router/testing';
import { describe, expect, it } from 'vitest';
import { serve } from '../http/harness.js';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The text exposition format, line by line: `# HELP`/`# TYPE` comments and `name{labels} value` samples. */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not exposition format: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]!] = l[2]!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));

describe('createMetricsHandler: Prometheus exposition', () => {
  it('scraped over HTTP: requests, attempts, tokens, cost, failovers, key headroom and circuits, with bounded labels', async () => {
    const a = mockProvider({ name: 'mockA' });
    const b = mockProvider({
      name: 'mockB',
      fallback: { text: 'ok', usage: { promptTokens: 10, completionTokens: 4 } },
    });
    const router = new ModelRouter({
      catalog: {
        providers: [
          { id: 'a', adapter: 'mockA', keys: [{ id: 'a1', secret: 'sk-canary-aaaaaaaa', rpm: 10 }] },
          { id: 'b', adapter: 'mockB', keys: [{ id: 'b1', secret: 'sk-canary-bbbbbbbb', maxConcurrent: 2 }] },
        ],
        models: [
          { providerId: 'a', modelId: 'model-a' },
          { providerId: 'b', modelId: 'model-b', inputCostPerMTok: 1, outputCostPerMTok: 2 },
        ],
        groups: [
          {
            name: 'coding',
            failoverStrategy: 'priority',
            members: [
              { providerId: 'a', modelId: 'model-a', priority: 0 },
              { providerId: 'b', modelId: 'model-b', priority: 1 },
            ],
          },
        ],
      },
      adapters: { mockA: a, mockB: b },
    });
    const server = await serve(
      createMetricsHandler(router, {
        authenticate: (req) =>
          req.headers.get('authorization') === 'Bearer scrape' ? { scraper: true } : null,
      }),
    );
    a.push({ error: { status: 503, message: 'overloaded' } });
    await router.complete({ model: 'coding', messages: [{ role: 'user', content: 'prompt canary text' }] });
    await router.complete({ model: 'coding', messages: [{ role: 'user', content: 'hi' }] });
    await router.complete({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }).catch(() => {});
    a.push({ error: { status: 400, message: 'bad request' } }); // no failover on a 400: fails as 'coding'
    await router.complete({ model: 'coding', messages: [{ role: 'user', content: 'hi' }] }).catch(() => {});

    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const { samples, types } = parseExposition(text);

    expect(types.get('model_router_requests_total')).toBe('counter');
    expect(types.get('model_router_request_duration_seconds')).toBe('histogram');
    expect(
      find(samples, 'model_router_requests_total', { model: 'coding', outcome: 'success' })[0]!.value,
    ).toBe(2);
    expect(
      find(samples, 'model_router_requests_total', { model: 'coding', outcome: 'success' })[0]!.labels
        .operation,
    ).toBe('chat');
    expect(
      find(samples, 'model_router_requests_total', { outcome: 'error', code: 'UNKNOWN_MODEL' })[0]!.labels
        .model,
    ).toBe('');
    // A failure after the name resolved is labelled with it (from the failure event itself).
    expect(
      find(samples, 'model_router_requests_total', {
        model: 'coding',
        outcome: 'error',
        code: 'PROVIDER_ERROR',
      })[0]!.value,
    ).toBe(1);
    expect(
      find(samples, 'model_router_request_duration_seconds_count', { model: 'coding', outcome: 'error' })[0]!
        .value,
    ).toBe(1);
    expect(types.get('model_router_queue_wait_seconds')).toBe('histogram');
    expect(
      find(samples, 'model_router_queue_wait_seconds_count', { model: 'coding', outcome: 'success' })[0]!
        .value,
    ).toBe(2);
    expect(
      find(samples, 'model_router_queue_wait_seconds_count', { model: 'coding', outcome: 'error' })[0]!.value,
    ).toBe(1);
    expect(find(samples, 'model_router_queue_wait_seconds_count', { model: '' })).toHaveLength(0);
    const aErrors = find(samples, 'model_router_attempts_total', { provider: 'a', status: 'error' });
    expect(aErrors.reduce((n, s) => n + s.value, 0)).toBe(2); // the 503 and the 400
    expect(find(samples, 'model_router_attempts_total', { provider: 'b', status: 'success' })[0]!.value).toBe(
      1,
    );
    expect(find(samples, 'model_router_tokens_total', { provider: 'b', type: 'input' })[0]!.value).toBe(10);
    expect(find(samples, 'model_router_cost_usd_total', { provider: 'b' })[0]!.value).toBeCloseTo(
      (10 * 1 + 4 * 2) / 1e6,
      12,
    );
    expect(
      find(samples, 'model_router_failovers_total', {
        provider: 'a',
        action: 'next_candidate',
        reason: 'overloaded',
      })[0]!.value,
    ).toBe(1);
    expect(
      find(samples, 'model_router_key_headroom_ratio', { provider: 'a', dimension: 'rpm' })[0]!.value,
    ).toBeCloseTo(0.7, 5); // three requests on a1’s 10 rpm
    expect(find(samples, 'model_router_circuit_state')).toHaveLength(2);
    const durations = find(samples, 'model_router_request_duration_seconds_count', {
      model: 'coding',
      outcome: 'success',
    });
    expect(durations.reduce((n, s) => n + s.value, 0)).toBe(2); // one served by b (after failover), one by a

    // Bounded, secret-free labels: no request ids, no secrets, no prompt text.
    expect(text).not.toMatch(/req_|sk-canary|canary text/);
    await server.close();
    await router.close();
  });
});
