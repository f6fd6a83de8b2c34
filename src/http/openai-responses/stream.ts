import { isJsonObject } from '../json-object.js';
import type { ReasoningPart, RouterStream, RouterWarning, StreamPart, Usage } from 'model-router';
import { describeError } from '../error-info.js';
import { partsToSse } from '../relay/parts-sse.js';
import { sseFrame } from '../relay/sse-headers.js';
import type { SseReply } from '../relay/types.js';
import { toReasoningItem, wantsEncrypted } from './reasoning-items.js';
import {
  type ResponseMeta,
  callItemId,
  messageItemId,
  reasoningItemId,
  passedResponse,
  responseShell,
  responsesUsage,
} from './response.js';

interface OpenItem {
  outputIndex: number;
  item: Record<string, unknown>;
  kind: 'message' | 'function_call' | 'reasoning';
  text: string;
  /** For reasoning: the part as it builds up (text, signature, data), and its stream index. */
  reasoning?: ReasoningPart;
  index?: number;
}

/**
 * A streamed response in the Responses event sequence, from a router stream: `response.created`,
 * `response.in_progress`, then per output item `response.output_item.added` (and for text
 * `response.content_part.added`, `response.output_text.delta`…, `.done` events), function calls
 * with `response.function_call_arguments.delta`/`.done`, and `response.completed` with the whole
 * response. Every event carries `sequence_number`. A failure after the start ends with
 * `response.failed`.
 */
