/**
 * A full disk and failing fsyncs (PROTOCOL.md §6, §7 `unavailable`): the hub's data
 * folder on a small tmpfs that fills up, then grows; fdatasync made to fail with
 * EIO by strace. Publishes get `unavailable`, nothing is acked that was not stored,
 * readers keep being served, and writing resumes by itself once space returns.
 * Mounting a tmpfs and attaching strace need root (CI runs as root).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeDir, startHub, tempDir, type HubProcess } from '../helpers/hub-process.js';
import { RawClient, type Frame } from '../helpers/raw-client.js';

const ROOT = process.getuid?.() === 0;
const skip = ROOT ? false : 'needs root: it mounts a tmpfs and attaches strace (CI runs as root)';
const DATA = 'x'.repeat(4000);

function hasStrace(): boolean {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

interface Ack {
  topic: string;
  offset: number;
  key: string;
}

/** Publishes with a key; an `unavailable` reply is counted, an ack recorded, anything else fails the test. */
async function publishAll(c: RawClient, topic: string, keys: string[], acks: Ack[], refused: { n: number }): Promise<void> {
  const replies = await Promise.all(keys.map((key) => c.request({ op: 'publish', topic, data: { key, pad: DATA }, key }, 20_000)));
  replies.forEach((reply: Frame, i) => {
    const error = reply.error as { code: string } | undefined;
    if (error) {
      assert.equal(error.code, 'unavailable', JSON.stringify(reply));
      refused.n++;
    } else acks.push({ topic, offset: reply.offset as number, key: keys[i] as string });
  });
}

/** Every acked message is in the topic's history under its offset, each key once. */
async function assertAckedStored(hub: HubProcess, acks: Ack[]): Promise<number> {
  const byTopic = new Map<string, Ack[]>();
  for (const a of acks) byTopic.set(a.topic, [...(byTopic.get(a.topic) ?? []), a]);
  let stored = 0;
  for (const [topic, list] of byTopic) {
    const seen = new Map<string, number>();
    for (let after = 0; ;) {
      const page = (await (await fetch(`${hub.httpUrl}/v1/topics/${topic}/messages?after=${after}&limit=1000`)).json()) as {
        messages: Array<{ offset: number; data: { key: string } }>;
      };
      if (page.messages.length === 0) break;
      for (const m of page.messages) {
        assert.ok(!seen.has(m.data.key), `key ${m.data.key} stored twice`);
        seen.set(m.data.key, m.offset);
      }
      stored += page.messages.length;
      after = page.messages.at(-1)!.offset;
    }
    for (const a of list) assert.equal(seen.get(a.key), a.offset, `acked ${topic}#${a.offset} (${a.key}) is stored`);
  }
  return stored;
}

