/**
 * The log store: one append-only log per topic, with offsets 1, 2, 3, … and an
 * epoch. Implementations: MemoryLogStore, LmdbLogStore (and a distributed engine
 * later); one contract suite (test/server/store/contract.ts) runs against each.
 */

/**
 * Where a topic's log stands.
 *
 * Invariant (PROTOCOL.md §5): under one `epoch`, an offset names one message,
 * forever. The epoch is fixed when the topic is first touched and changes only
 * when the store can no longer vouch for the log's past (data lost, memory
 * storage restarted, an OS crash under `fsync: interval`).
 */
export interface TopicBounds {
  epoch: string;
  /** Oldest retained offset; `head + 1` when nothing is retained. */
  earliest: number;
  /** Newest offset written; 0 for an empty topic. */
  head: number;
}

export interface StoredMessage {
  offset: number;
  /** Server receive time, ms since the Unix epoch. */
  time: number;
  /** The message's `data`, as JSON text. */
  data: string;
}

export interface AppendInput {
  /** JSON text of the message's data. */
  data: string;
  /** UTF-8 size of `data`, counted against `maxBytes` retention. */
  bytes: number;
  time: number;
  /** Idempotency key: a repeat within the dedupe window appends nothing. */
  key?: string;
}

export interface AppendResult {
  offset: number;
  epoch: string;
  /** The key was seen within the dedupe window; `offset` is the first publish's. */
  duplicate: boolean;
}

/** How much of a topic's history is kept; the oldest messages go first. */
export interface RetentionPolicy {
  maxMessages: number;
  maxBytes: number;
  maxAgeMs: number;
}

export type StorageKind = 'disk' | 'memory';
export type FsyncMode = 'always' | 'interval';

/** Everything configured for one topic (resolved from its pattern). */
export interface TopicPolicy extends RetentionPolicy {
  storage: StorageKind;
  fsync: FsyncMode;
}

export type PolicyResolver = (topic: string) => TopicPolicy;

export interface TopicInfo extends TopicBounds {
  topic: string;
  /** Bytes of data retained. */
  bytes: number;
}

export interface LogStore {
  open(): Promise<void>;
  /** The topic's bounds, creating the topic and its epoch when unknown. */
  touch(topic: string): Promise<TopicBounds>;
  /** Bounds of a known topic, without creating it. */
  bounds(topic: string): TopicBounds | undefined;
  /**
   * Drops a topic that never had a message, once nothing uses it: a subscriber
   * that saw nothing loses nothing, and subscribes to ever new names must not grow
   * the store. A topic with messages (or with a write pending) is kept.
   */
  forget(topic: string): void;
  /**
   * Appends one message. Appends to one topic get offsets in call order. Resolves
   * once the message is stored under the topic's durability policy; rejects with
   * a TidingsError `unavailable` when it could not be stored (nothing was written).
   */
  append(topic: string, input: AppendInput): Promise<AppendResult>;
  /** Up to `limit` retained messages with offset > `after`, oldest first. */
  read(topic: string, after: number, limit: number): Promise<StoredMessage[]>;
  /** Known topics whose name starts with `prefix`, in name order. */
  list(prefix: string, limit: number): TopicInfo[];
  /** Writes everything pending, then releases the store. */
  close(): Promise<void>;
}
