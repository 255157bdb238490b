/**
 * /metrics: createMetrics() against a real Hub and MemoryLogStore with in-memory
 * connections, reading the Prometheus text it renders.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Hub } from '../../server/hub/hub.js';
import { createMetrics, type Metrics } from '../../server/metrics.js';
import { MemoryLogStore } from '../../server/store/memory-log-store.js';
import type { TopicPolicy } from '../../server/store/log-store.js';
import type { Connection, ConnectionEvents, ConnectionKind, SendResult, TextFrame } from '../../server/transport/connection.js';
import { TRANSPORTS, removeDir, startHub, type HubProcess } from '../helpers/hub-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';

const MAX_BUFFERED = 1024 * 1024;

const POLICY: TopicPolicy = {
  maxMessages: 1_000_000, maxBytes: 1e12, maxAgeMs: 1e12, storage: 'memory', fsync: 'interval',
};

/** A connection that keeps what it is sent; `bufferedBytes` is set by the test to fake a slow reader. */
class FakeConnection implements Connection {
  readonly transport: ConnectionKind;
  readonly remoteAddress = '127.0.0.1';
  bufferedBytes = 0;
  /** Every frame sent, as text. */
  readonly frames: string[] = [];
  readonly #parsed: Array<Record<string, unknown>> = [];
  readonly #replies = new Map<number, Record<string, unknown>>();
  readonly #messages = new Map<string, number>();
  /** Their total `length`, as the hub counts it. */
  sentLength = 0;
  closedWith: { code: number; reason: string } | undefined;
  events!: ConnectionEvents;
  /** Once this many message frames arrived, `bufferedBytes` becomes `stallBytes`: a reader falling behind. */
  stallAfter: number | undefined;
  stallBytes = 0;
  #messageFrames = 0;
  #nextId = 1;

  constructor(transport: ConnectionKind) {
    this.transport = transport;
  }

  send(frame: TextFrame): SendResult {
    const text = frame.toString();
    this.frames.push(text);
    this.sentLength += frame.length;
    const parsed = JSON.parse(text) as Record<string, unknown>;
    this.#parsed.push(parsed);
    if (parsed.op === 'reply') this.#replies.set(parsed.id as number, parsed);
    if (parsed.op === 'message') {
      const topic = parsed.topic as string;
      this.#messages.set(topic, (this.#messages.get(topic) ?? 0) + 1);
      if (++this.#messageFrames === this.stallAfter) this.bufferedBytes = this.stallBytes;
    }
    return 'ok';
  }

  cork(fn: () => void): void {
    fn();
  }

  close(code: number, reason: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    // As a transport does: the close is reported a little later.
    setImmediate(() => this.events.onClose(code, reason));
  }

  terminate(): void {}

  /** Sends a text frame to the hub; returns its id when it is a request. */
  request(frame: Record<string, unknown>): number {
    const id = this.#nextId++;
    this.events.onText(JSON.stringify({ ...frame, id }));
    return id;
  }

  parsed(): Array<Record<string, unknown>> {
    return this.#parsed;
  }

  reply(id: number): Record<string, unknown> | undefined {
    return this.#replies.get(id);
  }

  messages(topic: string): number {
    return this.#messages.get(topic) ?? 0;
  }
}

/** `name{labels}` → value, from the text exposition format. */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    assert.ok(m, `not an exposition line: ${line}`);
    out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

function key(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}

class Scrape {
  readonly values: Map<string, number>;
  readonly text: string;
  constructor(text: string) {
    this.text = text;
    this.values = parse(text);
  }

