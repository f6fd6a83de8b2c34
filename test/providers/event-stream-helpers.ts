import { readFileSync } from 'node:fs';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { HttpResponse } from 'msw';

const FIXTURES = new URL('../fixtures/bedrock/', import.meta.url);
const codec = new EventStreamCodec(toUtf8, fromUtf8);

/** One ConverseStream message as the fixtures write it: an event or an exception, with its JSON payload. */
export type StreamEvent = { event: string; payload: unknown } | { exception: string; payload: unknown };

/** Encode events exactly as Bedrock frames them (the codec the adapter decodes with). */
export function encodeEvents(events: StreamEvent[]): Uint8Array {
  const frames = events.map((e) =>
    codec.encode({
      headers:
        'event' in e
          ? {
              ':message-type': { type: 'string', value: 'event' },
              ':event-type': { type: 'string', value: e.event },
              ':content-type': { type: 'string', value: 'application/json' },
            }
          : {
              ':message-type': { type: 'string', value: 'exception' },
              ':exception-type': { type: 'string', value: e.exception },
              ':content-type': { type: 'string', value: 'application/json' },
            },
      body: fromUtf8(JSON.stringify(e.payload)),
    }),
  );
  const out = new Uint8Array(frames.reduce((n, f) => n + f.byteLength, 0));
  let offset = 0;
  for (const f of frames) {
    out.set(f, offset);
    offset += f.byteLength;
  }
  return out;
}

export function streamFixture(name: string): StreamEvent[] {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as StreamEvent[];
}

/** An event-stream response cut into small chunks, so frames straddle chunk boundaries. */
export function eventStreamResponse(
  bytes: Uint8Array,
  options: { chunkBytes?: number; stall?: boolean; headers?: Record<string, string> } = {},
): HttpResponse<null> {
  const size = options.chunkBytes ?? 29;
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (offset >= bytes.length) {
        if (options.stall) return new Promise<void>(() => {});
        controller.close();
        return;
      }
      controller.enqueue(bytes.slice(offset, offset + size));
      offset += size;
    },
  });
  return new HttpResponse(body as unknown as null, {
    status: 200,
    headers: { 'content-type': 'application/vnd.amazon.eventstream', ...options.headers },
  });
}
