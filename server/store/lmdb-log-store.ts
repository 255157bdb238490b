/**
 * The embedded, persisted log (`storage: "disk"`): one LMDB file holds every
 * topic, so 100,000 topics need no more open files than one.
 *
 * Durability (PROTOCOL.md §6): the appends of one event-loop turn are written as
 * one synchronous transaction (group commit). An append resolves once its
 * transaction is committed,
 * which survives `kill -9`; under `fsync: "always"` only once it is also flushed
 * to disk. LMDB flushes every commit in the background right after it lands;
 * under `fsync: "interval"` appends wait for that flush when it falls more than
 * `fsyncIntervalMs` behind, so an OS crash loses at most that interval. After an
 * OS restart that followed an unclean stop, every interval topic gets a new epoch.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { FlushAcks } from './flush-acks.js';
import { TEST_BOOT_ID, faultsEnabled, flushFaults, killPoint, readFault } from './fault-points.js';
import { checkStoreOrThrow } from './store-check.js';
import { TidingsError } from '../../shared/errors.js';
import { DedupeWindow } from './dedupe-window.js';
import { currentBootId, newEpoch } from './epoch.js';
import {
  READABLE_FORMATS, STORE_FORMAT_VERSION, dataBytes, decodeValue, encodeValue, measureValue, type StoreState, type TopicRecord,
} from './lmdb-records.js';
import type {
  AppendInput, AppendResult, LogStore, PolicyResolver, StoredMessage, TopicBounds, TopicInfo,
} from './log-store.js';

/** How often messages past their age are dropped, and expired dedupe keys. */
const AGE_SWEEP_INTERVAL_MS = 1000;
/** Bound on messages removed by one age sweep, so a sweep never stalls appends. */
const MAX_AGE_TRIMS_PER_SWEEP = 50_000;

export interface StoreLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface LmdbLogStoreOptions {
  /** Folder holding `tidings.mdb`; created if missing. */
  dir: string;
  policyFor: PolicyResolver;
  dedupeWindowMs: number;
  /** Under `fsync: "interval"`, the most an OS crash may lose, in ms. */
  fsyncIntervalMs: number;
  log?: StoreLogger;
  /** Identifies this OS boot; tests stand in for a reboot by changing it. */
  bootId?: string;
  /** Read the whole file in a child process before opening it (store-check.ts); default true. */
  check?: boolean;
}

interface Topic extends TopicRecord {
  name: string;
  /** Time of the oldest retained message, or a lower bound of it. */
  oldestTime: number;
  /** First offset written by the transaction being built (0: none), and the sizes since. */
  batchFirst: number;
  batchSizes: number[];
}

interface Pending {
  topic: string;
  input: AppendInput;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** What a batch changed, so a failed commit can put memory back as it was. */
interface Undo {
  topics: Map<Topic, TopicRecord & { oldestTime: number }>;
  created: Topic[];
  keys: Array<[string, string]>;
}

const noopLog: StoreLogger = { info() {}, warn() {}, error() {} };

export class LmdbLogStore implements LogStore {
  readonly #opts: LmdbLogStoreOptions;
  readonly #log: StoreLogger;
  readonly #topics = new Map<string, Topic>();
  readonly #byId = new Map<number, Topic>();
  readonly #dedupe: DedupeWindow;
  #env!: RootDatabase;
  #messages!: Database<string, [number, number]>;
  #topicDb!: Database<TopicRecord, string>;
  #keyDb!: Database<number, [number, number, string]>;
  #metaDb!: Database<StoreState, string>;
  #nextId = 1;
  #pending: Pending[] = [];
  #inFlight: Promise<void> | undefined;
  #scheduled = false;
  #sweepDue = false;
  /** Test-only steps after each flush (fault-points.ts); undefined in production. */
  readonly #flushFaults = flushFaults((path) => this.#env.backup(path, false));
  /** Topics with a message that failed its checksum, and the highest such offset. */
  readonly #damagedUpTo = new Map<Topic, number>();
  /** Time the next sweep runs as of (now when unset), and who waits for it. */
  #sweepAt: number | undefined;
  #sweepWaiters: Array<() => void> = [];
  #closed = false;
  #sweeper: NodeJS.Timeout | undefined;
  readonly #acks: FlushAcks;