describe('disk full and I/O errors', { skip, timeout: 180_000 }, () => {
  const cleanups: Array<() => void> = [];
  after(() => {
    for (const c of cleanups.reverse()) c();
  });

  it('answers unavailable on a full disk, keeps serving readers, and resumes within 5 s of space returning', async () => {
    const mnt = mkdtempSync(join(tmpdir(), 'tidings-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt]);
    cleanups.push(() => {
      try {
        execFileSync('umount', ['-l', mnt]);
      } catch { /* already gone */ }
      rmSync(mnt, { recursive: true, force: true });
    });
    const data = join(mnt, 'data');
    let hub = await startHub({ args: ['--no-demo', '--fsync', 'always'], dataDir: data });
    cleanups.push(() => hub.child.kill('SIGKILL'));
    const c = await RawClient.connect(hub.url);
    const reader = await RawClient.connect(hub.url);
    const acks: Ack[] = [];
    const refused = { n: 0 };
    let batch = 0;
    // Fill it: batches of 20 until publishes are refused.
    while (refused.n === 0 && batch < 400) {
      await publishAll(c, `full.t${batch % 4}`, Array.from({ length: 20 }, (_, i) => `b${batch}-${i}`), acks, refused);
      batch++;
    }
    assert.ok(refused.n > 0, 'the disk filled up');
    // More against the full disk: each is refused or, where LMDB still finds free pages, stored
    // (publishAll accepts no other answer; every ack is checked against the log below).
    await publishAll(c, 'full.t0', Array.from({ length: 20 }, (_, i) => `full-${i}`), acks, refused);
    // Readers are still served: history and a replaying subscription.
    const sub = await reader.request({ op: 'subscribe', topic: 'full.t1', from: { earliest: true } });
    assert.equal(sub.error, undefined);
    const history = await fetch(`${hub.httpUrl}/v1/topics/full.t1/messages?limit=5`);
    assert.equal(history.status, 200);
    assert.equal((await fetch(`${hub.httpUrl}/healthz`)).status, 200);
    // Space returns: a publish goes through within 5 s, without a restart.
    execFileSync('mount', ['-o', 'remount,size=64m', mnt]);
    const back = Date.now();
    let resumed: Frame | undefined;
    while (!resumed && Date.now() - back < 5000) {
      const reply = await c.request({ op: 'publish', topic: 'full.t0', data: { key: 'resumed', pad: DATA }, key: 'resumed' });
      if (!reply.error) resumed = reply;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(resumed, 'writing resumed within 5 s of space returning');
    acks.push({ topic: 'full.t0', offset: resumed.offset as number, key: 'resumed' });
    const stored = await assertAckedStored(hub, acks);
    process.stdout.write(`[disk full] acked ${acks.length}, refused ${refused.n}, stored ${stored}, resumed after ${Date.now() - back} ms\n`);
    c.terminate();
    reader.terminate();
    // And after a restart, everything acked is still there.
    await hub.stop();
    hub = await startHub({ args: ['--no-demo', '--fsync', 'always'], dataDir: data });
    await assertAckedStored(hub, acks);
    await hub.stop();
  });

  it('answers unavailable when fdatasync fails, never acks that write later, and writes again once it succeeds', { skip: hasStrace() ? false : 'strace is not installed (apt-get install strace)' }, async () => {
    const dir = tempDir();
    cleanups.push(() => removeDir(dir));
    const hub = await startHub({ args: ['--no-demo', '--fsync', 'always'], dataDir: dir });
    cleanups.push(() => hub.child.kill('SIGKILL'));
    const c = await RawClient.connect(hub.url);
    const acks: Ack[] = [];
    const refused = { n: 0 };
    await publishAll(c, 'eio.t', ['ok-1', 'ok-2', 'ok-3'], acks, refused);
    assert.equal(acks.length, 3);
    const strace: ChildProcess = spawn('strace', ['-f', '-qq', '-o', '/dev/null', '-e', 'trace=fdatasync,fsync',
      '-e', 'inject=fdatasync:error=EIO', '-e', 'inject=fsync:error=EIO', '-p', String(hub.child.pid)], { stdio: 'ignore' });
    cleanups.push(() => strace.kill('SIGKILL'));
    // strace needs a moment to attach: publish until the failures show.
    const failing: string[] = [];
    for (let i = 0; i < 100 && refused.n === 0; i++) {
      const key = `eio-${i}`;
      failing.push(key);
      await publishAll(c, 'eio.t', [key], acks, refused);
      if (refused.n === 0) failing.pop();
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(refused.n > 0, 'a publish failed while fdatasync failed');
    await publishAll(c, 'eio.t', ['eio-more-1', 'eio-more-2'], acks, refused);
    const failedKeys = [...failing, 'eio-more-1', 'eio-more-2'].filter((k) => !acks.some((a) => a.key === k));
    strace.kill('SIGINT');
    await new Promise((r) => strace.once('exit', r));
    // Healthy again: new writes are acked; the failed ones were never acked (every reply came back refused).
    let ok: Frame | undefined;
    for (let i = 0; i < 50 && !ok; i++) {
      const reply = await c.request({ op: 'publish', topic: 'eio.t', data: { key: 'after', pad: DATA }, key: 'after' });
      if (!reply.error) ok = reply;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ok, 'writes resume once fdatasync succeeds');
    acks.push({ topic: 'eio.t', offset: ok.offset as number, key: 'after' });
    await assertAckedStored(hub, acks);
    // No late ack for a refused publish: every request got exactly one reply.
    const replies = new Map<number, number>();
    for (const f of c.frames) if (f.op === 'reply') replies.set(f.id as number, (replies.get(f.id as number) ?? 0) + 1);
    assert.deepEqual([...replies].filter(([, n]) => n > 1), []);
    // And none of the refused writes surfaced in the log.
    const history = (await (await fetch(`${hub.httpUrl}/v1/topics/eio.t/messages?limit=1000`)).json()) as { messages: Array<{ data: { key: string } }> };
    assert.deepEqual(history.messages.map((m) => m.data.key).filter((k) => failedKeys.includes(k)), []);
    process.stdout.write(`[fsync EIO] acked ${acks.length}, refused ${refused.n} while fdatasync failed\n`);
    c.terminate();
    await hub.stop();
  });
});
