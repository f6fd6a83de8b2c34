import { Session } from 'node:inspector/promises';
import type { CallFrame } from './position-map.js';

export interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children: HeapNode[];
}

/**
 * Every allocation made while `fn` runs, sampled by V8's heap profiler (one sample per ~512 bytes,
 * short-lived objects included): the root of the allocation tree and its total in bytes.
 */
export async function sampleAllocations(fn: () => Promise<void>): Promise<{ head: HeapNode; bytes: number }> {
  const session = new Session();
  session.connect();
  try {
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    await fn();
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as {
      profile: { head: HeapNode };
    };
    let bytes = 0;
    const walk = (node: HeapNode) => {
      bytes += node.selfSize;
      for (const child of node.children) walk(child);
    };
    walk(profile.head);
    return { head: profile.head, bytes };
  } finally {
    session.disconnect();
  }
}