export function responsesEventStream(
  stream: RouterStream,
  parts: AsyncIterator<StreamPart>,
  meta: ResponseMeta,
  warnings: RouterWarning[],
  headers: Record<string, string>,
): SseReply {
  let sequence = 0;
  const event = (type: string, data: Record<string, unknown>) =>
    sseFrame({ type, sequence_number: sequence++, ...data }, type);
  const output: Record<string, unknown>[] = [];
  let current: OpenItem | undefined;
  const calls = new Map<number, OpenItem>();
  const encrypted = wantsEncrypted(meta.request.include);
  let reasoningItems = 0;

  /** A reasoning delta: into the open reasoning item of its index, else a new one. */
  const reasoningDelta = (part: Extract<StreamPart, { type: 'reasoning-delta' }>): string[] => {
    const out: string[] = [];
    if (current?.kind !== 'reasoning' || current.index !== part.index) {
      out.push(...closeCurrent());
      const id = reasoningItemId(meta, reasoningItems++);
      const item = { type: 'reasoning', id, summary: [], status: 'in_progress' };
      const reasoning: ReasoningPart = { type: 'reasoning', family: part.family };
      current = {
        outputIndex: output.length,
        item,
        kind: 'reasoning',
        text: '',
        reasoning,
        index: part.index,
      };
      output.push(item);
      out.push(event('response.output_item.added', { output_index: current.outputIndex, item }));
    }
    const open = current!;
    const r = open.reasoning!;
    if (part.id) r.id = part.id;
    if (part.signature) r.signature = (r.signature ?? '') + part.signature;
    if (part.data) r.data = (r.data ?? '') + part.data;
    if (part.text) {
      const at = { item_id: open.item.id, output_index: open.outputIndex, summary_index: 0 };
      if (open.text === '')
        out.push(
          event('response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } }),
        );
      open.text += part.text;
      r.text = open.text;
      out.push(event('response.reasoning_summary_text.delta', { ...at, delta: part.text }));
    }
    return out;
  };

  const closeCurrent = (): string[] => {
    const open = current;
    if (!open) return [];
    current = undefined;
    const itemId = open.item.id as string;
    if (open.kind === 'reasoning') {
      const item = { ...toReasoningItem(open.reasoning!, itemId, encrypted), status: 'completed' };
      output[open.outputIndex] = item;
      const at = { item_id: itemId, output_index: open.outputIndex, summary_index: 0 };
      const out: string[] = [];
      if (open.text !== '') {
        const part = { type: 'summary_text', text: open.text };
        out.push(
          event('response.reasoning_summary_text.done', { ...at, text: open.text }),
          event('response.reasoning_summary_part.done', { ...at, part }),
        );
      }
      out.push(event('response.output_item.done', { output_index: open.outputIndex, item }));
      return out;
    }
    if (open.kind === 'message') {
      const part = { type: 'output_text', text: open.text, annotations: [], logprobs: [] };
      const item = { ...open.item, status: 'completed', content: [part] };
      output[open.outputIndex] = item;
      const at = { item_id: itemId, output_index: open.outputIndex, content_index: 0 };
      return [
        event('response.output_text.done', { ...at, text: open.text, logprobs: [] }),
        event('response.content_part.done', { ...at, part }),
        event('response.output_item.done', { output_index: open.outputIndex, item }),
      ];
    }
    const item = { ...open.item, arguments: open.text, status: 'completed' };
    output[open.outputIndex] = item;
    return [
      event('response.function_call_arguments.done', {
        item_id: itemId,
        output_index: open.outputIndex,
        name: open.item.name,
        arguments: open.text,
      }),
      event('response.output_item.done', { output_index: open.outputIndex, item }),
    ];
  };

  const openMessage = (): string[] => {
    const out = closeCurrent();
    const item = {
      type: 'message',
      id: messageItemId(meta),
      status: 'in_progress',
      role: 'assistant',
      content: [],
    };
    current = { outputIndex: output.length, item, kind: 'message', text: '' };
    output.push(item);
    const at = { item_id: item.id, output_index: current.outputIndex, content_index: 0 };
    out.push(
      event('response.output_item.added', { output_index: current.outputIndex, item }),
      event('response.content_part.added', {
        ...at,
        part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
      }),
    );
    return out;
  };

  const final = (status: 'completed' | 'incomplete', usage: Usage) => ({
    ...responseShell(meta, status),
    ...(status === 'incomplete' ? { incomplete_details: { reason: 'max_output_tokens' } } : {}),
    output,
    usage: responsesUsage(usage),
    ...(warnings.length > 0 ? { warnings } : {}),
  });

  return partsToSse(
    stream,
    parts,
    {
      open: () => {
        const shell = responseShell(meta, 'in_progress');
        return [
          event('response.created', { response: shell }),
          event('response.in_progress', { response: shell }),
        ];
      },
      part(part) {
        switch (part.type) {
          case 'text-delta': {
            if (!part.text) return [];
            const out = current?.kind === 'message' ? [] : openMessage();
            current!.text += part.text;
            out.push(
              event('response.output_text.delta', {
                item_id: current!.item.id,
                output_index: current!.outputIndex,
                content_index: 0,
                delta: part.text,
                logprobs: [],
              }),
            );
            return out;
          }
          case 'tool-call-delta': {
            const out: string[] = [];
            let call = calls.get(part.index);
            if (!call) {
              out.push(...closeCurrent());
              const item = {
                type: 'function_call',
                id: callItemId(meta, part.index),
                call_id: part.id ?? `call_${part.index}`,
                name: part.name ?? '',
                arguments: '',
                status: 'in_progress',
              };
              call = { outputIndex: output.length, item, kind: 'function_call', text: '' };
              calls.set(part.index, call);
              output.push(item);
              current = call;
              out.push(event('response.output_item.added', { output_index: call.outputIndex, item }));
            } else if (current !== call) {
              // Interleaved calls are not part of this format: each call is one item, in order.
              return [];
            }
            if (part.argumentsDelta) {
              call.text += part.argumentsDelta;
              out.push(
                event('response.function_call_arguments.delta', {
                  item_id: call.item.id,
                  output_index: call.outputIndex,
                  delta: part.argumentsDelta,
                }),
              );
            }
            return out;
          }
          case 'reasoning-delta':
            return reasoningDelta(part);
          case 'finish': {
            const out = closeCurrent();
            const status = part.finishReason.unified === 'length' ? 'incomplete' : 'completed';
            out.push(
              event(status === 'completed' ? 'response.completed' : 'response.incomplete', {
                response: final(status, part.usage),
              }),
            );
            return out;
          }
          default:
            return [];
        }
      },
      error(error) {
        const info = describeError(error);
        return [
          event('response.failed', {
            response: {
              ...responseShell(meta, 'failed'),
              output,
              error: { code: info.code, message: info.message },
            },
          }),
        ];
      },
    },
    headers,
  );
}

/**
 * A Responses upstream's own events, passed on as they came (`wire` parts): ids, `sequence_number`s,
 * reasoning items with their `encrypted_content`. A failure after the start is an `error` event
 * numbered after the last one passed on.
 */
export function responsesPassThrough(
  stream: RouterStream,
  parts: AsyncIterator<StreamPart>,
  headers: Record<string, string>,
): SseReply {
  let last = -1;
  // The terminal event waits for the finish: its usage goes out with the router's validated counts.
  let terminal: { event: string | undefined; data: Record<string, unknown> } | undefined;
  return partsToSse(
    stream,
    parts,
    {
      part(part) {
        if (part.type === 'finish' && terminal) {
          const { event, data } = terminal;
          terminal = undefined;
          const response = isJsonObject(data.response) ? data.response : {};
          return [sseFrame({ ...data, response: passedResponse(response, part.usage) }, event)];
        }
        if (part.type !== 'wire' || part.format !== 'openai-responses') return [];
        const data = part.data as Record<string, unknown>;
        const n = data?.sequence_number;
        if (typeof n === 'number') last = n;
        if (part.event === 'response.completed' || part.event === 'response.incomplete') {
          terminal = { event: part.event, data };
          return [];
        }
        return [sseFrame(part.data, part.event)];
      },
      error(error) {
        const info = describeError(error);
        return [
          sseFrame(
            { type: 'error', code: info.code, message: info.message, param: null, sequence_number: last + 1 },
            'error',
          ),
        ];
      },
    },
    headers,
  );
}