  constructor(opts: LmdbLogStoreOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? noopLog;
    this.#dedupe = new DedupeWindow(opts.dedupeWindowMs);
    this.#acks = new FlushAcks(opts.fsyncIntervalMs, (topic) => opts.policyFor(topic).fsync === 'always');
  }

  async open(): Promise<void> {
    mkdirSync(this.#opts.dir, { recursive: true });
    const damaged = this.#opts.check === false ? {} : await checkStoreOrThrow(this.#opts.dir, this.#log);
    this.#env = open({ path: join(this.#opts.dir, 'tidings.mdb'), maxDbs: 8 });
    this.#messages = this.#env.openDB({ name: 'messages', encoding: 'string' });
    this.#topicDb = this.#env.openDB({ name: 'topics' });
    this.#keyDb = this.#env.openDB({ name: 'keys' });
    this.#metaDb = this.#env.openDB({ name: 'meta' });
    const previous = this.#metaDb.get('state');
    if (previous && !READABLE_FORMATS.includes(previous.version)) {
      throw new Error(`store format ${String(previous.version)} in ${this.#opts.dir} is not supported by this version`);
    }
    this.#loadTopics();
    const bootId = this.#opts.bootId ?? TEST_BOOT_ID ?? currentBootId();
    if (previous && !previous.clean && previous.bootId !== bootId) await this.#renewIntervalEpochs();
    this.#loadKeys(Date.now());
    for (const [name, offset] of Object.entries(damaged)) {
      const topic = this.#topics.get(name);
      if (topic) this.#damaged(topic, offset);
    }
    await this.#metaDb.put('state', { version: STORE_FORMAT_VERSION, bootId, clean: false });
    await this.#env.flushed;
    this.#sweeper = setInterval(() => {
      this.#sweepDue = true;
      this.#schedule();
    }, AGE_SWEEP_INTERVAL_MS);
    this.#sweeper.unref();
  }

  #loadTopics(): void {
    for (const { key, value } of this.#topicDb.getRange()) {
      const topic: Topic = { ...value, name: key, oldestTime: 0, batchFirst: 0, batchSizes: [] };
      const first = topic.head >= topic.earliest ? this.#messages.getBinaryFast([topic.id, topic.earliest]) : undefined;
      if (first) topic.oldestTime = measureValue(first).time;
      this.#topics.set(key, topic);
      this.#byId.set(topic.id, topic);
      if (topic.id >= this.#nextId) this.#nextId = topic.id + 1;
    }
  }

