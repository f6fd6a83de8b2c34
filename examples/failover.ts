/**
 * `npm run example`: a group failing over from an exhausted provider to another, told step by step —
 * on the embedded defaults (memory storage, memory quota) and mock providers: no keys, no network.
 * The router is in examples/failover/router.ts, the narration in examples/failover/narrate.ts.
 */
import { manualClock } from 'model-router/testing';
import { narrate } from './failover/narrate.js';
import { exampleRouter } from './failover/router.js';

const clock = manualClock();
const router = exampleRouter(clock);
try {
  await narrate(router, clock, (line) => console.log(line));
} finally {
  await router.close();
}
