/**
 * Which transport the client picks under `auto`, against a real hub: a hub that
 * is down (kill -9, or a graceful restart) keeps it on WebSocket; a proxy that
 * drops WebSocket upgrades sends it to Server-Sent Events, where wildcards wait
 * instead of ending; once WebSockets get through again it goes back by itself,
 * every exact subscription resuming with no gap and no duplicate.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { TidingsClient, TidingsError, type Message, type TransportChange } from '../../client/index.js';
import { sseSocketClass, type Fetch } from '../../client/sse-socket.js';
import type { SocketLike } from '../../client/socket.js';
import { NodeEventSource } from '../helpers/event-source.js';
import { removeDir, startHub, tempDir, type HubProcess } from '../helpers/hub-process.js';
import { freePort, until } from '../helpers/wait.js';
import { startWsProxy, type WsProxy } from '../helpers/ws-proxy.js';

const FAST = { initialMs: 50, maxMs: 300, factor: 2 };
const PROBE = { initialMs: 100, maxMs: 400, factor: 2 };

function client(url: string, extra: ConstructorParameters<typeof TidingsClient>[1] = {}): TidingsClient {
  return new TidingsClient(url, { WebSocket, EventSource: NodeEventSource, backoff: FAST, probeBackoff: PROBE, ...extra });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What a client under test went through. */
function watch(c: TidingsClient): { attempts: string[]; changes: TransportChange[]; errors: TidingsError[] } {
  const seen = { attempts: [] as string[], changes: [] as TransportChange[], errors: [] as TidingsError[] };
  c.on('state', (s) => s.to === 'connecting' && seen.attempts.push(c.transport));
  c.on('transport', (t) => seen.changes.push(t));
  c.on('error', (e) => seen.errors.push(e));
  return seen;
}

/** The room under test: `room.a` from the earliest (exact) and `room.*` (wildcard), with what each got. */
function joinRoom(c: TidingsClient): { seen: ReturnType<typeof watch>; exact: number[]; wild: Array<Message<unknown>> } {
  const seen = watch(c);
  const exact: number[] = [];
  c.subscribe('room.a', (m) => exact.push(m.offset), { from: 'earliest' });
  const wild: Array<Message<unknown>> = [];
  c.subscribe('room.*', (m) => wild.push(m)).on('error', (e) => seen.errors.push(e));
  return { seen, exact, wild };
}

