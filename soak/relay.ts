import { type Server, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type {
  ChatRequest,
  CompletionResult,
  ModelRouter,
  RequestOptions,
  RouterStream,
} from '../src/index.js';
import { createRelayHandler, toNodeListener } from '../src/http/index.js';
import { WIRE_PROVIDER } from './catalog.js';
import type { RequestState } from './checks.js';
import { estimateTokens } from './estimate.js';
import { requestScope } from './harness.js';
import type { RequestPlan } from './faults.js';
import { rng } from './prng.js';
import { type CanaryScanner, trackedController } from './probes.js';

/** What a caller of the relay does with its response. */
export type RelayAction = 'read_all' | 'abort_first_content' | 'abort_after';

/** What one relay caller saw. */
export interface RelayState {
  action: RelayAction;
  /** The relay handed the request to the router (a caller that left before may never get there). */
  routed: boolean;
  includeUsage: boolean;
  /** The caller aborted its fetch. */
  aborted: boolean;
  status?: number;
  /** Content the caller received (deltas of a stream, or the message of a completion). */
  text: string;
  /** How the body ended: `[DONE]`, an error event / error JSON, a completion JSON, or cut (abort). */
  ending?: 'done' | 'error' | 'completion' | 'cut';
  usageChunks: number;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  errorCode?: string;
  /** What was malformed, if anything. */
  problems: string[];
}

export interface RelayServer {
  url: string;
  /** Responses the server is still writing. */
  openResponses(): number;
  /** Open sockets. */
  connections(): number;
  close(): Promise<void>;
}

/**
 * The router behind `createRelayHandler` on node:http 127.0.0.1:0, through its node:http door and its
 * web door (toNodeListener's generic path) in turn. The
 * router the relay sees is a thin shim over the real one, only to join what the relay routes with the
 * soak's bookkeeping: it sets `requestId` to the soak's id of the request (from `metadata.soak`),
 * passes a counting AbortSignal linked to the relay's own (so abort listeners left behind are caught
 * as for direct callers), and records the router-side ending. The request itself is the relay's,
 * plus the wire provider's `soak_req` through `transformRequest` (the mock server needs it).
 */
export async function startRelay(
  router: ModelRouter,
  requests: () => Map<number, RequestState>,
  pending: Set<Promise<unknown>>,
): Promise<RelayServer> {
  const prepare = (chat: ChatRequest, options: RequestOptions = {}) => {
    const idx = Number(chat.metadata?.soak);
    const st = requests().get(idx);
    if (!st?.relay)
      throw new Error(`soak: relay request without a soak index (${String(chat.metadata?.soak)})`);
    st.relay.routed = true;
    st.estimate = estimateTokens(chat);
    const tracked = trackedController();
    st.signal = tracked;
    const outer = options.signal;
    const onAbort = () => tracked.controller.abort(outer?.reason);
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
    const settle = (p: Promise<CompletionResult>) => {
      const done = p.then(
        (v) => {
          st.settles++;
          st.result = v;
        },
        (e: unknown) => {
          st.settles++;
          st.error = e;
        },
      );
      const tracked = done.finally(() => {
        outer?.removeEventListener('abort', onAbort);
        pending.delete(tracked);
      });
      pending.add(tracked);
    };
    return { idx, settle, opts: { ...options, signal: tracked.signal, requestId: st.requestId } };
  };
  const shim = {
    complete(chat: ChatRequest, options?: RequestOptions): Promise<CompletionResult> {
      const { idx, settle, opts } = prepare(chat, options);
      const p = requestScope.run(idx, () => router.complete(chat, opts));
      settle(p);
      return p;
    },
    stream(chat: ChatRequest, options?: RequestOptions): RouterStream {
      const { idx, settle, opts } = prepare(chat, options);
      const s = requestScope.run(idx, () => router.stream(chat, opts));
      settle(s.result);
      return s;
    },
    listModels: () => router.listModels(),
  } as unknown as ModelRouter;

  const handler = createRelayHandler(shim, {
    transformRequest: (chat) => ({
      ...chat,
      providerOptions: { [WIRE_PROVIDER]: { soak_req: Number(chat.metadata?.soak) } },
    }),
  });
  // The two front doors in turn: the direct node:http one, and the web one (`Request → Response`)
  // through toNodeListener's generic path, whose lazy `Request` meets the same aborts and cut-offs.
  const doors = [toNodeListener(handler), toNodeListener((request: Request) => handler(request))];
  let turn = 0;
  const server: Server = createServer((req, res) => doors[turn++ % 2]!(req, res));
  const sockets = new Set<Socket>();
  let open = 0;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('request', (_req, res) => {
    open++;
    res.on('close', () => open--);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/chat/completions`,
    openResponses: () => open,
    connections: () => sockets.size,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

/** The relay caller's part of a request plan: what it does, decided from the seed. */
export function planRelay(seed: number, idx: number, plan: RequestPlan): RelayState {
  const r = rng(seed, idx, 'relay caller');
  const action: RelayAction = plan.stream
    ? r.weighted({ read_all: 75, abort_first_content: 15, abort_after: 10 })
    : r.weighted({ read_all: 88, abort_after: 12 });
  return {
    action,
    routed: false,
    includeUsage: plan.stream && r.chance(0.7),
    aborted: false,
    text: '',
    usageChunks: 0,
    problems: [],
  };
}

/**
 * One caller of the relay over fetch: POST the OpenAI-format request, read the response as JSON or
 * SSE, and note everything malformed. Never throws.
 */
export async function callRelay(
  url: string,
  plan: RequestPlan,
  idx: number,
  rs: RelayState,
  abortAfterMs: number,
  canary: CanaryScanner,
): Promise<void> {
  const controller = new AbortController();
  const abort = () => {
    rs.aborted = true;
    controller.abort(new Error('soak: relay caller left'));
  };
  const timer = rs.action === 'abort_after' ? setTimeout(abort, abortAfterMs) : undefined;
  const body = {
    model: plan.model,
    messages: plan.messages,
    metadata: { soak: String(idx) },
    ...(plan.maxTokens ? { max_tokens: plan.maxTokens } : {}),
    ...(plan.stream
      ? { stream: true, ...(rs.includeUsage ? { stream_options: { include_usage: true } } : {}) }
      : {}),
  };
  let raw = '';
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: controller.signal,
    });
    rs.status = res.status;
    const type = res.headers.get('content-type') ?? '';
    if (!res.headers.get('x-request-id')) rs.problems.push('no x-request-id header');
    if (type.startsWith('text/event-stream')) {
      if (!plan.stream || res.status !== 200) rs.problems.push(`SSE with status ${res.status}`);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const chunk = decoder.decode(value, { stream: true });
        raw += chunk;
        buffer += chunk;
        let at = buffer.indexOf('\n\n');
        while (at >= 0) {
          const event = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const content = sseEvent(event, rs);
          if (content && rs.action === 'abort_first_content' && !rs.aborted) abort();
          at = buffer.indexOf('\n\n');
        }
      }
      if (buffer.trim() !== '')
        rs.problems.push(`unterminated SSE event ${JSON.stringify(buffer.slice(0, 80))}`);
      if (rs.ending === undefined) rs.problems.push('SSE ended without [DONE] or an error event');
    } else {
      raw = await res.text();
      jsonBody(raw, res.status, type, plan.stream, rs);
    }
  } catch (error) {
    // Only our own abort may cut a response.
    if (!rs.aborted) rs.problems.push(`fetch failed: ${String(error)}`);
    else if (rs.ending === undefined) rs.ending = 'cut';
  } finally {
    clearTimeout(timer);
  }
  canary.scan('relay response', raw);
}

/** One SSE event; returns whether it carried content. */
function sseEvent(event: string, rs: RelayState): boolean {
  if (rs.ending === 'done' || rs.ending === 'error') rs.problems.push('SSE event after the end');
  if (!event.startsWith('data: ') || event.includes('\n')) {
    rs.problems.push(`malformed SSE event ${JSON.stringify(event.slice(0, 80))}`);
    return false;
  }
  const data = event.slice(6);
  if (data === '[DONE]') {
    rs.ending = 'done';
    return false;
  }
  let parsed: {
    object?: string;
    error?: { message?: unknown; type?: unknown; code?: unknown };
    choices?: Array<{ delta?: { content?: string | null; tool_calls?: unknown } }>;
    usage?: RelayState['usage'] | null;
  };
  try {
    parsed = JSON.parse(data);
  } catch {
    rs.problems.push(`SSE data not JSON ${JSON.stringify(data.slice(0, 80))}`);
    return false;
  }
  if (parsed.error) {
    if (typeof parsed.error.message !== 'string' || typeof parsed.error.code !== 'string')
      rs.problems.push(`error event without message or code: ${data.slice(0, 120)}`);
    rs.ending = 'error';
    rs.errorCode = String(parsed.error.code);
    return false;
  }
  if (parsed.object !== 'chat.completion.chunk' || !Array.isArray(parsed.choices)) {
    rs.problems.push(`SSE data not a chat.completion.chunk: ${data.slice(0, 120)}`);
    return false;
  }
  if (rs.includeUsage !== 'usage' in parsed)
    rs.problems.push(`usage field ${rs.includeUsage ? 'missing' : 'present'} on a chunk`);
  if (parsed.usage) {
    rs.usageChunks++;
    rs.usage = parsed.usage;
    if (parsed.choices.length !== 0) rs.problems.push('usage chunk with choices');
  } else if (rs.usageChunks > 0) rs.problems.push('chunk after the usage chunk');
  const text = parsed.choices[0]?.delta?.content;
  if (typeof text === 'string' && text !== '') {
    rs.text += text;
    return true;
  }
  return false;
}

function jsonBody(raw: string, status: number, type: string, stream: boolean, rs: RelayState): void {
  if (!type.startsWith('application/json')) rs.problems.push(`status ${status} with content-type ${type}`);
  let parsed: {
    object?: string;
    error?: { message?: unknown; type?: unknown; code?: unknown };
    choices?: Array<{ message?: { content?: string | null } }>;
    usage?: RelayState['usage'];
  };
  try {
    parsed = JSON.parse(raw);
  } catch {
    rs.problems.push(`status ${status}: body not JSON ${JSON.stringify(raw.slice(0, 80))}`);
    return;
  }
  if (status === 200) {
    if (stream) rs.problems.push('stream request answered 200 without SSE');
    // `usage` may be absent: the relay leaves out usage that the router only estimated.
    if (parsed.object !== 'chat.completion' || !Array.isArray(parsed.choices)) {
      rs.problems.push(`200 body not a chat.completion: ${raw.slice(0, 120)}`);
      return;
    }
    rs.ending = 'completion';
    rs.text = parsed.choices[0]?.message?.content ?? '';
    rs.usage = parsed.usage;
    return;
  }
  if (
    !parsed.error ||
    typeof parsed.error.message !== 'string' ||
    typeof parsed.error.type !== 'string' ||
    typeof parsed.error.code !== 'string'
  ) {
    rs.problems.push(`status ${status}: not an OpenAI error body: ${raw.slice(0, 120)}`);
    return;
  }
  rs.ending = 'error';
  rs.errorCode = parsed.error.code;
}
