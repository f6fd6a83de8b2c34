import type { BenchFn } from './lib/result.js';
import { run as affinity } from './affinity.js';
import { run as features } from './features.js';
import { run as ledger } from './ledger.js';
import { run as loopback } from './loopback.js';
import { run as memory } from './memory.js';
import { run as overhead } from './overhead.js';
import { run as peers } from './peers.js';
import { run as quota } from './quota.js';
import { run as relay } from './relay.js';
import { run as relayStream } from './relay-stream.js';
import { run as scale } from './scale.js';
import { run as startup } from './startup.js';
import { run as streaming } from './streaming.js';
import { run as transport } from './transport.js';

/** Every benchmark, by the name `--only` takes, in the order the runner runs them. */
export const BENCHMARKS: Record<string, BenchFn> = {
  overhead,
  features,
  streaming,
  loopback,
  transport,
  relay,
  'relay-stream': relayStream,
  scale,
  memory,
  ledger,
  quota,
  affinity,
  startup,
};

/** Opt-in benchmarks: `npm run bench -- --peers` (or `--only peers`). */
export const OPT_IN: Record<string, BenchFn> = { peers };
