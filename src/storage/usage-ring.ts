import type { UsageRecord } from '../types/usage-record.js';

// Where each field of a slot sits in its column block (slot × the block's width + offset).
const N_ATTEMPT = 0;
const N_PROMPT = 1;
const N_COMPLETION = 2;
const N_TOTAL = 3;
const N_LATENCY = 4;
const N_STARTED = 5;
const N_FINISHED = 6;
const N_CACHED = 7;
const N_CACHE_WRITE = 8;
const N_COST = 9;
const N_TTFT = 10;
const N_HTTP = 11;
const NUMBERS = 12;

const S_REQUEST = 0;
const S_OPERATION = 1;
const S_STATUS = 2;
const S_PROVIDER = 3;
const S_MODEL = 4;
const S_KEY = 5;
const S_GROUP = 6;
const S_TENANT = 7;
const S_VIRTUAL_KEY = 8;
const S_ERROR = 9;
const STRINGS = 10;

// Flags: the booleans, and which optional numbers the record had.
const F_ESTIMATED = 1;
const F_STREAM = 2;
const F_CACHED = 4;
const F_CACHE_WRITE = 8;
const F_COST = 16;
const F_TTFT = 32;
const F_HTTP = 64;

const FIRST_CAPACITY = 1024;

// Every field of UsageRecord has its place above: a field added to UsageRecord without one here
// fails to compile instead of being dropped silently.
const _EVERY_FIELD_KEPT = {
  requestId: S_REQUEST,
  attempt: N_ATTEMPT,
  operation: S_OPERATION,
  status: S_STATUS,
  groupName: S_GROUP,
  providerId: S_PROVIDER,
  modelId: S_MODEL,
  keyId: S_KEY,
  promptTokens: N_PROMPT,
  completionTokens: N_COMPLETION,
  totalTokens: N_TOTAL,
  cachedPromptTokens: N_CACHED,
  cacheWriteTokens: N_CACHE_WRITE,
  estimated: F_ESTIMATED,
  costUsd: N_COST,
  latencyMs: N_LATENCY,
  ttftMs: N_TTFT,
  errorCode: S_ERROR,
  httpStatus: N_HTTP,
  stream: F_STREAM,
  startedAt: N_STARTED,
  finishedAt: N_FINISHED,
  tenantId: S_TENANT,
  virtualKeyId: S_VIRTUAL_KEY,
} satisfies Record<keyof UsageRecord, number>;

/**
 * The last `capacity` usage records, kept field by field (numbers in one typed array, strings in one
 * array, flags in another) in a ring, instead of one object per record: a long-running process
 * keeps thousands of records, and as objects every one of them was copied by the young-generation
 * GC and promoted, about a third of the router's CPU on a loaded process. Storage grows by doubling
 * up to `capacity`, so a small log costs little.
 *
 * `records()` builds the records back (the `UsageRecord` fields, in the order the router writes
 * them; an optional field that was `undefined` is absent) on its first call after a write, and hands
 * out the same array until the next write.
 */
export class UsageRing {
  private numbers: Float64Array;
  private strings: Array<string | undefined>;
  private flags: Uint8Array;
  /** Slots allocated (≤ capacity). */
  private slots: number;
  /** Records kept (≤ slots). */
  private size = 0;
  /** Slot of the oldest record. */
  private head = 0;
  private built: UsageRecord[] | undefined;

  constructor(private readonly capacity: number) {
    this.slots = Math.min(capacity, FIRST_CAPACITY);
    this.numbers = new Float64Array(this.slots * NUMBERS);
    this.strings = new Array<string | undefined>(this.slots * STRINGS).fill(undefined);
    this.flags = new Uint8Array(this.slots);
  }

  get length(): number {
    return this.size;
  }

  push(records: readonly UsageRecord[]): void {
    if (records.length === 0) return;
    this.built = undefined;
    for (const r of records) this.write(r);
  }

  /** The records kept, oldest first; the same array until the next `push`. */
  records(): readonly UsageRecord[] {
    if (this.built) return this.built;
    const out = new Array<UsageRecord>(this.size);
    for (let i = 0; i < this.size; i++) out[i] = this.read((this.head + i) % this.slots);
    this.built = out;
    return out;
  }

