import type {
  ChatRequest,
  CompletionResult,
  ModelRouter,
  RequestOptions,
  RouterStream,
  StreamPart,
} from 'model-router';
import type { ReadyPartSource } from '../../util/ready-part.js';
import { prepend } from './prepend.js';

/** Which physical model served a request. */
export interface Served {
  providerId: string;
  modelId: string;
  groupName?: string;
}

export interface CommittedStream {
  stream: RouterStream;
  /** Every part, the `start` part included. */
  parts: ReadyPartSource<StreamPart>;
  served: Served;
}

/**
 * Start a routed stream and wait for its attempt to commit (the `start` part) before answering: every
 * failure up to then (unknown model, quota, all candidates failed) keeps its real HTTP status instead
 * of becoming an SSE error event.
 */
export async function openCommittedStream(
  router: ModelRouter,
  request: ChatRequest,
  options: RequestOptions,
): Promise<CommittedStream> {
  const stream = router.stream(request, options);
  const parts = stream[Symbol.asyncIterator]();
  let first: IteratorResult<StreamPart>;
  try {
    first = await parts.next();
  } catch (error) {
    stream.cancel(error);
    throw error;
  }
  const served: Served =
    !first.done && first.value.type === 'start' ? first.value : { providerId: 'unknown', modelId: 'unknown' };
  return { stream, parts: prepend(first, parts), served };
}

/** Which physical model served a completed request, with its group (when a group was asked for). */
export function servedOf(result: CompletionResult): Served {
  const served: Served = { providerId: result.model.providerId, modelId: result.model.modelId };
  if (result.groupName) served.groupName = result.groupName;
  return served;
}

/** Which physical model served, and the group that was asked for (when one was). */
export function servedBy(model: Served): Record<string, string> {
  const headers: Record<string, string> = { 'x-model-router-model': `${model.providerId}/${model.modelId}` };
  if (model.groupName) headers['x-model-router-group'] = model.groupName;
  return headers;
}
