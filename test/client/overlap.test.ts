/**
 * An exact subscription and a wildcard of the same client: the hub sends the
 * messages the wildcard matches before the exact subscription's reply, then the
 * replay after it (PROTOCOL.md §3). The exact subscription must see each offset
 * once, in order. A stand-in server sends that order exactly; the real hub then
 * gets the same race from a burst of publishes.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { TidingsClient, type Message } from '../../client/index.js';
import { startHub, removeDir, type HubProcess } from '../helpers/hub-process.js';
import { until } from '../helpers/wait.js';

const FAST = { initialMs: 20, maxMs: 100, factor: 2 };
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function message(offset: number): string {
  return JSON.stringify({ op: 'message', topic: 'x.a', offset, time: 0, data: offset });
}

describe('an exact subscription beside a wildcard', { timeout: 60_000 }, () => {
  const clients: TidingsClient[] = [];
  const hubs: HubProcess[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const h of hubs) {
      await h.stop();
      removeDir(h.dataDir);
    }
  });

  it('leaves aside what the wildcard brings before its reply, and takes the replay once; the wildcard takes each once', async () => {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => server.once('listening', r));
    server.on('connection', (socket) => {
      socket.on('message', (raw) => {
        const frame = JSON.parse(String(raw)) as { op: string; id: number; topic?: string };
        if (frame.op === 'hello') socket.send(JSON.stringify({ op: 'reply', id: frame.id, session: 's', protocol: 1, heartbeat: 25_000 }));
        if (frame.op === 'subscribe' && frame.topic === 'x.*') socket.send(JSON.stringify({ op: 'reply', id: frame.id, topic: 'x.*' }));
        if (frame.op === 'subscribe' && frame.topic === 'x.a') {
          // As the hub does: 1 and 2 went out through the wildcard before the reply; the replay follows it.
          socket.send(message(1));
          socket.send(message(2));
          socket.send(JSON.stringify({ op: 'reply', id: frame.id, topic: 'x.a', epoch: 'e', head: 2, earliest: 1, truncated: false, reset: false }));
          for (const offset of [1, 2, 3]) socket.send(message(offset));
        }
      });
    });
    try {
      const c = new TidingsClient(`ws://127.0.0.1:${(server.address() as { port: number }).port}/ws`, { WebSocket, backoff: FAST });
      clients.push(c);
      const wild: number[] = [];
      c.subscribe('x.*', (m) => wild.push(m.offset));
      const exact: number[] = [];
      c.subscribe('x.a', (m) => exact.push(m.offset), { from: 'earliest' });
      await until(() => exact.length === 3 && wild.length === 3, () => `three each (exact ${JSON.stringify(exact)}, wildcard ${JSON.stringify(wild)})`);
      await new Promise((r) => setTimeout(r, 100)); // nothing more comes
      assert.deepEqual(exact, [1, 2, 3], 'each offset once, in order');
      assert.deepEqual(wild, [1, 2, 3], 'the wildcard too: the replay up to the reply\'s head is not news to it');
    } finally {
      for (const c of clients.splice(0)) c.close();
      await new Promise((r) => server.close(r));
    }
  });

  it('with the real hub: a burst published while subscribing from the earliest is seen once, in order', async () => {
    const hub = await startHub({ transport: 'uws' });
    hubs.push(hub);
    const pub = new TidingsClient(hub.url, { WebSocket, backoff: FAST, maxQueuedPublishes: 5000 });
    clients.push(pub);
    for (let round = 1; round <= 5; round++) {
      const topic = `burst${round}.a`;
      const c = new TidingsClient(hub.url, { WebSocket, backoff: FAST });
      clients.push(c);
      const wild: Array<Message<unknown>> = [];
      c.subscribe(`burst${round}.*`, (m) => wild.push(m));
      for (let n = 0; n < 50 && wild.length === 0; n++) {
        await pub.publish(topic, 'warm-up');
        await new Promise((r) => setTimeout(r, 20));
      }
      const burst = Array.from({ length: 300 }, () => pub.publish(topic, 'burst'));
      const exact: number[] = [];
      c.subscribe(topic, (m) => exact.push(m.offset), { from: 'earliest' });
      const last = (await Promise.all(burst)).at(-1)!.offset;
      await until(() => exact.length >= last, () => `${topic} up to ${last} (${exact.length})`);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(exact, range(1, last), `${topic}: each offset once, in order`);
      c.close();
    }
  });
});
