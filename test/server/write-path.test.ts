/**
 * Crashes at precise points of the write path (server/store/fault-points.ts):
 * the hub kills itself before a commit, after it, and after the fsync, and a
 * held-back fsync opens a window in which the test kills it. An ack never leaves
 * before the data is where the topic's fsync policy promises; what was stored
 * without an ack is found by the client's retry with the same key.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { removeDir, startHub, tempDir, type HubProcess } from '../helpers/hub-process.js';
import { RawClient, type Frame } from '../helpers/raw-client.js';
import { freePort, until } from '../helpers/wait.js';

const FAULTS = { TIDINGS_TEST_FAULTS: '1' };
/** How long the flush is held back in the fsync-window cases. */
const HELD_FLUSH_MS = 3000;

interface Hub {
  hub: HubProcess;
  restart(env?: Record<string, string>): Promise<HubProcess>;
}

async function faultyHub(fsync: 'always' | 'interval', env: Record<string, string> = {}): Promise<Hub> {
  const dir = tempDir();
  const port = await freePort();
  // A long interval, so acks under `interval` never wait for a held-back fsync to catch up.
  const args = ['--no-demo', '--port', String(port), '--fsync', fsync, '--fsync-interval', '60s'];
  const state: Hub = {
    hub: await startHub({ args, dataDir: dir, env: { ...FAULTS, ...env } }),
    async restart(next = env) {
      state.hub = await startHub({ args, dataDir: dir, env: { ...FAULTS, ...next } });
      return state.hub;
    },
  };
  return state;
}

async function history(hub: HubProcess, topic: string): Promise<{ head: number; messages: Array<{ offset: number; data: unknown }> }> {
  const res = await fetch(`${hub.httpUrl}/v1/topics/${topic}/messages?limit=1000`);
  return (await res.json()) as { head: number; messages: Array<{ offset: number; data: unknown }> };
}

/** Publishes and waits for the ack; a closed connection (the hub died) gives undefined. */
async function publish(c: RawClient, topic: string, data: unknown, key: string): Promise<Frame | undefined> {
  return Promise.race([
    c.request({ op: 'publish', topic, data, key }, 20_000),
    c.closed.then(() => undefined),
  ]);
}

describe('crashes at points of the write path', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) removeDir(d);
  });

  async function setUp(fsync: 'always' | 'interval', env?: Record<string, string>): Promise<{ h: Hub; acked: Frame[]; c: RawClient }> {
    const h = await faultyHub(fsync, env);
    dirs.push(h.hub.dataDir);
    const c = await RawClient.connect(h.hub.url);
    // Sent together (stored in the order sent), so a held-back fsync is waited for once.
    const replies = await Promise.all(Array.from({ length: 20 }, (_, i) => publish(c, 'wp.before', { n: i + 1 }, `before-${i + 1}`)));
    const acked = replies.map((reply) => {
      assert.ok(reply && typeof reply.offset === 'number');
      return reply;
    });
    return { h, acked, c };
  }

  /** Everything acked before the crash is there, unchanged, under the same epoch. */
  async function assertAckedKept(hub: HubProcess, acked: Frame[]): Promise<void> {
    const h = await history(hub, 'wp.before');
    assert.deepEqual(h.messages.map((m) => m.data), acked.map((_, i) => ({ n: i + 1 })));
    assert.deepEqual(h.messages.map((m) => m.offset), acked.map((a) => a.offset));
  }

  for (const fsync of ['always', 'interval'] as const) {
    it(`a kill before the commit stores nothing of the batch and acks nothing (fsync ${fsync})`, async () => {
      const { h, acked, c } = await setUp(fsync);
      const reply = await publish(c, 'fault.kill.before-commit', { doomed: true }, 'k-before');
      assert.equal(reply, undefined, 'no ack: the hub died before the commit');
      await h.hub.exited;
      const hub = await h.restart();
      await assertAckedKept(hub, acked);
      assert.equal((await history(hub, 'fault.kill.before-commit')).head, 0, 'nothing of the dying batch was written');
      await hub.stop();
    });

    it(`a kill after the commit acks nothing, and a retry with the same key finds the stored message (fsync ${fsync})`, async () => {
      const { h, acked, c } = await setUp(fsync);
      const reply = await publish(c, 'fault.kill.after-commit', { kept: true }, 'k-after');
      assert.equal(reply, undefined, 'no ack: the hub died between commit and ack');
      await h.hub.exited;
      // Faults off: the retry below must not trigger the kill again.
      const hub = await h.restart({ TIDINGS_TEST_FAULTS: '0' });
      await assertAckedKept(hub, acked);
      const stored = await history(hub, 'fault.kill.after-commit');
      assert.deepEqual(stored.messages.map((m) => m.data), [{ kept: true }], 'committed, so a process crash keeps it');
      const c2 = await RawClient.connect(hub.url);
      const retry = await publish(c2, 'fault.kill.after-commit', { kept: true }, 'k-after');
      assert.equal(retry?.duplicate, true, 'the retry is recognised by its key');
      assert.equal(retry?.offset, 1);
      c2.terminate();
      await hub.stop();
    });
  }

  it('with fsync always, a kill after the fsync but before the ack leaves the message stored and unacked', async () => {
    const { h, acked, c } = await setUp('always');
    const reply = await publish(c, 'fault.kill.after-fsync', { synced: true }, 'k-fsync');
    assert.equal(reply, undefined);
    await h.hub.exited;
    const hub = await h.restart({});
    await assertAckedKept(hub, acked);
    assert.deepEqual((await history(hub, 'fault.kill.after-fsync')).messages.map((m) => m.data), [{ synced: true }]);
    await hub.stop();
  });

  it('with fsync always, no ack leaves while the fsync is held back; kill -9 in that window loses nothing acked', async () => {
    const { h, acked, c } = await setUp('always', { TIDINGS_TEST_FSYNC_DELAY_MS: String(HELD_FLUSH_MS) });
    let ack: Frame | undefined;
    void publish(c, 'wp.window', { held: true }, 'k-window').then((r) => (ack = r));
    // Well inside the held flush: the commit is done, the fsync is not, so no ack may have left.
    await new Promise((r) => setTimeout(r, HELD_FLUSH_MS / 3));
    assert.equal(ack, undefined, 'an fsync-always ack waits for the fsync');
    await h.hub.kill9();
    const hub = await h.restart({});
    await assertAckedKept(hub, acked);
    const c2 = await RawClient.connect(hub.url);
    const retry = await publish(c2, 'wp.window', { held: true }, 'k-window');
    assert.ok(retry && typeof retry.offset === 'number', 'the retry is stored or found');
    assert.deepEqual((await history(hub, 'wp.window')).messages.map((m) => m.data), [{ held: true }], 'stored once');
    c2.terminate();
    await hub.stop();
  });

  it('with fsync interval, the ack leaves after the commit without waiting for the held-back fsync', async () => {
    const { h, c } = await setUp('interval', { TIDINGS_TEST_FSYNC_DELAY_MS: String(HELD_FLUSH_MS) });
    let ack: Frame | undefined;
    void publish(c, 'wp.interval', { n: 1 }, 'k-interval').then((r) => (ack = r));
    // Sooner than the held fsync could finish.
    await until(() => ack, 'the ack before the held fsync finished', HELD_FLUSH_MS - 500);
    assert.equal(typeof ack?.offset, 'number');
    c.terminate();
    await h.hub.stop();
  });
});
