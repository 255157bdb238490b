/**
 * Power loss, simulated (docs/guarantees.md): with TIDINGS_TEST_SNAPSHOT_DIR the
 * store writes a consistent copy of itself after every fsync, and an fsync counts
 * as done only once the copy is written. The test publishes under load, kills the
 * hub, puts the copy in place of the data file (all that was not fsynced is gone)
 * and restarts it under another boot id, as after a reboot. With fsync always,
 * nothing acked is lost and epochs stay; with an fsync interval, only messages acked
 * within the last interval may be lost, and every topic gets a new epoch, so
 * resuming subscribers are told `reset`: never a silent gap.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeDir, startHub, tempDir, type HubProcess } from '../helpers/hub-process.js';
import { RawClient, type Frame } from '../helpers/raw-client.js';
import { freePort } from '../helpers/wait.js';

const TOPICS = ['pl.a', 'pl.b', 'pl.c', 'pl.d'];
const INTERVAL_MS = 500;
const ROUNDS = 3;
const HELD_FSYNC_MS = 300;

interface Ack {
  topic: string;
  key: string;
  offset: number;
  epoch: string;
  at: number;
}

/** Publishes with keys over two connections, about `perSecond` in all, until stopped. */
function publishers(url: string, perSecond: number, acks: Ack[]): { stop(): Promise<void> } {
  let running = true;
  const loops = [0, 1].map(async (p) => {
    const c = await RawClient.connect(url);
    let n = 0;
    while (running) {
      const batch = Array.from({ length: 10 }, () => {
        const topic = TOPICS[n % TOPICS.length] as string;
        const key = `p${p}-${n++}`;
        return Promise.race([
          c.request({ op: 'publish', topic, data: { key }, key }, 20_000).then((r: Frame) => {
            if (!r.error) acks.push({ topic, key, offset: r.offset as number, epoch: r.epoch as string, at: Date.now() });
          }),
          c.closed,
        ]);
      });
      await Promise.race([Promise.all(batch), c.closed]);
      await new Promise((r) => setTimeout(r, (20 * 1000) / perSecond));
      if (c.ws.readyState !== c.ws.OPEN) break;
    }
    c.terminate();
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function history(hub: HubProcess, topic: string): Promise<{ epoch: string; messages: Array<{ offset: number; data: { key: string } }> }> {
  const all: Array<{ offset: number; data: { key: string } }> = [];
  let epoch = '';
  for (let after = 0; ;) {
    const page = (await (await fetch(`${hub.httpUrl}/v1/topics/${topic}/messages?after=${after}&limit=1000`)).json()) as {
      epoch: string; messages: Array<{ offset: number; data: { key: string } }>;
    };
    epoch = page.epoch;
    if (page.messages.length === 0) return { epoch, messages: all };
    all.push(...page.messages);
    after = page.messages.at(-1)!.offset;
  }
}

describe('power loss, simulated by keeping only what was fsynced', { timeout: 300_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) removeDir(d);
  });

  for (const fsync of ['always', 'interval'] as const) {
    it(`fsync ${fsync}: ${fsync === 'always' ? 'loses nothing acked, epochs stay' : `loses at most ${INTERVAL_MS} ms of acks, and every topic is reset`}`, async () => {
      const data = tempDir();
      const snapshots = tempDir();
      dirs.push(data, snapshots);
      const port = await freePort();
      const args = ['--no-demo', '--port', String(port), '--fsync', fsync, '--fsync-interval', `${INTERVAL_MS}ms`];
      // Under interval, fsyncs are held back 300 ms (within the interval), so a loss has something to lose.
      const env = (boot: number): Record<string, string> => ({
        TIDINGS_TEST_FAULTS: '1', TIDINGS_TEST_SNAPSHOT_DIR: snapshots, TIDINGS_TEST_BOOT_ID: `boot-${boot}`,
        ...(fsync === 'interval' && { TIDINGS_TEST_FSYNC_DELAY_MS: String(HELD_FSYNC_MS) }),
      });
      const totals = { acked: 0, lost: 0, lostOutsideInterval: 0, conflicts: 0, resets: 0, silentGaps: 0 };
      let hub = await startHub({ args, dataDir: data, env: env(0) });
      for (let round = 1; round <= ROUNDS; round++) {
        // A subscriber following every topic, whose positions resume after the loss.
        const sub = await RawClient.connect(hub.url);
        const positions = new Map<string, { after: number; epoch: string }>();
        for (const topic of TOPICS) {
          const r = await sub.request({ op: 'subscribe', topic, from: { earliest: true } });
          positions.set(topic, { after: 0, epoch: r.epoch as string });
        }
        const acks: Ack[] = [];
        const load = publishers(hub.url, 1000, acks);
        await new Promise((r) => setTimeout(r, 1000 + Math.random() * 1500));
        const killedAt = Date.now();
        await hub.kill9();
        await load.stop();
        for (const m of sub.messages()) {
          const p = positions.get(m.topic) as { after: number; epoch: string };
          if (m.offset !== p.after + 1) totals.silentGaps++;
          p.after = m.offset;
        }
        sub.terminate();
        // The power loss: only the copy taken at the last fsync survives.
        assert.ok(existsSync(join(snapshots, 'tidings.mdb')), 'a snapshot was taken');
        copyFileSync(join(snapshots, 'tidings.mdb'), join(data, 'tidings.mdb'));
        rmSync(join(data, 'tidings.mdb-lock'), { force: true });
        hub = await startHub({ args, dataDir: data, env: env(round) });
        // What survived, checked against every ack.
        for (const topic of TOPICS) {
          const h = await history(hub, topic);
          const byOffset = new Map(h.messages.map((m) => [m.offset, m.data.key]));
          const keys = new Set(h.messages.map((m) => m.data.key));
          for (const a of acks.filter((x) => x.topic === topic)) {
            totals.acked++;
            if (!keys.has(a.key)) {
              totals.lost++;
              if (a.at < killedAt - INTERVAL_MS) totals.lostOutsideInterval++;
            } else if (h.epoch === a.epoch && byOffset.get(a.offset) !== a.key) totals.conflicts++;
          }
          // A subscriber resuming where it was: told `reset` when the epoch changed, else no gap.
          const c = await RawClient.connect(hub.url);
          const p = positions.get(topic) as { after: number; epoch: string };
          const reply = await c.request({ op: 'subscribe', topic, from: { after: p.after, epoch: p.epoch } });
          if (reply.reset) totals.resets++;
          else if (h.epoch !== p.epoch) totals.silentGaps++;
          else if (h.messages.length > 0 && (h.messages.at(-1) as { offset: number }).offset < p.after) totals.silentGaps++;
          c.terminate();
        }
      }
      await hub.stop();
      process.stdout.write(`[power loss fsync=${fsync}] rounds ${ROUNDS}, acked ${totals.acked}, lost ${totals.lost} `
        + `(outside the ${INTERVAL_MS} ms interval: ${totals.lostOutsideInterval}), conflicting offsets ${totals.conflicts}, `
        + `resets ${totals.resets} of ${ROUNDS * TOPICS.length} resumes, silent gaps ${totals.silentGaps}\n`);
      assert.ok(totals.acked > 0);
      assert.equal(totals.conflicts, 0, 'an offset names one message under one epoch');
      assert.equal(totals.silentGaps, 0, 'no silent gap');
      if (fsync === 'always') {
        assert.equal(totals.lost, 0, 'nothing acked lost');
        assert.equal(totals.resets, 0, 'epochs stay: nothing acked could be lost');
      } else {
        assert.equal(totals.lostOutsideInterval, 0, `only acks of the last ${INTERVAL_MS} ms may be lost`);
        assert.equal(totals.resets, ROUNDS * TOPICS.length, 'every interval topic is reset after the power loss');
        assert.ok(totals.lost > 0, 'with fsyncs held back, the power loss took acked messages (so the checks above had something to check)');
      }
    });
  }
});
