/** Every op and error code of PROTOCOL.md §2–§8 over real sockets, once per transport. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TRANSPORTS, removeDir, startHub, type HubProcess } from '../helpers/hub-process.js';
import { RawClient, offsetsOf, range } from '../helpers/raw-client.js';

for (const transport of TRANSPORTS) {
  describe(`protocol v1 over ${transport}`, () => {
    let hub: HubProcess;
    const clients: RawClient[] = [];
    const connect = async (): Promise<RawClient> => {
      const c = await RawClient.connect(hub.url);
      clients.push(c);
      return c;
    };
    before(async () => {
      hub = await startHub({ transport, args: ['--max-payload', '1000', '--heartbeat', '400'] });
    });
    after(async () => {
      for (const c of clients) c.terminate();
      await hub.stop();
      removeDir(hub.dataDir);
    });

    it('logs that it runs on the transport asked for', () => {
      assert.ok(hub.lines.some((l) => l.includes('"msg":"listening"') && l.includes(`"transport":"${transport}"`)));
    });

    it('answers hello with session, protocol, heartbeat and limits', async () => {
      const c = await connect();
      const reply = await c.request({ op: 'hello', protocol: 1, client: 'test/1' });
      assert.equal(typeof reply.session, 'string');
      assert.equal(reply.protocol, 1);
      assert.equal(reply.heartbeat, 400);
      assert.deepEqual(reply.features, [], 'none of the 1.1 capabilities yet');
      assert.deepEqual(reply.limits, { maxPayload: 1000, maxSubscriptions: 1000, maxPublishRate: 100_000 });
      const bad = await c.request({ op: 'hello', protocol: 2 });
      assert.equal((bad.error as { code: string }).code, 'unsupported_protocol');
    });

    it('publishes with increasing offsets and delivers to subscribers, the publisher included', async () => {
      const c = await connect();
      const sub = await c.request({ op: 'subscribe', topic: 'wire.pub' });
      assert.deepEqual([sub.head, sub.earliest, sub.truncated, sub.reset], [0, 1, false, false]);
      const replies = await Promise.all([1, 2, 3].map((i) => c.request({ op: 'publish', topic: 'wire.pub', data: { i } })));
      assert.deepEqual(replies.map((r) => r.offset), [1, 2, 3]);
      assert.ok(replies.every((r) => r.epoch === sub.epoch && r.topic === 'wire.pub'));
      const got = await c.waitForMessages('wire.pub', 3);
      assert.deepEqual(got.map((m) => [m.offset, m.data]), [[1, { i: 1 }], [2, { i: 2 }], [3, { i: 3 }]]);
      assert.ok(got.every((m) => typeof m.time === 'number' && m.time > 1.7e12));
    });

    it('stores fire-and-forget publishes without replying', async () => {
      const c = await connect();
      await c.request({ op: 'subscribe', topic: 'wire.ff' });
      c.send({ op: 'publish', topic: 'wire.ff', data: 'a' });
      c.send({ op: 'publish', topic: 'wire.ff', data: 'b' });
      assert.deepEqual(offsetsOf(await c.waitForMessages('wire.ff', 2)), [1, 2]);
      await c.request({ op: 'ping' });
      assert.equal(c.frames.filter((f) => f.op === 'reply' && f.id === undefined).length, 0);
    });

    it('stores a repeated key once and answers the first offset with duplicate:true', async () => {
      const c = await connect();
      const first = await c.request({ op: 'publish', topic: 'wire.key', data: 1, key: 'k-1' });
      const again = await c.request({ op: 'publish', topic: 'wire.key', data: 2, key: 'k-1' });
      const other = await c.request({ op: 'publish', topic: 'wire.key', data: 3, key: 'k-2' });
      assert.deepEqual([first.offset, first.duplicate], [1, undefined]);
      assert.deepEqual([again.offset, again.duplicate], [1, true]);
      assert.equal(other.offset, 2);
      const long = await c.request({ op: 'publish', topic: 'wire.key', data: 1, key: 'k'.repeat(129) });
      assert.equal((long.error as { code: string }).code, 'bad_request');
    });

    it('accepts data of exactly --max-payload bytes and refuses one byte more with too_large', async () => {
      const c = await connect();
      const exact = 'x'.repeat(1000 - 2); // JSON string quotes make it 1000 bytes
      assert.equal((await c.request({ op: 'publish', topic: 'wire.size', data: exact })).offset, 1);
      const over = await c.request({ op: 'publish', topic: 'wire.size', data: exact + 'x' });
      assert.equal((over.error as { code: string }).code, 'too_large');
    });

    it('closes a connection that sends a frame over the payload limit plus 4 KiB', async () => {
      const c = await connect();
      c.send({ op: 'publish', topic: 'wire.size', data: 'x'.repeat(6000) });
      const { code } = await c.closed;
      assert.equal(code, transport === 'ws' ? 1009 : 1006);
    });

    it('answers subscribe errors: invalid topics, duplicates, wildcard with from, unsubscribe of nothing', async () => {
      const c = await connect();
      for (const topic of ['a..b', '.a', 'a.', '_x', '$x', 'a b', 'x'.repeat(256), 'a.>.b']) {
        const r = await c.request({ op: 'subscribe', topic });
        assert.equal((r.error as { code: string }).code, 'invalid_topic', topic);
      }
      await c.request({ op: 'subscribe', topic: 'wire.dup' });
      assert.equal(((await c.request({ op: 'subscribe', topic: 'wire.dup' })).error as { code: string }).code, 'already_subscribed');
      const wild = await c.request({ op: 'subscribe', topic: 'wire.*', from: { earliest: true } });
      assert.equal((wild.error as { code: string }).code, 'bad_request');
      assert.equal(((await c.request({ op: 'unsubscribe', topic: 'wire.none' })).error as { code: string }).code, 'not_subscribed');
      const pub = await c.request({ op: 'publish', topic: 'wire.*', data: 1 });
      assert.equal((pub.error as { code: string }).code, 'invalid_topic');
    });

    it('sends no message of a topic after its unsubscribe reply', async () => {
      const c = await connect();
      const p = await connect();
      await c.request({ op: 'subscribe', topic: 'wire.unsub' });
      for (let i = 0; i < 200; i++) p.send({ op: 'publish', topic: 'wire.unsub', data: i });
      const reply = await c.request({ op: 'unsubscribe', topic: 'wire.unsub' });
      await p.request({ op: 'publish', topic: 'wire.unsub', data: 'last' });
      await c.request({ op: 'ping' });
      const at = c.frames.indexOf(reply);
      assert.equal(c.frames.slice(at).filter((f) => f.op === 'message').length, 0);
      const before = c.messages('wire.unsub');
      assert.deepEqual(offsetsOf(before), range(1, before.length));
    });

    it('delivers wildcard matches once per connection, naming the concrete topic', async () => {
      const c = await connect();
      const p = await connect();
      assert.deepEqual((await c.request({ op: 'subscribe', topic: 'wild.*' })).topic, 'wild.*');
      await c.request({ op: 'subscribe', topic: 'wild.>' });
      await p.request({ op: 'publish', topic: 'wild.a', data: 1 });
      await p.request({ op: 'publish', topic: 'wild.a.b', data: 2 });
      await p.request({ op: 'publish', topic: 'other.a', data: 3 });
      await c.waitForMessages('wild.a.b', 1);
      await c.request({ op: 'ping' });
      assert.deepEqual(c.messages().map((m) => [m.topic, m.data]), [['wild.a', 1], ['wild.a.b', 2]]);
    });

    it('sends a message matching a wildcard and a replaying subscription once, in order', async () => {
      const c = await connect();
      const p = await connect();
      await c.request({ op: 'subscribe', topic: 'overlap.*' });
      const first = 400;
      const more = 300;
      await Promise.all(range(1, first).map((i) => p.request({ op: 'publish', topic: 'overlap.a', data: i })));
      await c.waitForMessages('overlap.a', first);
      const during = Promise.all(range(1, more).map((i) => p.request({ op: 'publish', topic: 'overlap.a', data: first + i })));
      const reply = await c.request({ op: 'subscribe', topic: 'overlap.a', from: { earliest: true } });
      await during;
      const head = Number(reply.head);
      // Live through the wildcard up to the subscription's head, then the replay
      // from 1 and live after it: each offset of the second run once, ascending.
      const expected = [...range(1, head), ...range(1, first + more)];
      await c.waitForMessages('overlap.a', expected.length);
      await c.request({ op: 'ping' });
      assert.deepEqual(offsetsOf(c.messages('overlap.a')), expected);
    });

    it('keeps the epoch an empty topic subscriber got for later publishes', async () => {
      const c = await connect();
      const sub = await c.request({ op: 'subscribe', topic: 'wire.empty' });
      const pub = await c.request({ op: 'publish', topic: 'wire.empty', data: 1 });
      assert.equal(pub.epoch, sub.epoch);
      const c2 = await connect();
      const resumed = await c2.request({ op: 'subscribe', topic: 'wire.empty', from: { after: 0, epoch: sub.epoch } });
      assert.equal(resumed.reset, false);
      assert.deepEqual(offsetsOf(await c2.waitForMessages('wire.empty', 1)), [1]);
    });

    it('answers malformed frames with bad_request or unknown_op, as a reply when the frame is a request with a valid id', async () => {
      const c = await connect();
      c.send('not json');
      c.send('[1]');
      c.send({ id: 3 });
      c.send({ op: 'ping', id: 0 });
      c.send({ op: 'ping', id: 1.5 });
      c.send({ op: 'nope', id: 9 });
      await c.request({ op: 'ping' });
      const errors = c.frames.filter((f) => f.op === 'error').map((f) => (f.error as { code: string }).code);
      assert.deepEqual(errors, ['bad_request', 'bad_request', 'bad_request', 'bad_request', 'bad_request']);
      const replies = c.frames.filter((f) => f.op === 'reply' && f.error).map((f) => [f.id, (f.error as { code: string }).code]);
      assert.deepEqual(replies, [[9, 'unknown_op']]);
    });

    it('closes with 4400 after repeated malformed frames', async () => {
      const c = await connect();
      for (let i = 0; i < 12; i++) c.send('garbage');
      assert.equal((await c.closed).code, 4400);
    });

    it('closes with 4400 on a binary frame', async () => {
      const c = await connect();
      c.ws.send(Buffer.from([1, 2, 3]));
      assert.equal((await c.closed).code, 4400);
    });

    it('replies to ping and to a pong that carries an id', async () => {
      const c = await connect();
      assert.deepEqual(await c.request({ op: 'ping', id: 41 }), { op: 'reply', id: 41 });
      assert.deepEqual(await c.request({ op: 'pong', id: 42 }), { op: 'reply', id: 42 });
    });

    it('pings an idle client and closes one silent for twice the heartbeat with 4008', async () => {
      const c = await connect();
      await c.waitFor((f) => f.op === 'ping' && f.id === undefined, 'a server ping', 3000);
      assert.equal((await c.closed).code, 4008);
    });

    it('keeps a client that answers pings open', async () => {
      const c = await connect();
      c.ws.on('message', (d) => {
        if (d.toString() === '{"op":"ping"}') c.send({ op: 'pong' });
      });
      await c.waitUntil(() => (c.frames.filter((f) => f.op === 'ping').length >= 4 ? true : undefined), '4 pings', 5000);
      assert.equal(c.ws.readyState, c.ws.OPEN);
    });
  });
}
