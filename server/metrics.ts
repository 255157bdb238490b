/**
 * Prometheus metrics for `GET /metrics`, in a registry of their own.
 *
 * The hot paths never call prom-client: the hub counts in plain numbers
 * (`hub.stats`, server/hub/stats.ts) and the `collect` callbacks here copy those
 * totals into prom-client at scrape time. Gauges (connections, subscriptions,
 * replay lag, what the store retains) are computed fresh at each scrape. The
 * one exception is the store append histogram, observed once per append.
 *
 * No label names a connection or a topic: every label has a small, fixed set of values.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Hub } from './hub/hub.js';
import type { LogStore } from './store/log-store.js';
import type { ConnectionKind } from './transport/connection.js';

export interface Metrics {
  readonly contentType: string;
  render(): Promise<string>;
}

export const METRICS_PREFIX = 'tidings_';

/** Store append latency buckets, in seconds: 5 µs (memory) to 1 s (a slow fsync). */
export const APPEND_SECONDS_BUCKETS = [
  0.000005, 0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005,
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
];

/** Replay lag buckets, in messages behind the topic's head. */
export const LAG_MESSAGES_BUCKETS = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000];

/** Always shown, at 0 when none is open. */
const TRANSPORTS: readonly ConnectionKind[] = ['uws', 'ws', 'sse'];

/** What is computed once per scrape, by walking the hub and listing the store. */
interface Snapshot {
  connections: Map<string, number>;
  exactSubscriptions: number;
  wildcardSubscriptions: number;
  /** Messages behind head, one per replaying subscription. */
  lags: number[];
  topics: number;
  messages: number;
  bytes: number;
}

function takeSnapshot(hub: Hub, store: LogStore): Snapshot {
  const connections = new Map<string, number>(TRANSPORTS.map((t) => [t, 0]));
  for (const session of hub.sessions) {
    const transport = session.conn.transport;
    connections.set(transport, (connections.get(transport) ?? 0) + 1);
  }
  let exactSubscriptions = 0;
  const lags: number[] = [];
  for (const topic of hub.topics.values()) {
    exactSubscriptions += topic.subscribers.size;
    for (const sub of topic.subscribers) {
      if (sub.state === 'replaying') lags.push(Math.max(0, topic.deliveredHead - sub.cursor));
    }
  }
  let messages = 0;
  let bytes = 0;
  const topics = store.list('', Infinity);
  for (const t of topics) {
    if (t.head >= t.earliest) messages += t.head - t.earliest + 1;
    bytes += t.bytes;
  }
  return {
    connections, exactSubscriptions, wildcardSubscriptions: hub.wildcards.size, lags,
    topics: topics.length, messages, bytes,
  };
}

