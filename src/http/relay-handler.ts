import type { ChatRequest, ModelRouter, StreamPart } from 'model-router';
import { parseOpenAIRequest } from './openai-request.js';
import { type CompletionMeta, toOpenAICompletion, toOpenAIModel } from './openai-response.js';
import { openAIEventStream } from './openai-stream.js';
import { normalizeBasePath, routeSegments } from './path.js';
import { requireActor } from './authenticate.js';
import { HttpProblem, methodNotAllowed, routeNotFound } from './problem.js';
import { DEFAULT_MAX_BODY_BYTES, readJsonBody } from './read-body.js';
import { errorResponse, json } from './respond.js';
import type { Authenticate, FetchHandler } from './types.js';
import { prepend } from './prepend.js';

export interface RelayHandlerOptions {
  /**
   * Decide who is calling (an API key of yours, a session). Returning `null`/`undefined` answers 401.
   * @default no authentication: every caller is served
   */
  authenticate?: Authenticate;
  /**
   * Path prefix the handler serves under (`/llm` → `POST /llm/v1/chat/completions`).
   * @default '/'
   */
  basePath?: string;
  /**
   * Largest request body accepted, in bytes; larger bodies get 413 before anything is routed.
   * @default 1048576 (1 MiB)
   */
  maxBodyBytes?: number;
  /**
   * Adjust or refuse a request before it is routed: restrict models per tenant, tag `metadata`, force
   * `user`. Throw a `RouterError` (`FORBIDDEN` → 403, `VALIDATION` → 400) to refuse.
   * @default the request as the client sent it
   */
  transformRequest?: (
    request: ChatRequest,
    context: { actor: unknown; request: Request },
  ) => ChatRequest | Promise<ChatRequest>;
}

/**
 * An OpenAI-compatible relay over a router: `POST {basePath}/v1/chat/completions` (plain and SSE,
 * tool calls, `stream_options.include_usage`), `GET {basePath}/v1/models` and `GET {basePath}/v1/models/:id`.
 * Errors are OpenAI's error JSON with the matching status. The request's `signal` is passed to the
 * router, so a client that disconnects cancels the upstream call and releases everything it held.
 */
export function createRelayHandler(router: ModelRouter, options: RelayHandlerOptions = {}): FetchHandler {
  const basePath = normalizeBasePath(options.basePath);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes <= 0) {
    throw new TypeError(
      `createRelayHandler: maxBodyBytes must be a positive integer (got ${String(maxBodyBytes)})`,
    );
  }

  return async (request) => {
    const requestId = `req_${crypto.randomUUID().replaceAll('-', '')}`;
    const headers = { 'x-request-id': requestId };
    try {
      const method = request.method.toUpperCase();
      const path = new URL(request.url).pathname;
      const seg = routeSegments(path, basePath);
      if (seg?.[0] !== 'v1' || seg.length < 2) throw routeNotFound(method, path);
      const route = seg.slice(1);
      let run: (actor: unknown) => Promise<Response>;
      if (route.length === 2 && route[0] === 'chat' && route[1] === 'completions') {
        if (method !== 'POST') throw methodNotAllowed(method, ['POST']);
        run = (actor) => chatCompletions(request, actor, requestId);
      } else if (route[0] === 'models') {
        if (method !== 'GET') throw methodNotAllowed(method, ['GET']);
        // A direct model's id holds a slash (`openai/gpt-4o-mini`): accept it encoded or not.
        const id = route.length > 1 ? route.slice(1).join('/') : undefined;
        run = () => models(id);
      } else {
        throw routeNotFound(method, path);
      }
      const actor = options.authenticate ? await requireActor(options.authenticate, request) : undefined;
      const response = await run(actor);
      response.headers.set('x-request-id', requestId);
      return response;
    } catch (error) {
      return errorResponse(error, headers);
    }
  };

  async function models(id: string | undefined): Promise<Response> {
    const list = await router.listModels();
    if (id === undefined) return json(200, { object: 'list', data: list.map(toOpenAIModel) });
    const found = list.find((m) => m.id === id);
    if (!found) throw new HttpProblem(404, 'UNKNOWN_MODEL', `Unknown model "${id}"`, { param: 'model' });
    return json(200, toOpenAIModel(found));
  }

  async function chatCompletions(request: Request, actor: unknown, requestId: string): Promise<Response> {
    const relay = parseOpenAIRequest(await readJsonBody(request, maxBodyBytes));
    const chat = options.transformRequest
      ? await options.transformRequest(relay.chat, { actor, request })
      : relay.chat;
    const asked = typeof chat.model === 'string' ? chat.model : undefined;
    const meta = (served: Served): CompletionMeta => ({
      id: `chatcmpl-${requestId.slice(4)}`,
      created: Math.floor(Date.now() / 1000),
      model: asked ?? served.groupName ?? `${served.providerId}/${served.modelId}`,
    });
    const routeOptions = { signal: request.signal, requestId };
    if (!relay.stream) {
      const result = await router.complete(chat, routeOptions);
      const served = { ...result.model, ...(result.groupName ? { groupName: result.groupName } : {}) };
      return json(200, toOpenAICompletion(result, meta(served)), servedBy(served));
    }
    const stream = router.stream(chat, routeOptions);
    const parts = stream[Symbol.asyncIterator]();
    // Wait for the attempt to commit (its `start` part) before answering: every failure up to then
    // (unknown model, quota, all candidates failed) gets its real HTTP status, not an SSE error event.
    let first: IteratorResult<StreamPart>;
    try {
      first = await parts.next();
    } catch (error) {
      stream.cancel(error);
      throw error;
    }
    const start: Served =
      !first.done && first.value.type === 'start'
        ? first.value
        : { providerId: 'unknown', modelId: 'unknown' };
    const body = openAIEventStream(stream, prepend(first, parts), {
      ...meta(start),
      includeUsage: relay.includeUsage,
    });
    return new Response(body, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        ...servedBy(start),
      },
    });
  }
}

interface Served {
  providerId: string;
  modelId: string;
  groupName?: string;
}

/** Which physical model served (debugging aid; the body names the model the client asked for). */
function servedBy(model: Served): Record<string, string> {
  return { 'x-model-router-model': `${model.providerId}/${model.modelId}` };
}
