/** kill -9 during a publish burst, restarts, memory storage and persisted dedupe keys. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TRANSPORTS, removeDir, startHub, tempDir } from '../helpers/hub-process.js';
import { RawClient, offsetsOf, range, type Frame } from '../helpers/raw-client.js';

/** Bounds of the burst: publishes in flight, acks to wait for before the kill, and a hard cap. */
const IN_FLIGHT = 500;
const ACKS_BEFORE_KILL = 10_000;
const MAX_PUBLISHES = 50_000;

interface Acked {
  offset: number;
  data: unknown;
  epoch: string;
}

/** Publishes with ~IN_FLIGHT outstanding until told to stop; every acked publish is recorded. */
function burst(client: RawClient, topic: string, acked: Acked[]): { stop(): void; done: Promise<void> } {
  let stopped = false;
  let sent = 0;
  const done = new Promise<void>((resolve) => {
    const next = (): void => {
      if (stopped || sent >= MAX_PUBLISHES) return resolve();
      const n = ++sent;
      client.request({ op: 'publish', topic, data: { n } }, 20_000).then((reply: Frame) => {
        if (!reply.error) acked.push({ offset: reply.offset as number, data: { n }, epoch: reply.epoch as string });
        next();
      }, () => resolve()); // the hub died under us: stop publishing
    };
    for (let i = 0; i < IN_FLIGHT; i++) next();
    // Publishes in flight when the hub dies get no reply; the close ends the burst.
    void client.closed.then(() => resolve());
  });
  return { stop: () => (stopped = true), done };
}

async function killDuringBurst(transport: (typeof TRANSPORTS)[number], fsync: string): Promise<void> {
  const dataDir = tempDir();
  try {
    const hub = await startHub({ transport, dataDir, args: ['--fsync', fsync] });
    const pub = await RawClient.connect(hub.url);
    const acked: Acked[] = [];
    const run = burst(pub, 'dur.burst', acked);
    await pub.waitUntil(() => (acked.length >= ACKS_BEFORE_KILL ? true : undefined), `${ACKS_BEFORE_KILL} acks`, 60_000);
    await hub.kill9();
    run.stop();
    await run.done;
    pub.terminate();
    assert.ok(acked.length >= ACKS_BEFORE_KILL);
    const epoch = (acked[0] as Acked).epoch;
    assert.ok(acked.every((a) => a.epoch === epoch), 'one epoch before the kill');

    const again = await startHub({ transport, dataDir, args: ['--fsync', fsync] });
    try {
      const sub = await RawClient.connect(again.url);
      const reply = await sub.request({ op: 'subscribe', topic: 'dur.burst', from: { after: 0, epoch } });
      assert.equal(reply.reset, false, 'a process crash keeps the epoch');
      assert.equal(reply.epoch, epoch);
      const head = reply.head as number;
      const maxAcked = Math.max(...acked.map((a) => a.offset));
      assert.ok(head >= maxAcked, `head ${head} covers every acked offset (max ${maxAcked})`);
      const got = await sub.waitForMessages('dur.burst', head, 60_000);
      assert.deepEqual(offsetsOf(got), range(1, head), 'offsets contiguous from 1');
      const byOffset = new Map(got.map((m) => [m.offset, m.data]));
      for (const a of acked) assert.deepEqual(byOffset.get(a.offset), a.data, `acked offset ${a.offset} holds its data`);
      sub.terminate();
    } finally {
      await again.stop();
    }
  } finally {
    removeDir(dataDir);
  }
}

describe('durability through the CLI', () => {
  for (const transport of TRANSPORTS) {
    it(`keeps every acked message, in order, under the same epoch after kill -9 (${transport}, fsync interval)`, () =>
      killDuringBurst(transport, 'interval'));
  }

  it('keeps every acked message after kill -9 with fsync always', () => killDuringBurst('uws', 'always'));

  it('gives memory-storage topics a new epoch after a restart, so resuming clients get reset', async () => {
    const first = await startHub({ args: ['--storage', 'memory'] });
    const c = await RawClient.connect(first.url);
    const pub = await c.request({ op: 'publish', topic: 'mem.t', data: 1 });
    c.terminate();
    await first.stop();
    const second = await startHub({ args: ['--storage', 'memory'], dataDir: first.dataDir });
    try {
      const c2 = await RawClient.connect(second.url);
      const reply = await c2.request({ op: 'subscribe', topic: 'mem.t', from: { after: 1, epoch: pub.epoch } });
      assert.notEqual(reply.epoch, pub.epoch);
      assert.deepEqual([reply.reset, reply.head, reply.earliest], [true, 0, 1]);
      c2.terminate();
    } finally {
      await second.stop();
      removeDir(first.dataDir);
    }
  });

  it('remembers publish keys across a restart on disk storage', async () => {
    const first = await startHub();
    const c = await RawClient.connect(first.url);
    const a = await c.request({ op: 'publish', topic: 'keys.t', data: 'a', key: 'once' });
    await c.request({ op: 'publish', topic: 'keys.t', data: 'b' });
    c.terminate();
    const { code } = await first.stop();
    assert.equal(code, 0);
    const second = await startHub({ dataDir: first.dataDir });
    try {
      const c2 = await RawClient.connect(second.url);
      const again = await c2.request({ op: 'publish', topic: 'keys.t', data: 'a', key: 'once' });
      assert.deepEqual([again.offset, again.duplicate, again.epoch], [a.offset, true, a.epoch]);
      assert.equal((await c2.request({ op: 'publish', topic: 'keys.t', data: 'c' })).offset, 3);
      c2.terminate();
    } finally {
      await second.stop();
      removeDir(first.dataDir);
    }
  });
});