/** A registry with the hub's metrics and Node's process metrics; make one per hub. */
export function createMetrics(source: { hub: Hub; store: LogStore }): Metrics {
  const { hub, store } = source;
  const stats = hub.stats;
  const registry = new Registry();
  const registers = [registry];
  let snapshot: Snapshot | undefined;
  const current = (): Snapshot => (snapshot ??= takeSnapshot(hub, store));
  /** A counter copied from a running total at each scrape. */
  const counter = (name: string, help: string, total: () => number): void => {
    new Counter({ name, help, registers, collect() { this.reset(); this.inc(total()); } });
  };
  const gauge = (name: string, help: string, value: () => number): void => {
    new Gauge({ name, help, registers, collect() { this.set(value()); } });
  };

  collectDefaultMetrics({ register: registry, prefix: METRICS_PREFIX });

  new Gauge({
    name: 'tidings_connections',
    help: 'Connections open, by transport (uws or ws for WebSocket, sse for Server-Sent Events).',
    labelNames: ['transport'],
    registers,
    collect() {
      for (const [transport, n] of current().connections) this.set({ transport }, n);
    },
  });
  new Gauge({
    name: 'tidings_subscriptions',
    help: 'Subscriptions active, by kind (exact topic or wildcard pattern).',
    labelNames: ['kind'],
    registers,
    collect() {
      this.set({ kind: 'exact' }, current().exactSubscriptions);
      this.set({ kind: 'wildcard' }, current().wildcardSubscriptions);
    },
  });
  new Counter({
    name: 'tidings_publishes_total',
    help: 'Publishes (WebSocket and HTTP), by result: stored, duplicate (key seen within the dedupe window; not stored again) or failed.',
    labelNames: ['result'],
    registers,
    collect() {
      this.reset();
      this.inc({ result: 'stored' }, stats.publishesStored);
      this.inc({ result: 'duplicate' }, stats.publishesDuplicate);
      this.inc({ result: 'failed' }, stats.publishesFailed);
    },
  });
  counter('tidings_deliveries_total', 'Message frames queued for subscribers, live and replayed.',
    () => stats.liveDeliveries + stats.replayedMessages);
  counter('tidings_replayed_messages_total',
    'Message frames queued by replays of history (subscribe from), a part of tidings_deliveries_total.',
    () => stats.replayedMessages);
  counter('tidings_received_bytes_total',
    'Text frames received from clients, approximately: string length, which is bytes for ASCII JSON.',
    () => stats.receivedBytes);
  counter('tidings_sent_bytes_total',
    'Frames sent to clients (WebSocket frames, Server-Sent Events payloads), approximately: bytes of frames '
      + 'shared by many receivers, string length (bytes for ASCII JSON) of others; framing not included.',
    () => stats.sentBytes);
  counter('tidings_slow_consumer_closes_total',
    'Connections closed with 4009: too many bytes waiting for the client, or a replay overtaken by retention.',
    () => stats.slowConsumerCloses);
  counter('tidings_connections_refused_total',
    'Connections closed right after opening with 4008: over --max-connections or --max-connections-per-ip.',
    () => stats.connectionsRefused);
  counter('tidings_auth_failures_total',
    'Tokens refused on WebSocket connections (hello or ?token=): invalid, forged or expired; HTTP 401s are not counted.',
    () => stats.authFailures);
  new Counter({
    name: 'tidings_errors_total',
    help: 'Error replies and error frames sent to connections, by error code (PROTOCOL.md section 7).',
    labelNames: ['code'],
    registers,
    collect() {
      this.reset();
      for (const [code, n] of Object.entries(stats.errors)) this.inc({ code }, n);
    },
  });
  const appendSeconds = new Histogram({
    name: 'tidings_store_append_duration_seconds',
    help: 'Time from handing a publish to the store until it was stored (under the topic\'s fsync policy) or found a duplicate.',
    buckets: APPEND_SECONDS_BUCKETS,
    registers,
  });
  stats.appendTimers.add((seconds) => appendSeconds.observe(seconds));
  new Histogram({
    name: 'tidings_replay_lag_messages',
    help: 'Snapshot at scrape time, not cumulative: for each subscription still replaying history, '
      + 'messages between what it was last sent and the topic\'s head.',
    buckets: LAG_MESSAGES_BUCKETS,
    registers,
    collect() {
      this.reset();
      this.zero({}); // with nothing replaying: zero buckets rather than no series
      for (const lag of current().lags) this.observe(lag);
    },
  });
  gauge('tidings_retained_topics', 'Topics the store holds (each keeps its epoch and head even with no message retained).',
    () => current().topics);
  gauge('tidings_retained_messages', 'Messages retained in the store, all topics.', () => current().messages);
  gauge('tidings_retained_bytes',
    'Bytes of message data (its JSON) retained in the store, all topics; keys, times and indexes not included.',
    () => current().bytes);

  return {
    contentType: registry.contentType,
    async render() {
      // Every collect() runs within this call, before its first await: one snapshot serves them all.
      snapshot = undefined;
      const text = registry.metrics();
      snapshot = undefined;
      return text;
    },
  };
}
