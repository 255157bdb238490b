/**
 * What the orchestrator asks a load-generator process to do, and what it
 * reports back over IPC. Each job runs a warm-up, then `windows` measured
 * windows of `windowMs` on the same connections: the repeats of one run.
 */
import type { Dialect } from './client.js';

export interface Target {
  url: string;
  dialect: Dialect;
  token?: string;
  /** Loopback source addresses to spread connections over. */
  localAddresses?: string[];
}

export interface Timing {
  warmupMs: number;
  windows: number;
  windowMs: number;
}

/** One publisher, `subscribers` receivers of one topic, publisher held back by deliveries. */
export interface FanoutJob extends Target, Timing {
  kind: 'fanout';
  subscribers: number;
  payloadBytes: number;
  /** Most messages the publisher may be ahead of the average subscriber. */
  window: number;
}

/** A fixed publish rate; each subscriber records publish-to-receive latency. */
export interface LatencyJob extends Target, Timing {
  kind: 'latency';
  subscribers: number;
  /** Messages per second; the whole rate when `publisher` is true, else none. */
  rate: number;
  payloadBytes: number;
  /** Whether this process publishes (URL mode runs one publisher among many workers). */
  publisher: boolean;
  /** Topic to use (URL mode lets the user pick). */
  topic: string;
}

/** Acked publishes over `topics` topics with `inflight` outstanding. */
export interface DurableJob extends Target, Timing {
  kind: 'durable';
  topics: number;
  inflight: number;
  payloadBytes: number;
}

/** Fill a backlog, then time one subscriber replaying it from the start. */
export interface CatchupJob extends Target {
  kind: 'catchup';
  backlog: number;
  payloadBytes: number;
  /** Replays of the same backlog, each by a new subscriber: the repeats. */
  replays: number;
}

/**
 * Open and subscribe `clients` idle connections, holding them at `checkpoint`
 * connections and at all of them until released each time, so the server's
 * memory can be read at both points.
 */
export interface ConnectionsJob extends Target {
  kind: 'connections';
  clients: number;
  checkpoint: number;
}

/** A few messages to each of `topics` topics. */
export interface TopicsJob extends Target {
  kind: 'topics';
  topics: number;
  perTopic: number;
  inflight: number;
}

export type Job = FanoutJob | LatencyJob | DurableJob | CatchupJob | ConnectionsJob | TopicsJob;

/** A measured window; `cpu` is the load generator's own use in % of one core. */
export interface WindowResult {
  cpu: number;
  /** Per-window figures, named by the job (`deliveries/s`, `publishes/s`…). */
  rates: Record<string, number>;
  /** Merged latency histogram counts (µs), for latency and durable jobs. */
  histogram?: number[];
}

export interface JobResult {
  windows: WindowResult[];
  /** Figures of one-shot jobs (catch-up, connections, topics). */
  figures?: Record<string, number>;
  curve?: Array<[number, number]>;
  cpu?: number;
}

export type WorkerMessage =
  /** Labels the orchestrator acts on: `replaying` (catch-up: sample the server's memory from now). */
  | { type: 'progress'; label: string; done: number; total: number }
  /** Connections job: everything is open; the orchestrator measures, then sends `release`. */
  | { type: 'holding'; figures: Record<string, number> }
  | { type: 'result'; result: JobResult }
  | { type: 'error'; message: string };

export type ParentMessage = { type: 'run'; job: Job } | { type: 'release' } | { type: 'stop' };