/** Publishes to `topic` until `got` says the message arrived (a wildcard has no reply to wait for). */
async function publishUntil(pub: TidingsClient, topic: string, got: () => boolean, what: string): Promise<void> {
  for (let n = 0; n < 100 && !got(); n++) {
    await pub.publish(topic, `probe ${n}`);
    await sleep(100);
  }
  assert.ok(got(), `${what}: nothing arrived after 100 publishes`);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

describe('client transport choice', { timeout: 180_000 }, () => {
  const hubs: HubProcess[] = [];
  const clients: TidingsClient[] = [];
  const proxies: WsProxy[] = [];
  const dirs: string[] = [];
  const track = (c: TidingsClient): TidingsClient => (clients.push(c), c);
  after(async () => {
    for (const c of clients) c.close();
    for (const p of proxies) await p.close();
    for (const h of hubs) await h.stop();
    for (const d of dirs) removeDir(d);
  });

  for (const restart of ['kill -9', 'SIGTERM'] as const) {
    it(`a hub restarted with ${restart}: WebSocket all along, the wildcard still delivers, the exact topic every offset once`, async () => {
      const port = await freePort();
      const dataDir = tempDir();
      dirs.push(dataDir);
      const args = ['--port', String(port)];
      let hub = await startHub({ transport: 'uws', args, dataDir });
      hubs.push(hub);
      const c = track(client(hub.url));
      const { seen, exact, wild } = joinRoom(c);
      const pub = track(client(hub.url, { transport: 'websocket' }));
      for (let n = 1; n <= 5; n++) await pub.publish('room.a', n);
      await publishUntil(pub, 'room.b', () => wild.some((m) => m.topic === 'room.b'), 'the wildcard before the restart');

      const before = seen.attempts.length;
      if (restart === 'kill -9') await hub.kill9();
      else await hub.stop();
      // Down long enough for several refused attempts, each followed by a failed /healthz.
      await until(() => seen.attempts.length >= before + 4, 'four attempts while the hub is down');
      hub = await startHub({ transport: 'uws', args, dataDir });
      hubs.push(hub);
      await until(() => c.state === 'connected' && pub.state === 'connected', 'both connected again');
      for (let n = 6; n <= 10; n++) await pub.publish('room.a', n);
      const after = wild.length;
      await publishUntil(pub, 'room.b', () => wild.slice(after).some((m) => m.topic === 'room.b'), 'the wildcard after the restart');
      await until(() => exact.length >= 10, 'ten messages on room.a');

      assert.deepEqual(seen.attempts.filter((t) => t !== 'websocket'), [], `every attempt on WebSocket while the hub was down: ${seen.attempts.join(' ')}`);
      assert.equal(c.transport, 'websocket');
      assert.deepEqual(seen.changes.map((t) => `${t.from}>${t.to}: ${t.reason}`), ['undefined>websocket: first connection']);
      assert.equal(c.subscription('room.*')?.active, true, 'the wildcard subscription is still active');
      assert.deepEqual(seen.errors.map((e) => e.message), []);
      await sleep(200);
      assert.deepEqual(exact, range(1, 10), 'room.a: every offset once, in order');
    });
  }

  it('behind a proxy that drops WebSockets: SSE with the wildcard waiting, then back on WebSocket by itself with no gap', async () => {
    const hub = await startHub({ transport: 'ws' });
    hubs.push(hub);
    dirs.push(hub.dataDir);
    const proxy = await startWsProxy(hub.port, { passWebSockets: false });
    proxies.push(proxy);
    const c = track(client(`ws://127.0.0.1:${proxy.port}/ws`));
    const { seen, exact, wild } = joinRoom(c);
    const pub = track(client(hub.url, { transport: 'websocket' }));

    await until(() => c.state === 'connected' && c.transport === 'sse', 'connected over SSE');
    assert.ok(proxy.dropped >= 2, `a WebSocket dropped twice before falling back (${proxy.dropped})`);
    for (let n = 1; n <= 5; n++) await pub.publish('room.a', n);
    await pub.publish('room.b', 'while on SSE');
    const own = await c.publish('room.a', 'from the client over HTTP');
    await until(() => exact.length >= own.offset, 'room.a over SSE');
    assert.equal(c.subscription('room.*')?.active, true, 'the wildcard is kept, waiting');
    assert.equal(wild.length, 0, 'nothing reaches a waiting wildcard');
    assert.deepEqual(seen.errors.map((e) => e.message), [], 'no error: the wildcard is not refused');

    // Publishes keep coming while the client switches back.
    let stop = false;
    let published = own.offset;
    const publishing = (async () => {
      while (!stop) {
        published = (await pub.publish('room.a', 'during the switch')).offset;
        await sleep(5);
      }
    })();
    proxy.passWebSockets = true;
    await until(() => c.state === 'connected' && c.transport === 'websocket', 'back on WebSocket', 20_000);
    await sleep(200);
    stop = true;
    await publishing;
    await publishUntil(pub, 'room.b', () => wild.some((m) => m.topic === 'room.b'), 'the wildcard once back on WebSocket');
    await until(() => exact.length >= published, `room.a up to ${published}`);
    await sleep(200);

    assert.deepEqual(exact, range(1, published), 'room.a: every offset once, in order, across both switches');
    assert.deepEqual(seen.changes.map((t) => `${t.from}>${t.to}: ${t.reason}`), [
      'undefined>sse: a WebSocket could not open while HTTP to the hub works',
      'sse>websocket: a WebSocket opens again',
    ]);
    assert.equal(c.subscription('room.*')?.active, true);
    assert.deepEqual(seen.errors.map((e) => e.message), []);
  });

  it('a wildcard under transport: sse fails at once, saying wildcards are per WebSocket only', () => {
    const c = track(client('ws://127.0.0.1:1/ws', { transport: 'sse', autoConnect: false }));
    assert.throws(() => c.subscribe('room.*'), (e: unknown) =>
      e instanceof TidingsError && e.code === 'bad_request' && /per WebSocket only/.test(e.message) && /exact topic/.test(e.message));
    assert.equal(c.subscription('room.*'), undefined);
    c.subscribe('room.a');
  });

  it('the hub\'s event stream and the SSE transport refuse a wildcard, saying it is per WebSocket only', async () => {
    const hub = await startHub({ transport: 'uws' });
    hubs.push(hub);
    dirs.push(hub.dataDir);
    for (const pattern of ['room.*', 'room.>', '*.a']) {
      const res = await fetch(`${hub.httpUrl}/v1/topics/${encodeURIComponent(pattern)}/events`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.status, 400);
      assert.equal(body.error.code, 'invalid_topic');
      assert.match(body.error.message, /wildcard subscriptions .* are per WebSocket only: an event stream follows one exact topic/);
    }
    const res = await fetch(`${hub.httpUrl}/v1/topics/a..b/events`);
    assert.doesNotMatch(((await res.json()) as { error: { message: string } }).error.message, /WebSocket/, 'a bad name is still told as such');

    const Sse = sseSocketClass(NodeEventSource, fetch as unknown as Fetch, () => undefined);
    const socket = new Sse(hub.url) as SocketLike;
    await new Promise((resolve) => (socket.onopen = resolve));
    const reply = new Promise<string>((resolve) => (socket.onmessage = (e) => resolve(String(e.data))));
    socket.send(JSON.stringify({ op: 'subscribe', id: 7, topic: 'room.*' }));
    const { id, error } = JSON.parse(await reply) as { id: number; error: { code: string; message: string } };
    socket.close();
    assert.equal(id, 7);
    assert.equal(error.code, 'bad_request');
    assert.match(error.message, /^wildcard subscriptions are per WebSocket only: over Server-Sent Events, subscribe to each exact topic, or use a WebSocket$/);
  });
});
