/**
 * The Node file offset store (`tidings/client/node`): positions survive a process
 * exit (two real child processes resume one after the other, no gap, no
 * duplicate), a burst of positions is one write, writes are atomic, and a file
 * it cannot use says so.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { TidingsClient } from '../../client/index.js';
import { FileOffsetStore } from '../../client/node/index.js';
import { removeDir, startHub, tempDir, type HubProcess } from '../helpers/hub-process.js';
import { until } from '../helpers/wait.js';

const CHILD = fileURLToPath(new URL('./file-store-child.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface ChildRun {
  lines: Array<Record<string, unknown>>;
  exited: Promise<number | null>;
  output: () => string;
}

function runChild(url: string, path: string, topic: string, count: number): ChildRun {
  const child = spawn(process.execPath, [CHILD, url, path, topic, String(count)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    lines.splice(0, lines.length, ...out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>));
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  return { lines, exited, output: () => out };
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('FileOffsetStore', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  const hubs: HubProcess[] = [];
  const dir = (): string => {
    const d = tempDir('tidings-offsets-');
    dirs.push(d);
    return d;
  };
  after(async () => {
    for (const h of hubs) await h.stop();
    for (const d of dirs) removeDir(d);
  });

  it('resumes in a second process after the last offset the first one saw: no gap, no duplicate', async () => {
    const hub = await startHub({ transport: 'uws' });
    hubs.push(hub);
    dirs.push(hub.dataDir);
    const path = join(dir(), 'offsets.json');
    const pub = new TidingsClient(hub.url, { WebSocket });
    try {
      const first = runChild(hub.url, path, 'fs.resume', 20);
      await until(() => first.lines.some((l) => l.subscribed), () => `the first child subscribed:\n${first.output()}`);
      await Promise.all(range(1, 20).map((n) => pub.publish('fs.resume', n)));
      assert.equal(await first.exited, 0, first.output());
      assert.deepEqual(first.lines.find((l) => l.offsets)?.offsets, range(1, 20));
      const stored = JSON.parse(readFileSync(path, 'utf8')) as { positions: Record<string, { offset: number }> };
      assert.equal(stored.positions['fs.resume']?.offset, 20, 'the exit wrote the last position');

      for (let n = 21; n <= 35; n++) await pub.publish('fs.resume', n);
      const second = runChild(hub.url, path, 'fs.resume', 15);
      assert.equal(await second.exited, 0, second.output());
      assert.deepEqual(second.lines.find((l) => l.offsets)?.offsets, range(21, 35), 'the second process starts right after 20');
      assert.deepEqual(readdirSync(join(path, '..')), ['offsets.json'], 'no temporary file left behind');
    } finally {
      pub.close();
    }
  });

  it('writes a burst of positions once, a moment later, and flush() at once', async () => {
    const path = join(dir(), 'offsets.json');
    const store = new FileOffsetStore(path, { delayMs: 100 });
    for (let n = 1; n <= 1000; n++) store.set('burst.a', { offset: n, epoch: 'e1' });
    assert.equal(existsSync(path), false, 'nothing written per position');
    await until(() => existsSync(path), 'the delayed write');
    assert.equal(new FileOffsetStore(path).get('burst.a')?.offset, 1000);
    store.set('burst.b', { offset: 7, epoch: 'e2' });
    store.delete('burst.a');
    store.flush();
    const again = new FileOffsetStore(path);
    assert.equal(again.get('burst.a'), undefined);
    assert.deepEqual(again.get('burst.b'), { offset: 7, epoch: 'e2' });
    store.close();
  });

  it('reads a missing or empty file as empty, and refuses a damaged one with a message saying what to do', () => {
    const d = dir();
    assert.equal(new FileOffsetStore(join(d, 'none.json')).get('x'), undefined);
    writeFileSync(join(d, 'empty.json'), '');
    assert.equal(new FileOffsetStore(join(d, 'empty.json')).get('x'), undefined);
    const cases: Array<[string, RegExp]> = [
      ['{"format":"tidings-offsets","version":1,"positions":{"a":{"offset":', /damaged or not an offset file \(.*JSON/],
      ['{"positions":{}}', /no "format": "tidings-offsets"/],
      ['{"format":"tidings-offsets","version":2,"positions":{}}', /version 2, this client reads version 1/],
      ['{"format":"tidings-offsets","version":1,"positions":{"a":{"offset":-1,"epoch":"e"}}}', /the position of a is not/],
      ['{"format":"tidings-offsets","version":1,"positions":{"a":{"offset":1}}}', /the position of a is not/],
    ];
    for (const [text, message] of cases) {
      const path = join(d, 'bad.json');
      writeFileSync(path, text);
      assert.throws(() => new FileOffsetStore(path), (e: unknown) =>
        e instanceof Error && message.test(e.message) && e.message.includes(path) && /move it away or delete it/.test(e.message), text);
    }
    assert.throws(() => new FileOffsetStore(join(d, 'no-such-folder', 'o.json')), /cannot write to its folder/);
  });

  it('reports a write that fails in the background to onError, flush() throws it, and the next one writes', async () => {
    const path = join(dir(), 'o.json');
    const errors: Error[] = [];
    const store = new FileOffsetStore(path, { delayMs: 10, onError: (e) => errors.push(e) });
    // A folder in the file's place: the rename over it fails, for root too.
    mkdirSync(path);
    writeFileSync(join(path, 'x'), '');
    store.set('w.a', { offset: 1, epoch: 'e' });
    await until(() => errors.length > 0, 'the write error');
    assert.match(errors[0]!.message, /offset store .*o\.json: cannot write it/);
    assert.throws(() => store.flush(), /cannot write it/);
    rmSync(path, { recursive: true });
    store.close();
    assert.equal(new FileOffsetStore(path).get('w.a')?.offset, 1, 'written once the way is clear');
    assert.deepEqual(readdirSync(join(path, '..')), ['o.json'], 'no temporary file left behind');
  });

  it('is exported as tidings/client/node, and not by tidings/client', async () => {
    const spec = 'tidings/client/node';
    const child = spawn(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(spec)}); const c = await import('tidings/client'); console.log(typeof m.FileOffsetStore, typeof c.FileOffsetStore)`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, out);
    assert.equal(out.trim(), 'function undefined');
  });
});
