import { getEventListeners } from 'node:events';
import { check, checkEqual, checkRejectsWith, isSettled } from './assert.js';
import { defineCase, key, type MakeQuota, type QuotaContractCase, take } from './harness.js';

/** A long wait: the cases end it by a release or an abort, never by its timer. */
const LONG_MS = 60_000;

const listeners = (signal: AbortSignal): number => getEventListeners(signal, 'abort').length;

/** waitForCapacity: wake on release, FIFO, timeout, abort — and nothing left behind on any path. */
export function waitCases(make: MakeQuota): QuotaContractCase[] {
  return [
    defineCase(
      make,
      'wait: a release of the key wakes the waiter; nothing is left behind',
      async ({ quota }) => {
        const k = key('k', { maxConcurrent: 1 });
        const lease = await take(quota, [k]);
        const controller = new AbortController();
        const waiting = quota.waitForCapacity([k], LONG_MS, controller.signal);
        checkEqual(quota.view(k).queued, 1, 'queued while waiting');
        check(!(await isSettled(waiting)), 'the wait must not end before a release');
        await quota.settle(lease);
        await waiting;
        checkEqual(quota.view(k).queued, 0, 'queued after the wake');
        checkEqual(listeners(controller.signal), 0, 'abort listeners after the wake');
        await take(quota, [k], 0, 'the freed slot');
      },
    ),

    defineCase(make, 'wait: on several keys, a release of any of them wakes it', async ({ quota }) => {
      const a = key('a', { maxConcurrent: 1 });
      const b = key('b', { maxConcurrent: 1 });
      await take(quota, [a]);
      const leaseB = await take(quota, [b]);
      const waiting = quota.waitForCapacity([a, b], LONG_MS);
      checkEqual([quota.view(a).queued, quota.view(b).queued], [1, 1], 'queued on both keys');
      await quota.settle(leaseB);
      await waiting;
      checkEqual([quota.view(a).queued, quota.view(b).queued], [0, 0], 'left both queues');
    }),

    defineCase(make, 'wait: first come, first woken', async ({ quota }) => {
      const k = key('k', { maxConcurrent: 2 });
      const first = await take(quota, [k]);
      const second = await take(quota, [k]);
      const order: string[] = [];
      const one = quota.waitForCapacity([k], LONG_MS).then(() => order.push('one'));
      const two = quota.waitForCapacity([k], LONG_MS).then(() => order.push('two'));
      await quota.settle(first);
      await one;
      await quota.settle(second);
      await two;
      checkEqual(order, ['one', 'two'], 'wake order');
    }),

    defineCase(make, 'wait: maxWaitMs elapses → resolves, nothing left behind', async ({ quota }) => {
      const k = key('k', { maxConcurrent: 1 });
      await take(quota, [k]);
      const controller = new AbortController();
      await quota.waitForCapacity([k], 5, controller.signal);
      checkEqual(quota.view(k).queued, 0, 'queued after the timeout');
      checkEqual(listeners(controller.signal), 0, 'abort listeners after the timeout');
    }),

    defineCase(
      make,
      'wait: abort while queued rejects with the reason, leaves the queue at once',
      async ({ quota }) => {
        const k = key('k', { maxConcurrent: 1 });
        await take(quota, [k]);
        const controller = new AbortController();
        const waiting = quota.waitForCapacity([k], LONG_MS, controller.signal);
        checkEqual(listeners(controller.signal), 1, 'one abort listener while waiting');
        const reason = new Error('caller gave up');
        controller.abort(reason);
        checkEqual(quota.view(k).queued, 0, 'queued right after the abort');
        await checkRejectsWith(waiting, reason, 'aborted wait');
        checkEqual(listeners(controller.signal), 0, 'abort listeners after the abort');
      },
    ),

    defineCase(make, 'wait: an already aborted signal rejects without queueing', async ({ quota }) => {
      const k = key('k', { maxConcurrent: 1 });
      await take(quota, [k]);
      const reason = new Error('already gone');
      const signal = AbortSignal.abort(reason);
      const waiting = quota.waitForCapacity([k], LONG_MS, signal);
      checkEqual(quota.view(k).queued, 0, 'queued');
      await checkRejectsWith(waiting, reason, 'pre-aborted wait');
      checkEqual(listeners(signal), 0, 'abort listeners');
    }),

    defineCase(
      make,
      'wait: an aborted waiter does not swallow the wake of the next one',
      async ({ quota }) => {
        const k = key('k', { maxConcurrent: 1 });
        const lease = await take(quota, [k]);
        const controller = new AbortController();
        const aborted = quota.waitForCapacity([k], LONG_MS, controller.signal);
        const next = quota.waitForCapacity([k], LONG_MS);
        const reason = new Error('first waiter left');
        controller.abort(reason);
        await checkRejectsWith(aborted, reason, 'first waiter');
        await quota.settle(lease);
        await next;
        checkEqual(quota.view(k).queued, 0, 'queued');
      },
    ),

    defineCase(make, 'wait: close() ends pending waits', async ({ quota }) => {
      const k = key('k', { maxConcurrent: 1 });
      await take(quota, [k]);
      const waiting = quota.waitForCapacity([k], LONG_MS);
      await quota.close?.();
      if (quota.close) {
        check(await isSettled(waiting), 'a wait must end when the store closes');
        await waiting.catch(() => undefined);
        checkEqual(quota.view(k).queued, 0, 'queued after close');
      }
    }),
  ];
}