  private write(r: UsageRecord): void {
    let slot: number;
    if (this.size < this.capacity) {
      if (this.size === this.slots) this.grow();
      slot = this.size++;
    } else {
      slot = this.head;
      this.head = this.head + 1 === this.slots ? 0 : this.head + 1;
    }
    const n = this.numbers;
    const o = slot * NUMBERS;
    n[o + N_ATTEMPT] = r.attempt;
    n[o + N_PROMPT] = r.promptTokens;
    n[o + N_COMPLETION] = r.completionTokens;
    n[o + N_TOTAL] = r.totalTokens;
    n[o + N_LATENCY] = r.latencyMs;
    n[o + N_STARTED] = r.startedAt;
    n[o + N_FINISHED] = r.finishedAt;
    let flags = (r.estimated ? F_ESTIMATED : 0) | (r.stream ? F_STREAM : 0);
    if (r.cachedPromptTokens !== undefined) {
      n[o + N_CACHED] = r.cachedPromptTokens;
      flags |= F_CACHED;
    }
    if (r.cacheWriteTokens !== undefined) {
      n[o + N_CACHE_WRITE] = r.cacheWriteTokens;
      flags |= F_CACHE_WRITE;
    }
    if (r.costUsd !== undefined) {
      n[o + N_COST] = r.costUsd;
      flags |= F_COST;
    }
    if (r.ttftMs !== undefined) {
      n[o + N_TTFT] = r.ttftMs;
      flags |= F_TTFT;
    }
    if (r.httpStatus !== undefined) {
      n[o + N_HTTP] = r.httpStatus;
      flags |= F_HTTP;
    }
    this.flags[slot] = flags;
    const s = this.strings;
    const t = slot * STRINGS;
    s[t + S_REQUEST] = r.requestId;
    s[t + S_OPERATION] = r.operation;
    s[t + S_STATUS] = r.status;
    s[t + S_PROVIDER] = r.providerId;
    s[t + S_MODEL] = r.modelId;
    s[t + S_KEY] = r.keyId;
    s[t + S_GROUP] = r.groupName;
    s[t + S_TENANT] = r.tenantId;
    s[t + S_VIRTUAL_KEY] = r.virtualKeyId;
    s[t + S_ERROR] = r.errorCode;
  }

  private read(slot: number): UsageRecord {
    const n = this.numbers;
    const o = slot * NUMBERS;
    const s = this.strings;
    const t = slot * STRINGS;
    const flags = this.flags[slot]!;
    const r = { requestId: s[t + S_REQUEST] } as UsageRecord;
    r.attempt = n[o + N_ATTEMPT]!;
    const operation = s[t + S_OPERATION];
    if (operation !== undefined) r.operation = operation as UsageRecord['operation'];
    r.status = s[t + S_STATUS] as UsageRecord['status'];
    r.providerId = s[t + S_PROVIDER]!;
    r.modelId = s[t + S_MODEL]!;
    r.keyId = s[t + S_KEY]!;
    r.promptTokens = n[o + N_PROMPT]!;
    r.completionTokens = n[o + N_COMPLETION]!;
    r.totalTokens = n[o + N_TOTAL]!;
    r.estimated = (flags & F_ESTIMATED) !== 0;
    r.latencyMs = n[o + N_LATENCY]!;
    r.stream = (flags & F_STREAM) !== 0;
    r.startedAt = n[o + N_STARTED]!;
    r.finishedAt = n[o + N_FINISHED]!;
    const group = s[t + S_GROUP];
    if (group !== undefined) r.groupName = group;
    if (flags & F_CACHED) r.cachedPromptTokens = n[o + N_CACHED]!;
    if (flags & F_CACHE_WRITE) r.cacheWriteTokens = n[o + N_CACHE_WRITE]!;
    const tenant = s[t + S_TENANT];
    if (tenant !== undefined) r.tenantId = tenant;
    const virtualKey = s[t + S_VIRTUAL_KEY];
    if (virtualKey !== undefined) r.virtualKeyId = virtualKey;
    if (flags & F_COST) r.costUsd = n[o + N_COST]!;
    if (flags & F_TTFT) r.ttftMs = n[o + N_TTFT]!;
    const error = s[t + S_ERROR];
    if (error !== undefined) r.errorCode = error as UsageRecord['errorCode'];
    if (flags & F_HTTP) r.httpStatus = n[o + N_HTTP]!;
    return r;
  }

  /** Doubles the slots (up to capacity); only while the ring has not wrapped, so order is kept. */
  private grow(): void {
    const slots = Math.min(this.capacity, this.slots * 2);
    const numbers = new Float64Array(slots * NUMBERS);
    numbers.set(this.numbers);
    this.numbers = numbers;
    const strings = new Array<string | undefined>(slots * STRINGS).fill(undefined);
    for (let i = 0; i < this.strings.length; i++) strings[i] = this.strings[i];
    this.strings = strings;
    const flags = new Uint8Array(slots);
    flags.set(this.flags);
    this.flags = flags;
    this.slots = slots;
  }
}