  /** The OS restarted after an unclean stop: acked but unflushed messages may be gone. */
  async #renewIntervalEpochs(): Promise<void> {
    const renewed: string[] = [];
    await this.#env.batch(() => {
      for (const topic of this.#topics.values()) {
        if (this.#opts.policyFor(topic.name).fsync !== 'interval') continue;
        topic.epoch = newEpoch();
        this.#topicDb.put(topic.name, this.#record(topic));
        renewed.push(topic.name);
      }
    });
    this.#log.warn(
      { topics: renewed.length, sample: renewed.slice(0, 10) },
      'the OS restarted since the store was last open and it was not closed cleanly: ' +
        'topics under fsync "interval" may have lost their newest messages, so they get new epochs',
    );
  }

  #loadKeys(now: number): void {
    const cutoff = now - this.#opts.dedupeWindowMs;
    for (const { key, value } of this.#keyDb.getRange({ start: [cutoff, 0, ''] })) {
      const topic = this.#byId.get(key[1]);
      if (topic) this.#dedupe.set(topic.name, key[2], value, key[0]);
    }
  }

  #record(t: Topic): TopicRecord {
    return { id: t.id, epoch: t.epoch, head: t.head, earliest: t.earliest, bytes: t.bytes };
  }

  #topic(name: string, undo?: Undo): Topic {
    let topic = this.#topics.get(name);
    if (!topic) {
      topic = { name, id: this.#nextId++, epoch: newEpoch(), head: 0, earliest: 1, bytes: 0, oldestTime: 0, batchFirst: 0, batchSizes: [] };
      this.#topics.set(name, topic);
      this.#byId.set(topic.id, topic);
      undo?.created.push(topic);
    }
    return topic;
  }

  async touch(name: string): Promise<TopicBounds> {
    const known = this.#topics.get(name);
    if (known) return bounds(known);
    if (this.#closed) throw new TidingsError('unavailable', 'the store is closing');
    const topic = this.#topic(name);
    try {
      await this.#topicDb.put(name, this.#record(topic));
    } catch (cause) {
      this.#forget(topic);
      throw new TidingsError('unavailable', 'the store cannot take writes now', { cause });
    }
    return bounds(topic);
  }

  bounds(name: string): TopicBounds | undefined {
    const topic = this.#topics.get(name);
    return topic && bounds(topic);
  }

  forget(name: string): void {
    const topic = this.#topics.get(name);
    if (!topic || topic.head !== 0 || this.#closed || this.#pending.some((p) => p.topic === name)) return;
    this.#forget(topic);
    // Queued after the touch's put, so the record ends up gone; a failed delete only leaves it behind.
    this.#topicDb.remove(name).catch((err: unknown) => this.#log.warn({ err, topic: name }, 'dropping an empty topic failed'));
  }

  append(topic: string, input: AppendInput): Promise<AppendResult> {
    if (this.#closed) return Promise.reject(new TidingsError('unavailable', 'the store is closing'));
    return new Promise((resolve, reject) => {
      this.#pending.push({ topic, input, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#issue();
    });
  }

  /** Writes everything pending as one transaction; the next waits for its commit. */
  #issue(): void {
    if (this.#inFlight || (this.#pending.length === 0 && !this.#sweepDue && this.#damagedUpTo.size === 0)) return;
    const batch = this.#pending;
    this.#pending = [];
    const sweep = this.#sweepDue;
    const sweepAt = this.#sweepAt ?? Date.now();
    const sweepWaiters = this.#sweepWaiters;
    this.#sweepDue = false;
    this.#sweepAt = undefined;
    this.#sweepWaiters = [];
    const undo: Undo = { topics: new Map(), created: [], keys: [] };
    const results: AppendResult[] = [];
    let commit: Promise<void>;
    try {
      // A synchronous commit: LMDB writes the pages and fdatasyncs the file on this
      // thread before returning (~0.3 ms here, under `fsync: interval` too; the
      // NO_SYNC_FLUSH flag does not change it), so `env.flushed` is already met after
      // it. An asynchronous one costs a round trip to LMDB's write thread instead.
      // This flush is what puts disk storage's delivery latency above memory's.
      if (faultsEnabled) killPoint('before-commit', batch.map((e) => e.topic));
      this.#env.transactionSync(() => {
        for (const entry of batch) results.push(this.#write(entry, undo));
        if (sweep) this.#sweepAges(sweepAt, undo);
        if (this.#damagedUpTo.size > 0) this.#dropDamaged(undo);
        for (const topic of undo.topics.keys()) this.#topicDb.put(topic.name, this.#record(topic));
      });
      if (faultsEnabled) killPoint('after-commit', batch.map((e) => e.topic));
      commit = Promise.resolve();
    } catch (cause) {
      commit = Promise.reject(cause);
    }
    this.#inFlight = commit.then(
      () => this.#settle(batch, results, undo.topics.keys()),
      (cause: unknown) => this.#fail(batch, undo, cause),
    ).finally(() => {
      for (const resolve of sweepWaiters) resolve();
      this.#inFlight = undefined;
      this.#schedule();
    });
  }

  #write(entry: Pending, undo: Undo): AppendResult {
    const { input } = entry;
    const topic = this.#topic(entry.topic, undo);
    if (input.key !== undefined) {
      const seen = this.#dedupe.get(entry.topic, input.key, input.time);
      if (seen !== undefined) return { offset: seen, epoch: topic.epoch, duplicate: true };
    }
    this.#remember(topic, undo);
    const offset = ++topic.head;
    this.#messages.put([topic.id, offset], encodeValue(input.time, input.data));
    topic.bytes += input.bytes;
    if (topic.batchFirst === 0) topic.batchFirst = offset;
    topic.batchSizes.push(input.bytes);
    if (topic.head === topic.earliest) topic.oldestTime = input.time;
    if (input.key !== undefined) {
      this.#dedupe.set(entry.topic, input.key, offset, input.time);
      this.#keyDb.put([input.time, topic.id, input.key], offset);
      undo.keys.push([entry.topic, input.key]);
    }
    const policy = this.#opts.policyFor(topic.name);
    // Count and byte retention; the newest message always stays.
    while (topic.earliest < topic.head && (topic.head - topic.earliest >= policy.maxMessages || topic.bytes > policy.maxBytes)) {
      this.#dropOldest(topic);
    }
    return { offset, epoch: topic.epoch, duplicate: false };
  }

  #remember(topic: Topic, undo: Undo): void {
    if (!undo.topics.has(topic)) undo.topics.set(topic, { ...this.#record(topic), oldestTime: topic.oldestTime });
  }

  #dropOldest(topic: Topic): void {
    const key: [number, number] = [topic.id, topic.earliest];
    let bytes: number;
    if (topic.batchFirst > 0 && topic.earliest >= topic.batchFirst) {
      // Written in the transaction being built, so not readable yet.
      bytes = topic.batchSizes[topic.earliest - topic.batchFirst] as number;
    } else {
      const raw = this.#messages.getBinaryFast(key);
      bytes = raw ? measureValue(raw).bytes : 0;
    }
    this.#messages.remove(key);
    topic.bytes -= bytes;
    topic.earliest++;
  }

  /** A message failed its checksum on read: it and the older ones of its topic are to go. */
  #damaged(topic: Topic, offset: number): void {
    if ((this.#damagedUpTo.get(topic) ?? 0) >= offset) return;
    this.#damagedUpTo.set(topic, offset);
    this.#log.error({ file: join(this.#opts.dir, 'tidings.mdb'), topic: topic.name, offset, earliest: topic.earliest },
      'a stored message failed its checksum (damaged on disk): it is not served; it and the older messages of the topic '
        + 'are dropped, and readers resuming before them are told truncated');
    if (!this.#closed) this.#schedule();
  }

  /**
   * Drops each damaged message with everything older in its topic, as retention
   * would: offsets keep naming the messages they named, and what is gone is
   * reported as truncated, never skipped silently.
   */
  #dropDamaged(undo: Undo): void {
    for (const [topic, offset] of this.#damagedUpTo) {
      this.#remember(topic, undo);
      while (topic.earliest <= Math.min(offset, topic.head)) this.#dropOldest(topic);
      if (topic.bytes < 0) topic.bytes = 0;
    }
    this.#damagedUpTo.clear();
  }

  #sweepAges(now: number, undo: Undo): void {
    this.#dedupe.expire(now);
    let budget = MAX_AGE_TRIMS_PER_SWEEP;
    for (const topic of this.#topics.values()) {
      if (topic.earliest > topic.head || budget <= 0) continue;
      const cutoff = now - this.#opts.policyFor(topic.name).maxAgeMs;
      if (topic.oldestTime > cutoff) continue;
      this.#remember(topic, undo);
      const range = this.#messages.getRange({ start: [topic.id, topic.earliest], end: [topic.id, topic.head + 1] });
      for (const { key, value } of range) {
        const time = decodeValue(value).time;
        if (time > cutoff || budget-- <= 0) {
          topic.oldestTime = time;
          break;
        }
        this.#messages.remove(key);
        topic.bytes -= dataBytes(value);
        topic.earliest = key[1] + 1;
      }
    }
    for (const { key } of this.#keyDb.getRange({ end: [now - this.#opts.dedupeWindowMs, 0, ''] })) this.#keyDb.remove(key);
  }

  /** Acknowledges a committed batch, in commit order, once durable under each topic's policy. */
  #settle(batch: Pending[], results: AppendResult[], touched: Iterable<Topic>): void {
    for (const topic of touched) {
      topic.batchFirst = 0;
      topic.batchSizes = [];
    }
    const flushed = Promise.resolve(this.#env.flushed).then(async () => {
      if (this.#flushFaults) await this.#flushFaults(batch.map((e) => e.topic));
    });
    this.#acks.committed(batch, results, flushed);
  }

  #fail(batch: Pending[], undo: Undo, cause: unknown): void {
    for (const [topic, before] of undo.topics) Object.assign(topic, before, { batchFirst: 0, batchSizes: [] });
    for (const topic of undo.created) this.#forget(topic);
    for (const [topic, key] of undo.keys) this.#dedupe.delete(topic, key);
    this.#log.warn({ err: cause, messages: batch.length }, 'store write failed; publishes answered unavailable');
    const error = new TidingsError('unavailable', 'the store cannot take writes now', { cause });
    for (const entry of batch) entry.reject(error);
  }

  #forget(topic: Topic): void {
    this.#topics.delete(topic.name);
    this.#byId.delete(topic.id);
  }

  /** Runs the age sweep as of `now` (ms) with the next write; resolves once it is committed. */
  sweepNow(now = Date.now()): Promise<void> {
    return new Promise((resolve) => {
      this.#sweepDue = true;
      this.#sweepAt = now;
      this.#sweepWaiters.push(resolve);
      this.#schedule();
    });
  }

  async read(name: string, after: number, limit: number): Promise<StoredMessage[]> {
    readFault(name);
    const topic = this.#topics.get(name);
    if (!topic || limit <= 0) return [];
    const from = Math.max(after + 1, topic.earliest);
    const out: StoredMessage[] = [];
    const range = this.#messages.getRange({ start: [topic.id, from], end: [topic.id, Number.MAX_SAFE_INTEGER], limit });
    for (const { key, value } of range) {
      const message = decodeValue(value);
      if (!message.intact) {
        // Never served: the page ends before it, and the message goes (see #dropDamaged).
        this.#damaged(topic, key[1]);
        break;
      }
      out.push({ offset: key[1], time: message.time, data: message.data });
    }
    return out;
  }

  list(prefix: string, limit: number): TopicInfo[] {
    const names = [...this.#topics.keys()].filter((n) => n.startsWith(prefix)).sort().slice(0, limit);
    return names.map((name) => {
      const t = this.#topics.get(name) as Topic;
      return { topic: name, bytes: t.bytes, ...bounds(t) };
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#sweeper);
    while (this.#inFlight || this.#pending.length > 0) {
      if (this.#inFlight) await this.#inFlight;
      else this.#issue();
    }
    await this.#acks.settled();
    await this.#metaDb.put('state', { version: STORE_FORMAT_VERSION, bootId: this.#opts.bootId ?? TEST_BOOT_ID ?? currentBootId(), clean: true });
    await this.#env.flushed;
    await this.#env.close();
  }
}

function bounds(t: Topic): TopicBounds {
  return { epoch: t.epoch, earliest: t.earliest, head: t.head };
}
