import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { LmdbLogStore } from '../../../server/store/lmdb-log-store.js';
import type { FsyncMode, TopicPolicy } from '../../../server/store/log-store.js';
import { removeDir, tempDir } from '../../helpers/hub-process.js';
import { OPEN_POLICY, input, runLogStoreContract } from './log-store-contract.js';

const CHILD = fileURLToPath(new URL('../../fixtures/lmdb-append-child.js', import.meta.url));

function open(dir: string, policy: Partial<TopicPolicy> = {}, bootId = 'boot-a'): LmdbLogStore {
  return new LmdbLogStore({ dir, bootId, dedupeWindowMs: 120_000, fsyncIntervalMs: 1000, policyFor: () => ({ ...OPEN_POLICY, ...policy }) });
}

/** Polls `check` until true, bounded, saying what it waited for. */
async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

runLogStoreContract('LmdbLogStore', async (policyFor) => {
  const dir = tempDir();
  const store = new LmdbLogStore({ dir, policyFor, dedupeWindowMs: 120_000, fsyncIntervalMs: 1000 });
  await store.open();
  return {
    store,
    sweep: (now) => store.sweepNow(now),
    close: async () => {
      await store.close();
      removeDir(dir);
    },
  };
});

interface Ack { offset: number; epoch: string; i: number }

/** Runs the append child until it has acked `count`, then kill -9s it; returns its acks. */
function crashAfter(dir: string, bootId: string, fsync: FsyncMode, count: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, bootId, fsync, 'crash.t'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const acks: Ack[] = [];
    let rest = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child acked only ${acks.length} of ${count} appends in 30 s`));
    }, 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const [offset, epoch, i] = line.split(' ');
        acks.push({ offset: Number(offset), epoch: epoch as string, i: Number(i) });
      }
      if (acks.length >= count && child.exitCode === null) child.kill('SIGKILL');
    });
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(acks);
    });
  });
}

describe('LmdbLogStore on disk', () => {
  it('keeps topics, epochs, messages and dedupe keys across close and reopen', async () => {
    const dir = tempDir();
    try {
      const a = open(dir);
      await a.open();
      const first = await a.append('p.t', input({ n: 1 }, { key: 'k1' }));
      await a.append('p.t', input({ n: 2 }));
      await a.touch('p.empty');
      const emptyEpoch = a.bounds('p.empty')?.epoch;
      await a.close();
      const b = open(dir);
      await b.open();
      assert.deepEqual(b.bounds('p.t'), { epoch: first.epoch, earliest: 1, head: 2 });
      assert.equal(b.bounds('p.empty')?.epoch, emptyEpoch);
      assert.deepEqual((await b.read('p.t', 0, 10)).map((m) => JSON.parse(m.data)), [{ n: 1 }, { n: 2 }]);
      const again = await b.append('p.t', input({ n: 3 }, { key: 'k1' }));
      assert.deepEqual([again.offset, again.duplicate], [1, true]);
      assert.equal((await b.append('p.t', input({ n: 3 }))).offset, 3);
      await b.close();
    } finally {
      removeDir(dir);
    }
  });

  for (const fsync of ['interval', 'always'] as const) {
    it(`keeps every acknowledged append after kill -9 (fsync ${fsync}), under the same epoch`, async () => {
      const dir = tempDir();
      try {
        const acks = await crashAfter(dir, 'boot-a', fsync, 5000);
        assert.ok(acks.length >= 5000);
        const store = open(dir, { fsync });
        await store.open();
        const b = store.bounds('crash.t');
        assert.ok(b, 'the topic survived');
        assert.equal(b.epoch, (acks[0] as Ack).epoch, 'a process crash keeps the epoch');
        const stored = await store.read('crash.t', 0, b.head);
        assert.deepEqual(stored.map((m) => m.offset), Array.from({ length: b.head }, (_, k) => k + 1));
        for (const ack of acks) assert.deepEqual(JSON.parse(stored[ack.offset - 1]?.data ?? 'null'), { i: ack.i }, `offset ${ack.offset}`);
        await store.close();
      } finally {
        removeDir(dir);
      }
    });
  }

  it('renews the epochs of interval topics when the OS restarted after an unclean stop, and only then', async () => {
    const dir = tempDir();
    try {
      const acks = await crashAfter(dir, 'boot-a', 'interval', 500);
      const epoch = (acks[0] as Ack).epoch;
      const sameBoot = open(dir, {}, 'boot-a');
      await sameBoot.open();
      assert.equal(sameBoot.bounds('crash.t')?.epoch, epoch, 'same boot: a process crash keeps the epoch');
      // Not closed: left open as by a crash (the lock state is what a crash leaves behind).
      await crashAfter(dir, 'boot-a', 'interval', 10);
      const always = open(dir, { fsync: 'always' }, 'boot-b');
      await always.open();
      assert.equal(always.bounds('crash.t')?.epoch, epoch, 'fsync always loses nothing acked: epoch kept');
      await always.close();
      await crashAfter(dir, 'boot-b', 'interval', 10);
      const rebooted = open(dir, {}, 'boot-c');
      await rebooted.open();
      const renewed = rebooted.bounds('crash.t');
      assert.notEqual(renewed?.epoch, epoch, 'OS restart after an unclean stop: new epoch');
      assert.ok((renewed?.head ?? 0) >= acks.length, 'the data is kept');
      await rebooted.close();
      const clean = open(dir, {}, 'boot-d');
      await clean.open();
      assert.equal(clean.bounds('crash.t')?.epoch, renewed?.epoch, 'a clean close keeps epochs across an OS restart');
      await clean.close();
      await sameBoot.close();
    } finally {
      removeDir(dir);
    }
  });

  it('sweeps messages past their age by itself', async () => {
    const dir = tempDir();
    const store = open(dir, { maxAgeMs: 200 });
    try {
      await store.open();
      await store.append('age.t', input(1));
      await store.append('age.t', input(2));
      await until(() => (store.bounds('age.t')?.earliest ?? 0) === 3, 'the age sweep to drop both messages');
      assert.deepEqual(await store.read('age.t', 0, 10), []);
    } finally {
      await store.close();
      removeDir(dir);
    }
  });

  it('holds 100,000 topics in one file without opening a file per topic', async () => {
    const dir = tempDir();
    const fdsBefore = readdirSync('/proc/self/fd').length;
    try {
      const store = open(dir);
      await store.open();
      for (let chunk = 0; chunk < 100; chunk++) {
        const pending = [];
        for (let i = 0; i < 1000; i++) pending.push(store.append(`many.t${chunk * 1000 + i}`, input(chunk * 1000 + i)));
        await Promise.all(pending);
      }
      assert.ok(readdirSync('/proc/self/fd').length - fdsBefore < 20, 'a handful of descriptors, not one per topic');
      await store.close();
      const again = open(dir);
      await again.open();
      assert.equal(again.list('many.', 200_000).length, 100_000);
      for (const n of [0, 4242, 99_999]) {
        assert.deepEqual(await again.read(`many.t${n}`, 0, 5).then((p) => p.map((m) => [m.offset, JSON.parse(m.data)])), [[1, n]]);
      }
      await again.close();
      assert.ok(readdirSync(dir).length <= 3, `files in the data folder: ${readdirSync(dir).join(', ')}`);
    } finally {
      removeDir(dir);
    }
  });
});
