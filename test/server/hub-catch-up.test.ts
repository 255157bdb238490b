/** Replay then live, truncated and reset, and slow consumers, once per transport. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TRANSPORTS, removeDir, startHub, type HubProcess } from '../helpers/hub-process.js';
import { RawClient, offsetsOf, range } from '../helpers/raw-client.js';

for (const transport of TRANSPORTS) {
  describe(`catch-up over ${transport}`, () => {
    let hub: HubProcess;
    const clients: RawClient[] = [];
    const connect = async (): Promise<RawClient> => {
      const c = await RawClient.connect(hub.url);
      clients.push(c);
      return c;
    };
    before(async () => {
      hub = await startHub({ transport });
    });
    after(async () => {
      for (const c of clients) c.terminate();
      await hub.stop();
      removeDir(hub.dataDir);
    });

    it('replays a 5,000-message backlog then goes live while 2,000 more are published, with no gap or duplicate', async () => {
      const pub = await connect();
      const acks: Promise<unknown>[] = [];
      for (let i = 1; i <= 5000; i++) acks.push(pub.request({ op: 'publish', topic: 'cu.big', data: { i } }, 30_000));
      await Promise.all(acks);
      const sub = await connect();
      const reply = sub.request({ op: 'subscribe', topic: 'cu.big', from: { after: 0 } }, 30_000);
      const more: Promise<unknown>[] = [];
      for (let i = 5001; i <= 7000; i++) more.push(pub.request({ op: 'publish', topic: 'cu.big', data: { i } }, 30_000));
      const r = await reply;
      assert.ok((r.head as number) >= 5000);
      await Promise.all(more);
      const got = await sub.waitForMessages('cu.big', 7000, 60_000);
      assert.deepEqual(offsetsOf(got), range(1, 7000));
      assert.deepEqual(got.map((m) => (m.data as { i: number }).i), range(1, 7000));
      const at = sub.frames.indexOf(r as never);
      assert.ok(at >= 0 && at < sub.frames.indexOf(got[0] as never), 'the reply comes before the first message');
    });

    it('rewinds with from.last and replays everything with from.earliest', async () => {
      const pub = await connect();
      for (let i = 1; i <= 20; i++) await pub.request({ op: 'publish', topic: 'cu.rw', data: i });
      const a = await connect();
      await a.request({ op: 'subscribe', topic: 'cu.rw', from: { last: 5 } });
      assert.deepEqual(offsetsOf(await a.waitForMessages('cu.rw', 5)), range(16, 20));
      const b = await connect();
      await b.request({ op: 'subscribe', topic: 'cu.rw', from: { earliest: true } });
      assert.deepEqual(offsetsOf(await b.waitForMessages('cu.rw', 20)), range(1, 20));
      await pub.request({ op: 'publish', topic: 'cu.rw', data: 21 });
      assert.deepEqual(offsetsOf(await a.waitForMessages('cu.rw', 6)), [...range(16, 20), 21]);
    });

    it('answers reset for a wrong epoch or an offset past head, replaying from earliest', async () => {
      const pub = await connect();
      for (let i = 1; i <= 3; i++) await pub.request({ op: 'publish', topic: 'cu.reset', data: i });
      const a = await connect();
      const wrong = await a.request({ op: 'subscribe', topic: 'cu.reset', from: { after: 2, epoch: 'not-the-epoch' } });
      assert.deepEqual([wrong.reset, wrong.truncated, wrong.head, wrong.earliest], [true, false, 3, 1]);
      assert.deepEqual(offsetsOf(await a.waitForMessages('cu.reset', 3)), [1, 2, 3]);
      const b = await connect();
      const past = await b.request({ op: 'subscribe', topic: 'cu.reset', from: { after: 99, epoch: wrong.epoch } });
      assert.equal(past.reset, true);
      assert.deepEqual(offsetsOf(await b.waitForMessages('cu.reset', 3)), [1, 2, 3]);
      const c = await connect();
      const ok = await c.request({ op: 'subscribe', topic: 'cu.reset', from: { after: 2, epoch: wrong.epoch } });
      assert.equal(ok.reset, false);
      assert.deepEqual(offsetsOf(await c.waitForMessages('cu.reset', 1)), [3]);
    });
  });

  describe(`retention over ${transport}`, () => {
    let hub: HubProcess;
    const clients: RawClient[] = [];
    const connect = async (): Promise<RawClient> => {
      const c = await RawClient.connect(hub.url);
      clients.push(c);
      return c;
    };
    before(async () => {
      hub = await startHub({ transport, args: ['--max-messages', '100'] });
    });
    after(async () => {
      for (const c of clients) c.terminate();
      await hub.stop();
      removeDir(hub.dataDir);
    });

    it('answers truncated when from.after is older than the retained history', async () => {
      const pub = await connect();
      const acks = [];
      for (let i = 1; i <= 150; i++) acks.push(pub.request({ op: 'publish', topic: 'rt.count', data: i }));
      await Promise.all(acks);
      const a = await connect();
      const r = await a.request({ op: 'subscribe', topic: 'rt.count', from: { after: 5, epoch: (await acks[0])?.epoch } });
      assert.deepEqual([r.truncated, r.reset, r.earliest, r.head], [true, false, 51, 150]);
      assert.deepEqual(offsetsOf(await a.waitForMessages('rt.count', 100)), range(51, 150));
    });

  });

  describe(`slow consumers over ${transport}`, () => {
    /** 60 KB each: well past the kernel's socket buffers plus the 256 KiB limit. */
    const TOTAL = 400;
    let hub: HubProcess;
    const clients: RawClient[] = [];
    const connect = async (): Promise<RawClient> => {
      const c = await RawClient.connect(hub.url);
      clients.push(c);
      return c;
    };
    before(async () => {
      hub = await startHub({ transport, args: ['--max-buffered', '256KiB'] });
    });
    after(async () => {
      for (const c of clients) c.terminate();
      await hub.stop();
      removeDir(hub.dataDir);
    });

    it('closes a subscriber that stops reading with 4009; it resumes from its last offset without loss', async () => {
      const pub = await connect();
      const other = await connect();
      const slow = await connect();
      await other.request({ op: 'subscribe', topic: 'slow.t' });
      await slow.request({ op: 'subscribe', topic: 'slow.t' });
      slow.pause();
      const payload = 'p'.repeat(60_000);
      // One at a time: a reading subscriber keeps up, the paused one falls behind.
      for (let i = 1; i <= TOTAL; i++) await pub.request({ op: 'publish', topic: 'slow.t', data: { i, payload } }, 30_000);
      slow.resume();
      const { code } = await slow.closed;
      // The 4009 close frame waits behind what the reader left unread; if draining the
      // rest took the hub's close grace period (10 s, on a loaded machine), the socket is
      // dropped instead (1006). Either way the hub counted a slow-consumer close.
      if (code !== 4009) {
        assert.equal(code, 1006);
        const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text();
        assert.match(metrics, /^tidings_slow_consumer_closes_total [1-9]/m);
      }
      const seen = offsetsOf(slow.messages('slow.t'));
      assert.deepEqual(seen, range(1, seen.length), 'what arrived before the close is an in-order prefix');
      assert.ok(seen.length < TOTAL, 'the close came before everything was delivered');
      assert.deepEqual(offsetsOf(await other.waitForMessages('slow.t', TOTAL, 30_000)), range(1, TOTAL));
      const back = await connect();
      // Retention keeps the last 100, so everything missed is still there.
      await back.request({ op: 'subscribe', topic: 'slow.t', from: { after: seen.length } });
      assert.deepEqual(offsetsOf(await back.waitForMessages('slow.t', TOTAL - seen.length, 30_000)), range(seen.length + 1, TOTAL));
    });
  });
}
