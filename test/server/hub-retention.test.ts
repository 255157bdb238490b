/** Retention by bytes and age, and 100,000 topics, seen through the running hub. */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { removeDir, startHub } from '../helpers/hub-process.js';
import { RawClient, offsetsOf, range } from '../helpers/raw-client.js';

describe('retention and scale through the hub', () => {
  it('keeps at most --max-bytes of data per topic, oldest first', async () => {
    const hub = await startHub({ args: ['--max-bytes', '1000'] });
    try {
      const c = await RawClient.connect(hub.url);
      // Each data is exactly 100 bytes of JSON.
      for (let i = 1; i <= 25; i++) await c.request({ op: 'publish', topic: 'rb.t', data: 'x'.repeat(97) + String(i % 10) });
      const sub = await c.request({ op: 'subscribe', topic: 'rb.t', from: { earliest: true } });
      assert.deepEqual([sub.earliest, sub.head], [16, 25]);
      assert.deepEqual(offsetsOf(await c.waitForMessages('rb.t', 10)), range(16, 25));
      c.terminate();
    } finally {
      await hub.stop();
      removeDir(hub.dataDir);
    }
  });

  it('drops messages older than --max-age; an emptied topic reports earliest = head + 1', async () => {
    const hub = await startHub({ args: ['--max-age', '1s'] });
    try {
      const c = await RawClient.connect(hub.url);
      for (let i = 1; i <= 5; i++) await c.request({ op: 'publish', topic: 'ra.t', data: i });
      const fresh = await c.request({ op: 'subscribe', topic: 'ra.t', from: { earliest: true } });
      assert.deepEqual([fresh.earliest, fresh.head], [1, 5]);
      await c.request({ op: 'unsubscribe', topic: 'ra.t' });
      const deadline = Date.now() + 10_000;
      let reply;
      do {
        await new Promise((r) => setTimeout(r, 250)); // polling the hub's age sweep, bounded by the deadline
        reply = await c.request({ op: 'subscribe', topic: 'ra.t', from: { after: 0, epoch: fresh.epoch } });
        await c.request({ op: 'unsubscribe', topic: 'ra.t' });
      } while (reply.earliest !== 6 && Date.now() < deadline);
      assert.deepEqual([reply.earliest, reply.head, reply.truncated, reply.reset], [6, 5, true, false]);
      c.terminate();
    } finally {
      await hub.stop();
      removeDir(hub.dataDir);
    }
  });

  it('stores 100,000 topics without a file descriptor per topic', async () => {
    const hub = await startHub();
    try {
      const c = await RawClient.connect(hub.url);
      const TOPICS = 100_000;
      for (let start = 0; start < TOPICS; start += 5000) {
        const acks = [];
        for (let i = start; i < start + 5000; i++) acks.push(c.request({ op: 'publish', topic: `scale.t${i}`, data: i }, 60_000));
        const replies = await Promise.all(acks);
        assert.ok(replies.every((r) => r.offset === 1), `each new topic starts at offset 1 (chunk at ${start})`);
      }
      const fds = readdirSync(`/proc/${hub.child.pid}/fd`).length;
      assert.ok(fds < 200, `hub has ${fds} open descriptors`);
      for (const n of [0, 31_337, 99_999]) {
        await c.request({ op: 'subscribe', topic: `scale.t${n}`, from: { earliest: true } });
        const [m] = await c.waitForMessages(`scale.t${n}`, 1);
        assert.deepEqual([m?.offset, m?.data], [1, n]);
      }
      c.terminate();
    } finally {
      await hub.stop();
      removeDir(hub.dataDir);
    }
  });
});