  get(name: string, labels?: Record<string, string>): number {
    const k = key(name, labels);
    const v = this.values.get(k);
    assert.ok(v !== undefined, `no sample ${k} in:\n${this.text}`);
    return v;
  }
}

describe('metrics', () => {
  let store: MemoryLogStore;
  let hub: Hub;
  let metrics: Metrics;
  const conns: FakeConnection[] = [];

  const scrape = async (): Promise<Scrape> => new Scrape(await metrics.render());
  const open = (transport: ConnectionKind): FakeConnection => {
    const conn = new FakeConnection(transport);
    conn.events = hub.onOpen(conn, { url: '/ws', query: new URLSearchParams(), headers: {} });
    conns.push(conn);
    return conn;
  };
  /** Publishes and waits for every ack. */
  const publish = async (pub: FakeConnection, topic: string, count: number, key?: (i: number) => string): Promise<void> => {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(pub.request({ op: 'publish', topic, data: { i }, ...(key && { key: key(i) }) }));
    await until(() => ids.every((id) => pub.reply(id)), `${count} publish replies`);
  };
  const replied = (conn: FakeConnection, id: number): Promise<Record<string, unknown>> =>
    until(() => conn.reply(id), `reply ${id}`);

  before(async () => {
    store = new MemoryLogStore({ policyFor: () => POLICY, dedupeWindowMs: 60_000 });
    await store.open();
    hub = new Hub({
      store, log: pino({ level: 'silent' }), heartbeatMs: 60_000, maxPayloadBytes: 64 * 1024,
      maxSubscriptions: 100, maxBufferedBytes: MAX_BUFFERED, handshakeTimeoutMs: 10_000,
      maxConnections: 0, maxConnectionsPerIp: 0, maxPublishRate: 0, maxFrameRate: 0,
    });
    metrics = createMetrics({ hub, store });
  });
  after(async () => {
    for (const c of conns) if (!c.closedWith) c.events.onClose(1000, 'test over');
    await store.close();
  });

  it('renders Prometheus text with our metrics at zero and the process metrics, all prefixed', async () => {
    assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
    const s = await scrape();
    for (const t of ['uws', 'ws', 'sse']) assert.equal(s.get('tidings_connections', { transport: t }), 0);
    assert.equal(s.get('tidings_subscriptions', { kind: 'exact' }), 0);
    assert.equal(s.get('tidings_subscriptions', { kind: 'wildcard' }), 0);
    for (const result of ['stored', 'duplicate', 'failed']) assert.equal(s.get('tidings_publishes_total', { result }), 0);
    assert.equal(s.get('tidings_deliveries_total'), 0);
    assert.equal(s.get('tidings_errors_total', { code: 'bad_request' }), 0);
    assert.equal(s.get('tidings_store_append_duration_seconds_count'), 0);
    assert.equal(s.get('tidings_replay_lag_messages_count'), 0);
    assert.equal(s.get('tidings_retained_topics'), 0);
    // Node's process metrics, from collectDefaultMetrics.
    assert.ok(s.get('tidings_process_cpu_user_seconds_total') >= 0);
    assert.ok(s.get('tidings_process_resident_memory_bytes') > 0);
    assert.ok(s.get('tidings_nodejs_heap_size_used_bytes') > 0);
    for (const line of s.text.split('\n')) {
      if (!line) continue;
      const name = line.startsWith('#') ? line.split(' ')[2] : line.split(/[{ ]/)[0];
      assert.ok(name?.startsWith('tidings_'), `unprefixed metric: ${line}`);
    }
    // Conventions: counters end in _total; base units.
    for (const [, name, type] of s.text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      if (type === 'counter') assert.match(name as string, /_total$/);
      assert.doesNotMatch(name as string, /_(ms|milliseconds|kb|kib)(_|$)/);
    }
  });

  it('counts connections by transport and subscriptions by kind, and forgets them when they go', async () => {
    const a = open('ws');
    const b = open('uws');
    const c = open('sse');
    await replied(a, a.request({ op: 'subscribe', topic: 'm.conn.x' }));
    await replied(a, a.request({ op: 'subscribe', topic: 'm.conn.*' }));
    await replied(b, b.request({ op: 'subscribe', topic: 'm.conn.x' }));
    let s = await scrape();
    assert.equal(s.get('tidings_connections', { transport: 'ws' }), 1);
    assert.equal(s.get('tidings_connections', { transport: 'uws' }), 1);
    assert.equal(s.get('tidings_connections', { transport: 'sse' }), 1);
    assert.equal(s.get('tidings_subscriptions', { kind: 'exact' }), 2);
    assert.equal(s.get('tidings_subscriptions', { kind: 'wildcard' }), 1);
    for (const conn of [a, b, c]) conn.close(1000, 'bye');
    await until(() => hub.sessions.size === 0, 'sessions to end');
    s = await scrape();
    assert.equal(s.get('tidings_connections', { transport: 'ws' }), 0);
    assert.equal(s.get('tidings_subscriptions', { kind: 'exact' }), 0);
    assert.equal(s.get('tidings_subscriptions', { kind: 'wildcard' }), 0);
  });

  it('counts publishes, deliveries to every subscriber, append latency and bytes both ways', async () => {
    const before = await scrape();
    const pub = open('ws');
    const subs = [open('ws'), open('uws'), open('sse')];
    await replied(subs[0]!, subs[0]!.request({ op: 'subscribe', topic: 'm.pub.a' }));
    await replied(subs[1]!, subs[1]!.request({ op: 'subscribe', topic: 'm.pub.a' }));
    await replied(subs[2]!, subs[2]!.request({ op: 'subscribe', topic: 'm.pub.>' }));
    const n = 50;
    await publish(pub, 'm.pub.a', n);
    await publish(pub, 'm.pub.b', 5, (i) => `k${i}`);
    await publish(pub, 'm.pub.b', 5, (i) => `k${i}`); // the same keys again: duplicates
    await until(() => subs[2]!.messages('m.pub.b') === 5 && subs.every((c) => c.messages('m.pub.a') === n), 'deliveries');
    const s = await scrape();
    const delta = (name: string, labels?: Record<string, string>): number => s.get(name, labels) - before.get(name, labels);
    assert.equal(delta('tidings_publishes_total', { result: 'stored' }), n + 5);
    assert.equal(delta('tidings_publishes_total', { result: 'duplicate' }), 5);
    assert.equal(delta('tidings_publishes_total', { result: 'failed' }), 0);
    // n to each of 3 subscribers, 5 to the wildcard one.
    assert.equal(delta('tidings_deliveries_total'), 3 * n + 5);
    assert.equal(delta('tidings_replayed_messages_total'), 0);
    // Every store append resolved is timed (duplicates too).
    assert.equal(delta('tidings_store_append_duration_seconds_count'), n + 10);
    assert.ok(delta('tidings_store_append_duration_seconds_sum') > 0);
    assert.ok(delta('tidings_store_append_duration_seconds_bucket', { le: '1' }) === n + 10);
    // Bytes: what the hub was handed and what it handed the connections, to the unit.
    const received = conns.reduce((sum, c) => sum + c.sentLength, 0);
    assert.equal(s.get('tidings_sent_bytes_total'), received);
    assert.ok(delta('tidings_received_bytes_total') > n * '{"op":"publish","topic":"m.pub.a","data":{"i":0},"id":1}'.length);
    // Bytes out include the frames to the subscribers.
    const frameLength = subs[0]!.frames.find((f) => f.includes('"op":"message"'))!.length;
    assert.ok(delta('tidings_sent_bytes_total') > 3 * n * frameLength);
  });

  it('counts the bytes of received frames exactly as their length', async () => {
    const before = (await scrape()).get('tidings_received_bytes_total');
    const conn = open('uws');
    const frame = JSON.stringify({ op: 'ping', id: 1 });
    conn.events.onText(frame);
    conn.events.onText(frame);
    assert.equal((await scrape()).get('tidings_received_bytes_total') - before, 2 * frame.length);
  });

  it('counts error replies and error frames by code', async () => {
    const before = await scrape();
    const conn = open('ws');
    await replied(conn, conn.request({ op: 'unsubscribe', topic: 'm.err.none' }));
    await replied(conn, conn.request({ op: 'unsubscribe', topic: 'm.err.none' }));
    await replied(conn, conn.request({ op: 'publish', topic: 'bad topic!', data: 1 }));
    conn.events.onText('not json');
    await until(() => conn.parsed().some((f) => f.op === 'error'), 'an error frame');
    const s = await scrape();
    const delta = (code: string): number => s.get('tidings_errors_total', { code }) - before.get('tidings_errors_total', { code });
    assert.equal(delta('not_subscribed'), 2);
    assert.equal(delta('invalid_topic'), 1);
    assert.equal(delta('bad_request'), 1);
    assert.equal(delta('internal'), 0);
  });

  it('counts a slow consumer closed with 4009', async () => {
    const before = (await scrape()).get('tidings_slow_consumer_closes_total');
    const pub = open('ws');
    const slow = open('ws');
    await replied(slow, slow.request({ op: 'subscribe', topic: 'm.slow' }));
    slow.bufferedBytes = MAX_BUFFERED + 1;
    await publish(pub, 'm.slow', 1);
    await until(() => slow.closedWith, 'the slow consumer to be closed');
    assert.equal(slow.closedWith?.code, 4009);
    assert.equal((await scrape()).get('tidings_slow_consumer_closes_total') - before, 1);
  });

  it('shows a replaying subscriber in the lag histogram, as a snapshot that empties once it is live', async () => {
    const pub = open('ws');
    await publish(pub, 'm.lag', 2000);
    const before = await scrape();
    const reader = open('uws');
    // After one page, the reader's transport holds more than a replay's low-water mark
    // (but under the slow-consumer limit): the replay waits for a drain.
    reader.stallAfter = 256;
    reader.stallBytes = MAX_BUFFERED / 2;
    await replied(reader, reader.request({ op: 'subscribe', topic: 'm.lag', from: { earliest: true } }));
    await until(() => reader.messages('m.lag') === 256, 'one page of replay');
    for (let i = 0; i < 2; i++) {
      const s = await scrape();
      assert.equal(s.get('tidings_replay_lag_messages_count'), 1);
      assert.equal(s.get('tidings_replay_lag_messages_sum'), 2000 - 256);
      assert.equal(s.get('tidings_replay_lag_messages_bucket', { le: '1000' }), 0);
      assert.equal(s.get('tidings_replay_lag_messages_bucket', { le: '10000' }), 1);
      assert.equal(s.get('tidings_replayed_messages_total') - before.get('tidings_replayed_messages_total'), 256);
    }
    reader.bufferedBytes = 0;
    reader.events.onDrain();
    await until(() => reader.messages('m.lag') === 2000, 'the whole replay');
    await until(() => hub.topics.get('m.lag')?.subscribers.values().next().value?.state === 'live', 'live');
    const s = await scrape();
    assert.equal(s.get('tidings_replay_lag_messages_count'), 0);
    assert.equal(s.get('tidings_replay_lag_messages_sum'), 0);
    assert.equal(s.get('tidings_replayed_messages_total') - before.get('tidings_replayed_messages_total'), 2000);
    assert.equal(s.get('tidings_deliveries_total') - before.get('tidings_deliveries_total'), 2000);
  });

  it('reports what the store retains, as the store lists it', async () => {
    const s = await scrape();
    const topics = store.list('', Infinity);
    assert.ok(topics.length >= 4);
    assert.equal(s.get('tidings_retained_topics'), topics.length);
    assert.equal(s.get('tidings_retained_messages'), topics.reduce((n, t) => n + t.head - t.earliest + 1, 0));
    assert.equal(s.get('tidings_retained_bytes'), topics.reduce((n, t) => n + t.bytes, 0));
    // Known from the tests above: 50 + 5 + 1 + 2000 messages.
    assert.equal(s.get('tidings_retained_messages'), 50 + 5 + 1 + 2000);
    // Each data is {"i":N}: 7 bytes for one digit, 8 for two, …
    const dataBytes = (count: number): number => Array.from({ length: count }, (_, i) => JSON.stringify({ i }).length).reduce((a, b) => a + b, 0);
    assert.equal(s.get('tidings_retained_bytes'), dataBytes(50) + dataBytes(5) + dataBytes(1) + dataBytes(2000));
  });

  it('keeps each createMetrics in its own registry', async () => {
    const other = createMetrics({ hub, store });
    const [a, b] = [new Scrape(await metrics.render()), new Scrape(await other.render())];
    assert.equal(a.get('tidings_publishes_total', { result: 'stored' }), b.get('tidings_publishes_total', { result: 'stored' }));
    assert.equal(a.get('tidings_retained_messages'), b.get('tidings_retained_messages'));
  });

  it('counts a publish refused while shutting down as failed', async () => {
    const before = (await scrape()).get('tidings_publishes_total', { result: 'failed' });
    hub.closing = true;
    try {
      await assert.rejects(hub.append('m.closing', { data: '1', bytes: 1, time: Date.now() }), /shutting down/);
    } finally {
      hub.closing = false;
    }
    assert.equal((await scrape()).get('tidings_publishes_total', { result: 'failed' }) - before, 1);
  });
});

for (const transport of TRANSPORTS) {
  describe(`GET /metrics over ${transport}`, () => {
    let proc: HubProcess;
    const clients: RawClient[] = [];
    const scrape = async (): Promise<Scrape> => {
      const res = await fetch(`${proc.httpUrl}/metrics`);
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      return new Scrape(text);
    };
    before(async () => {
      proc = await startHub({ transport });
    });
    after(async () => {
      for (const c of clients) c.terminate();
      await proc.stop();
      removeDir(proc.dataDir);
    });

    it('moves the counters with real traffic', async () => {
      const before = await scrape();
      const delta = (s: Scrape, name: string, labels?: Record<string, string>): number => s.get(name, labels) - before.get(name, labels);
      const pub = await RawClient.connect(proc.url);
      const subs = [await RawClient.connect(proc.url), await RawClient.connect(proc.url)];
      clients.push(pub, ...subs);
      for (const sub of subs) await sub.request({ op: 'subscribe', topic: 'e2e.metrics' });
      const n = 20;
      await Promise.all(Array.from({ length: n }, (_, i) => pub.request({ op: 'publish', topic: 'e2e.metrics', data: { i } })));
      for (const sub of subs) await sub.waitForMessages('e2e.metrics', n);
      assert.ok((await pub.request({ op: 'unsubscribe', topic: 'e2e.none' })).error);

      const s = await scrape();
      assert.equal(s.get('tidings_connections', { transport }), 3);
      assert.equal(s.get('tidings_subscriptions', { kind: 'exact' }), 2);
      assert.equal(delta(s, 'tidings_publishes_total', { result: 'stored' }), n);
      assert.equal(delta(s, 'tidings_deliveries_total'), 2 * n);
      assert.equal(delta(s, 'tidings_store_append_duration_seconds_count'), n);
      assert.equal(delta(s, 'tidings_errors_total', { code: 'not_subscribed' }), 1);
      assert.ok(delta(s, 'tidings_received_bytes_total') > n * 40);
      assert.ok(delta(s, 'tidings_sent_bytes_total') > 2 * n * 60);
      assert.equal(s.get('tidings_retained_messages'), n);
      assert.ok(s.get('tidings_process_resident_memory_bytes') > 0);

      for (const c of clients) c.close();
      const gone = await pollScrape(scrape, (x) => x.get('tidings_connections', { transport }) === 0);
      assert.equal(gone.get('tidings_subscriptions', { kind: 'exact' }), 0);
    });
  });
}

/** Scrapes until `ok` holds (closes reach the hub a moment after the client sends them). */
async function pollScrape(scrape: () => Promise<Scrape>, ok: (s: Scrape) => boolean, timeoutMs = 10_000): Promise<Scrape> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await scrape();
    if (ok(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out polling /metrics:\n${s.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
