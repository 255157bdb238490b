/**
 * The `ended` frame (PROTOCOL.md §4): the hub ends one subscription and keeps the
 * connection when a replay is overtaken by retention (`truncated`) or the store
 * cannot be read (`unavailable`); no message of it follows, the connection's
 * other subscriptions go on, and subscribing again from the last offset says
 * what was lost. Once per hub engine.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { TidingsClient } from '../../client/index.js';
import { removeDir, startHub, TRANSPORTS, type HubProcess } from '../helpers/hub-process.js';
import { RawClient, range, type MessageFrame } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';

const BIG = 'x'.repeat(4000);

for (const transport of TRANSPORTS) {
  describe(`ended over ${transport}`, { timeout: 120_000 }, () => {
    const hubs: HubProcess[] = [];
    after(async () => {
      for (const h of hubs) {
        await h.stop();
        removeDir(h.dataDir);
      }
    });

    it('ends a replay that retention overtook with ended truncated; the connection and its other subscriptions stay', async () => {
      const hub = await startHub({ transport, args: ['--max-messages', '5000', '--max-buffered', '256KiB'] });
      hubs.push(hub);
      const publisher = await RawClient.connect(hub.url);
      for (let k = 0; k < 5; k++) {
        await Promise.all(range(1, 1000).map((i) => publisher.request({ op: 'publish', topic: 'over.a', data: { i: 1000 * k + i, pad: BIG } })));
      }
      const reader = await RawClient.connect(hub.url);
      await reader.request({ op: 'subscribe', topic: 'over.b' });
      reader.pause();
      // The replay of 20 MB stalls on the paused reader (more than the socket buffers hold)
      // while 6,000 more push its place out of retention.
      reader.send({ op: 'subscribe', id: 900, topic: 'over.a', from: { earliest: true } });
      await new Promise((r) => setTimeout(r, 300));
      for (let k = 5; k < 11; k++) {
        await Promise.all(range(1, 1000).map((i) => publisher.request({ op: 'publish', topic: 'over.a', data: { i: 1000 * k + i, pad: BIG } })));
      }
      reader.resume();
      const ended = await reader.waitFor((f) => f.op === 'ended', 'the ended frame', 30_000);
      assert.deepEqual(ended, { op: 'ended', topic: 'over.a', reason: 'truncated' });
      const at = reader.frames.indexOf(ended);
      const replayed = reader.messages('over.a').map((m) => m.offset);
      assert.deepEqual(replayed, range(1, replayed.length), 'what came before it was contiguous from 1');
      assert.ok(replayed.length < 11_000, 'it did end before the head');
      // Still open: the other subscription receives, and no message of over.a follows ended.
      await publisher.request({ op: 'publish', topic: 'over.b', data: 'still here' });
      const afterEnded = await publisher.request({ op: 'publish', topic: 'over.a', data: 'after ended' });
      await reader.waitForMessages('over.b', 1);
      await reader.request({ op: 'ping' });
      assert.ok(reader.frames.slice(at + 1).every((f) => !(f.op === 'message' && (f as MessageFrame).topic === 'over.a')), 'nothing of over.a after ended');
      const again = await reader.request({ op: 'subscribe', topic: 'over.a', from: { after: replayed.at(-1) ?? 0, epoch: String(afterEnded.epoch) } });
      assert.equal(again.error, undefined, 'subscribing again is allowed: the ended one is gone');
      assert.equal(again.truncated, true, 'and its reply says what was lost');
      assert.equal(again.reset, false);
      reader.terminate();
      publisher.terminate();
    });

    it('ends a replay the store cannot read with ended unavailable, and the SDK subscribes again with backoff', async () => {
      const hub = await startHub({ transport, env: { TIDINGS_TEST_FAULTS: '1' } });
      hubs.push(hub);
      const raw = await RawClient.connect(hub.url);
      await raw.request({ op: 'publish', topic: 'fault.read.fail', data: 1 });
      await raw.request({ op: 'subscribe', topic: 'fine.a' });
      const reply = await raw.request({ op: 'subscribe', topic: 'fault.read.fail', from: { earliest: true } });
      assert.equal(reply.error, undefined);
      const ended = await raw.waitFor((f) => f.op === 'ended', 'the ended frame');
      assert.deepEqual(ended, { op: 'ended', topic: 'fault.read.fail', reason: 'unavailable' });
      await raw.request({ op: 'publish', topic: 'fine.a', data: 'on' });
      await raw.waitForMessages('fine.a', 1);
      assert.ok(hub.lines.some((l) => l.includes('replay read failed')), 'the failure is logged');

      // An event stream of it ends too, saying why, so an EventSource comes back and resumes.
      const res = await fetch(`${hub.httpUrl}/v1/topics/fault.read.fail/events?earliest`);
      assert.equal(res.status, 200);
      const body = await res.text();
      assert.match(body, /event: subscribed/);
      assert.match(body, /event: close\ndata: \{"code":1001,"reason":"the subscription ended \(unavailable\): resume to continue"\}/);

      const client = new TidingsClient(hub.url, { WebSocket, backoff: { initialMs: 50, maxMs: 200 } });
      try {
        const sub = client.subscribe('fault.read.fail', () => {}, { from: 'earliest' });
        let replies = 0;
        sub.on('subscribed', () => replies++);
        await until(() => replies >= 3 || undefined, () => `three subscribe replies (have ${replies})`);
        assert.equal(sub.active, true, 'the subscription is kept');
        assert.equal(client.state, 'connected', 'on the same connection');
      } finally {
        client.close();
      }
      raw.terminate();
    });
  });
}
