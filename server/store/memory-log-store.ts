/**
 * Bounded history in memory only (`storage: "memory"`). Every topic's epoch is
 * new with each process, so clients resuming across a restart get `reset`.
 */
import { DedupeWindow } from './dedupe-window.js';
import { newEpoch } from './epoch.js';
import type {
  AppendInput, AppendResult, LogStore, PolicyResolver, StoredMessage, TopicBounds, TopicInfo,
} from './log-store.js';

/** How often messages past their age are dropped. */
const AGE_SWEEP_INTERVAL_MS = 1000;
/** Dropped slots are compacted away once this many pile up at the front. */
const COMPACT_AFTER_SLOTS = 1024;

interface Slot {
  time: number;
  data: string;
  bytes: number;
}

class MemoryTopic {
  readonly epoch = newEpoch();
  head = 0;
  bytes = 0;
  slots: Slot[] = [];
  /** Index in `slots` of the oldest retained message. */
  first = 0;

  get count(): number {
    return this.slots.length - this.first;
  }

  get earliest(): number {
    return this.head - this.count + 1;
  }

  dropOldest(): void {
    const slot = this.slots[this.first];
    if (!slot) return;
    this.bytes -= slot.bytes;
    this.first++;
    if (this.first >= COMPACT_AFTER_SLOTS && this.first * 2 >= this.slots.length) {
      this.slots = this.slots.slice(this.first);
      this.first = 0;
    }
  }

  bounds(): TopicBounds {
    return { epoch: this.epoch, earliest: this.earliest, head: this.head };
  }
}

export class MemoryLogStore implements LogStore {
  readonly #topics = new Map<string, MemoryTopic>();
  readonly #policyFor: PolicyResolver;
  readonly #dedupe: DedupeWindow;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: { policyFor: PolicyResolver; dedupeWindowMs: number }) {
    this.#policyFor = options.policyFor;
    this.#dedupe = new DedupeWindow(options.dedupeWindowMs);
  }

  async open(): Promise<void> {
    this.#sweeper = setInterval(() => this.#sweep(Date.now()), AGE_SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  #topic(name: string): MemoryTopic {
    let topic = this.#topics.get(name);
    if (!topic) {
      topic = new MemoryTopic();
      this.#topics.set(name, topic);
    }
    return topic;
  }

  async touch(name: string): Promise<TopicBounds> {
    return this.#topic(name).bounds();
  }

  bounds(name: string): TopicBounds | undefined {
    return this.#topics.get(name)?.bounds();
  }

  forget(name: string): void {
    if (this.#topics.get(name)?.head === 0) this.#topics.delete(name);
  }

  append(name: string, input: AppendInput): Promise<AppendResult> {
    const topic = this.#topic(name);
    if (input.key !== undefined) {
      const seen = this.#dedupe.get(name, input.key, input.time);
      if (seen !== undefined) return Promise.resolve({ offset: seen, epoch: topic.epoch, duplicate: true });
    }
    const offset = ++topic.head;
    topic.slots.push({ time: input.time, data: input.data, bytes: input.bytes });
    topic.bytes += input.bytes;
    if (input.key !== undefined) this.#dedupe.set(name, input.key, offset, input.time);
    const policy = this.#policyFor(name);
    // The newest message always stays, even when it alone is over maxBytes.
    while (topic.count > 1 && (topic.count > policy.maxMessages || topic.bytes > policy.maxBytes)) {
      topic.dropOldest();
    }
    return Promise.resolve({ offset, epoch: topic.epoch, duplicate: false });
  }

  async read(name: string, after: number, limit: number): Promise<StoredMessage[]> {
    const topic = this.#topics.get(name);
    if (!topic) return [];
    const from = Math.max(after + 1, topic.earliest);
    const out: StoredMessage[] = [];
    for (let offset = from; offset <= topic.head && out.length < limit; offset++) {
      const slot = topic.slots[topic.first + (offset - topic.earliest)] as Slot;
      out.push({ offset, time: slot.time, data: slot.data });
    }
    return out;
  }

  list(prefix: string, limit: number): TopicInfo[] {
    const names = [...this.#topics.keys()].filter((n) => n.startsWith(prefix)).sort();
    return names.slice(0, limit).map((topic) => {
      const t = this.#topics.get(topic) as MemoryTopic;
      return { topic, bytes: t.bytes, ...t.bounds() };
    });
  }

  #sweep(now: number): void {
    this.#dedupe.expire(now);
    for (const [name, topic] of this.#topics) {
      if (topic.count === 0) continue;
      const cutoff = now - this.#policyFor(name).maxAgeMs;
      while (topic.count > 0 && (topic.slots[topic.first] as Slot).time <= cutoff) topic.dropOldest();
    }
  }

  /** Runs the age sweep now, as of `now` (ms). */
  sweepNow(now = Date.now()): void {
    this.#sweep(now);
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
  }
}
