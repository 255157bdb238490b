/** The client SDK against the real hub: resume exactly once, publishes stored once, errors, and a clean close. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { MemoryOffsetStore, TidingsClient, TidingsError, backoffDelay, type Message, type StateChange } from '../../client/index.js';
import { removeDir, startHub, tempDir, type HubProcess } from '../helpers/hub-process.js';
import { freePort, until } from '../helpers/wait.js';

const FAST = { initialMs: 50, maxMs: 300, factor: 2 };

function client(url: string, extra: ConstructorParameters<typeof TidingsClient>[1] = {}): TidingsClient {
  return new TidingsClient(url, { WebSocket, backoff: FAST, ...extra });
}

describe('client SDK', { timeout: 180_000 }, () => {
  const hubs: HubProcess[] = [];
  const clients: TidingsClient[] = [];
  const track = (c: TidingsClient): TidingsClient => (clients.push(c), c);
  after(async () => {
    for (const c of clients) c.close();
    for (const h of hubs) {
      await h.stop();
      removeDir(h.dataDir);
    }
  });

  it('connects, publishes with offsets, and delivers to callbacks and to for await', async () => {
    const hub = await startHub({ transport: 'uws', args: ['--max-payload', '1000'] });
    hubs.push(hub);
    const states: StateChange[] = [];
    const a = track(client(hub.url));
    a.on('state', (s) => states.push(s));
    const seen: number[] = [];
    const sub = a.subscribe<{ n: number }>('sdk.basic', (m) => seen.push(m.data.n));
    await new Promise((r) => sub.on('subscribed', r));
    assert.deepEqual(states.map((s) => s.to), ['connecting', 'connected']);
    const results = await Promise.all([1, 2, 3].map((n) => a.publish('sdk.basic', { n })));
    assert.deepEqual(results.map((r) => r.offset), [1, 2, 3]);
    await until(() => seen.length === 3, 'three messages');
    assert.deepEqual(seen, [1, 2, 3]);

    const iterated: number[] = [];
    const b = track(client(hub.url));
    const early = b.subscribe<{ n: number }>('sdk.basic', undefined, { from: 'earliest' });
    for await (const m of early) {
      iterated.push(m.data.n);
      if (iterated.length === 3) break;
    }
    assert.deepEqual(iterated, [1, 2, 3]);
    assert.equal(early.active, false, 'leaving for await unsubscribes');
  });

  it('rejects bad publishes with a TidingsError carrying the protocol code', async () => {
    const hub = hubs[0]!;
    const c = track(client(hub.url));
    await until(() => c.state === 'connected', 'connected');
    const codeOf = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'resolved';
      } catch (error) {
        assert.ok(error instanceof TidingsError, `a TidingsError, not ${String(error)}`);
        return error.code;
      }
    };
    assert.equal(await codeOf(c.publish('$reserved', 1)), 'invalid_topic');
    assert.equal(await codeOf(c.publish('a..b', 1)), 'invalid_topic');
    assert.equal(await codeOf(c.publish('sdk.big', 'x'.repeat(2000))), 'too_large');
    assert.throws(() => c.subscribe('chat.*', undefined, { from: 'earliest' }), (e: unknown) => e instanceof TidingsError && e.code === 'bad_request');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    assert.equal(await codeOf(c.publish('sdk.bad', circular)), 'bad_request');
    assert.equal(await codeOf(c.publish('sdk.bad', 10n)), 'bad_request');
    assert.equal(await codeOf(c.publish('sdk.bad', undefined)), 'bad_request');
    assert.equal(await codeOf(c.publish('sdk.bad', 1, { key: 'k'.repeat(129) })), 'bad_request');
    assert.equal(await codeOf(c.publish('sdk.bad', 1, { key: '' })), 'bad_request');
    // One key twice while the first waits: one publish, one answer for both.
    const [first, again] = await Promise.all([c.publish('sdk.key', 'a', { key: 'same' }), c.publish('sdk.key', 'a', { key: 'same' })]);
    assert.deepEqual(again, first);
    // The hub dedupes keys per topic: the same key on another topic is another publish.
    const other = await c.publish('sdk.key2', 'b', { key: 'same' });
    assert.equal(other.topic, 'sdk.key2');
    assert.equal(other.duplicate, false);
    assert.equal(await codeOf(c.publish(42 as unknown as string, 1)), 'invalid_topic');
    assert.throws(() => c.subscribe(42 as unknown as string), (e: unknown) => e instanceof TidingsError && e.code === 'invalid_topic');
    const queued = track(client(hub.url, { autoConnect: false, maxQueuedPublishes: 2 }));
    void queued.publish('sdk.q', 1).catch(() => {});
    void queued.publish('sdk.q', 2).catch(() => {});
    assert.equal(await codeOf(queued.publish('sdk.q', 3)), 'unavailable');
    queued.close();
  });

  it('resumes from a stored position in a new client, without replaying what was seen', async () => {
    const hub = hubs[0]!;
    const store = new MemoryOffsetStore();
    const pub = track(client(hub.url));
    const first = track(client(hub.url, { offsetStore: store }));
    const seen1: number[] = [];
    first.subscribe<number>('sdk.resume', (m) => seen1.push(m.data), { from: 'resume' });
    await until(() => first.state === 'connected' && store.get('sdk.resume'), 'first subscribed');
    for (let n = 1; n <= 5; n++) await pub.publish('sdk.resume', n);
    await until(() => seen1.length === 5, 'first five');
    first.close();
    for (let n = 6; n <= 10; n++) await pub.publish('sdk.resume', n);
    const seen2: number[] = [];
    const second = track(client(hub.url, { offsetStore: store }));
    second.subscribe<number>('sdk.resume', (m) => seen2.push(m.data), { from: 'resume' });
    await until(() => seen2.length === 5, 'the five published while away');
    assert.deepEqual(seen2, [6, 7, 8, 9, 10]);
  });

  it('across kill -9 and restart: every message once, in order, and every publish stored once', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const args = ['--port', String(port)];
    let hub = await startHub({ transport: 'ws', args, dataDir });
    const url = hub.url;
    const received: Array<Message<number>> = [];
    const sub = track(client(url));
    sub.subscribe<number>('sdk.crash', (m) => received.push(m), { from: 'earliest' });
    const pub = track(client(url, { maxQueuedPublishes: 5000 }));
    await until(() => sub.state === 'connected' && pub.state === 'connected', 'both connected');
    const total = 2000;
    let acked = 0;
    let duplicates = 0;
    // All sent at once; the hub dies while hundreds are in flight, some stored but not yet acknowledged.
    const publishes = Array.from({ length: total }, (_, i) =>
      pub.publish('sdk.crash', i + 1).then((r) => {
        acked++;
        if (r.duplicate) duplicates++;
      }),
    );
    await until(() => acked >= 300, '300 acks');
    await hub.kill9();
    hub = await startHub({ transport: 'ws', args, dataDir });
    hubs.push(hub);
    await Promise.all(publishes);
    assert.equal(acked, total);
    await until(() => received.length >= total, `${total} messages`, 30_000);
    // Informative: resends the hub had already stored come back as duplicates.
    process.stdout.write(`# publishes answered duplicate after the restart: ${duplicates}\n`);
    await new Promise((r) => setTimeout(r, 200));
    const offsets = received.map((m) => m.offset);
    assert.deepEqual(offsets, Array.from({ length: total }, (_, i) => i + 1), 'contiguous offsets, none twice');
    assert.deepEqual([...received.map((m) => m.data)].sort((x, y) => x - y), Array.from({ length: total }, (_, i) => i + 1), 'each publish stored once');
  });

  it('a replay that arrives in the same tick as its subscribe reply is seen once, across disconnect() and connect()', async () => {
    const hub = hubs[0]!;
    const pub = track(client(hub.url));
    for (let n = 1; n <= 20; n++) await pub.publish('sdk.sametick', n);
    const c = track(client(hub.url));
    const seen: number[] = [];
    const sub = c.subscribe<number>('sdk.sametick', (m) => seen.push(m.offset), { from: 'earliest' });
    await until(() => seen.length === 20, 'the replay');
    assert.equal(sub.position?.offset, 20, 'the position is the last message seen');
    c.disconnect();
    await pub.publish('sdk.sametick', 21);
    c.connect();
    await until(() => seen.length >= 21, 'the message published while away');
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seen, Array.from({ length: 21 }, (_, i) => i + 1));
  });

  it('keeps positions in memory by default: subscribing again with resume continues after the last message seen', async () => {
    const c = track(client(hubs[0]!.url));
    const seen: number[] = [];
    const first = c.subscribe<number>('sdk.default-store', (m) => seen.push(m.data), { from: 'earliest' });
    await new Promise((r) => first.on('subscribed', r));
    for (const n of [1, 2, 3]) await c.publish('sdk.default-store', n);
    await until(() => seen.length === 3, 'three messages');
    await first.unsubscribe();
    for (const n of [4, 5]) await c.publish('sdk.default-store', n);
    c.subscribe<number>('sdk.default-store', (m) => seen.push(m.data), { from: 'resume' });
    await until(() => seen.length === 5, 'the two published in between');
    assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  });

  it('client.subscription(topic) gives the subscription to share; a second subscribe says to use it', async () => {
    const c = track(client(hubs[0]!.url));
    const seen: string[] = [];
    const exact = c.subscribe<number>('sdk.share', (m) => seen.push(`first ${m.data}`));
    const wild = c.subscribe('sdk.*.shared');
    assert.equal(c.subscription('sdk.share'), exact);
    assert.equal(c.subscription('sdk.*.shared'), wild);
    assert.equal(c.subscription('sdk.other'), undefined);
    assert.throws(() => c.subscribe('sdk.share'), (e: unknown) =>
      e instanceof TidingsError && e.code === 'already_subscribed' && e.message.includes('client.subscription("sdk.share")'));
    // Another part of the app listens on the same subscription: both see each message.
    c.subscription<number>('sdk.share')!.on('message', (m) => seen.push(`second ${m.data}`));
    await new Promise((r) => exact.on('subscribed', r));
    await c.publish('sdk.share', 1);
    await until(() => seen.length === 2, 'both listeners');
    assert.deepEqual(seen, ['first 1', 'second 1']);
    await exact.unsubscribe();
    assert.equal(c.subscription('sdk.share'), undefined, 'gone once unsubscribed');
    c.subscribe('sdk.share');
  });

  it('client.unsubscribe(sub) ends the subscription and its for await', async () => {
    const c = track(client(hubs[0]!.url));
    const sub = c.subscribe('sdk.unsub');
    const loop = (async () => {
      for await (const _ of sub) void _;
      return 'ended';
    })();
    await c.unsubscribe(sub as never);
    assert.equal(sub.active, false);
    assert.equal(await loop, 'ended');
  });

  it('tells the application when a topic was reset (memory storage restarted) and resumes from the new log', async () => {
    const port = await freePort();
    const args = ['--port', String(port), '--storage', 'memory'];
    let hub = await startHub({ transport: 'uws', args });
    const c = track(client(hub.url));
    const resets: Array<{ epoch: string; earliest: number }> = [];
    const seen: number[] = [];
    const sub = c.subscribe<number>('sdk.reset', (m) => seen.push(m.data), { from: 'earliest' });
    sub.on('reset', (r) => resets.push(r));
    const pub = track(client(hub.url));
    for (let n = 1; n <= 3; n++) await pub.publish('sdk.reset', n);
    await until(() => seen.length === 3, 'three messages');
    const before = sub.position?.epoch;
    await hub.kill9();
    hub = await startHub({ transport: 'uws', args, dataDir: hub.dataDir });
    hubs.push(hub);
    await until(() => resets.length === 1, 'a reset event');
    assert.notEqual(resets[0]!.epoch, before, 'a new epoch');
    await until(() => pub.state === 'connected', 'publisher back');
    await pub.publish('sdk.reset', 100);
    await until(() => seen.length === 4, 'the message published after the restart');
    assert.deepEqual(seen, [1, 2, 3, 100]);
    // Again, with the new log holding messages before the subscriber is back: all of it comes, once, after the reset.
    c.disconnect();
    await hub.kill9();
    hub = await startHub({ transport: 'ws', args, dataDir: hub.dataDir });
    hubs.push(hub);
    await until(() => pub.state === 'connected', 'publisher back again');
    for (const n of [200, 201, 202, 203, 204]) await pub.publish('sdk.reset', n);
    const order: string[] = [];
    sub.on('reset', () => order.push('reset'));
    sub.on('message', (m) => order.push(String(m.data)));
    c.connect();
    await until(() => seen.length === 9, 'the five messages of the new log');
    assert.deepEqual(seen, [1, 2, 3, 100, 200, 201, 202, 203, 204]);
    assert.deepEqual(order, ['reset', '200', '201', '202', '203', '204'], 'reset comes before the messages of the new log');
  });

  it('reconnects when the hub goes silent for twice the heartbeat', async () => {
    const hub = await startHub({ transport: 'ws', args: ['--heartbeat', '300'] });
    hubs.push(hub);
    const c = track(client(hub.url));
    const reasons: string[] = [];
    c.on('state', (s) => reasons.push(`${s.to}: ${s.reason}`));
    await until(() => c.state === 'connected', 'connected');
    hub.child.kill('SIGSTOP');
    try {
      await until(() => reasons.some((r) => r.startsWith('disconnected') && r.includes('heartbeat')), 'a heartbeat timeout', 5000);
    } finally {
      hub.child.kill('SIGCONT');
    }
    await until(() => c.state === 'connected', 'connected again', 10_000);
  });

  it('close() ends everything: the process exits with no timer left behind', async () => {
    const hub = hubs[0]!;
    const child = spawn(process.execPath, [fileURLToPath(new URL('../fixtures/client-close-child.js', import.meta.url)), hub.url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 10_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.equal(code, 0, `the child should exit by itself after close():\n${out}`);
    assert.match(out, /closed disconnected/);
  });

  it('does not reconnect after close()', async () => {
    const c = track(client(hubs[0]!.url));
    await until(() => c.state === 'connected', 'connected');
    const states: string[] = [];
    c.on('state', (s) => states.push(s.to));
    c.close();
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(states, ['disconnected']);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with full jitter, up to the cap', () => {
    const opts = { initialMs: 100, maxMs: 1000, factor: 2 };
    assert.equal(backoffDelay(0, opts, () => 0.999999), 99);
    assert.equal(backoffDelay(2, opts, () => 0.5), 200);
    assert.equal(backoffDelay(10, opts, () => 0.999999), 999);
    assert.equal(backoffDelay(3, opts, () => 0), 0);
  });
});
