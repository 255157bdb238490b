/**
 * Damaged data files (docs/guarantees.md): a flipped bit in a message, a truncated
 * tail, a zeroed page, a file of garbage. The hub either drops what is damaged and
 * serves the rest (saying so in its log) or refuses to start with a message naming
 * the file and how to recover. It never serves a damaged message.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { removeDir, runCli, startHub, tempDir } from '../helpers/hub-process.js';
import { RawClient } from '../helpers/raw-client.js';

const COUNT = 300;
const PAGE = 4096;
const mark = (n: number): string => `MARK-${String(n).padStart(4, '0')}-`;
const body = (n: number): string => mark(n) + 'x'.repeat(300);

interface Message {
  offset: number;
  data: { n: number; text: string };
}

/** A store with COUNT messages on `dmg.t`, stopped cleanly; returns its data folder. */
async function filledStore(): Promise<string> {
  const hub = await startHub({ args: ['--no-demo'] });
  const c = await RawClient.connect(hub.url);
  const replies = await Promise.all(Array.from({ length: COUNT }, (_, i) => c.request({ op: 'publish', topic: 'dmg.t', data: { n: i + 1, text: body(i + 1) } })));
  assert.ok(replies.every((r, i) => r.offset === i + 1));
  c.terminate();
  await hub.stop();
  return hub.dataDir;
}

function edit(dir: string, change: (bytes: Buffer) => void): void {
  const file = join(dir, 'tidings.mdb');
  const bytes = readFileSync(file);
  change(bytes);
  writeFileSync(file, bytes);
}

/** Every page of history the hub serves, oldest first. */
async function everything(url: string): Promise<{ earliest: number; messages: Message[] }> {
  const messages: Message[] = [];
  let earliest = 0;
  for (let after = 0; ;) {
    const page = (await (await fetch(`${url}/v1/topics/dmg.t/messages?after=${after}&limit=1000`)).json()) as { earliest: number; messages: Message[] };
    earliest = page.earliest;
    if (page.messages.length === 0) return { earliest, messages };
    messages.push(...page.messages);
    after = page.messages.at(-1)!.offset;
  }
}

/** Nothing served differs from what was published under its offset. */
function assertIntact(messages: Message[]): void {
  for (const m of messages) assert.deepEqual(m.data, { n: m.offset, text: body(m.offset) }, `offset ${m.offset} served as published`);
}

describe('damaged data files', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) removeDir(d);
  });

  for (const where of ['data', 'time'] as const) {
    it(`drops a message whose ${where} has a flipped bit, with the older ones, and serves the rest (log says so)`, async () => {
      const dir = await filledStore();
      dirs.push(dir);
      edit(dir, (b) => {
        const i = b.indexOf(mark(42));
        assert.ok(i > 0, 'message 42 found in the file');
        // A value is `<time>:<crc32 hex>:<data>`: the time's last digit sits 11 bytes before the data.
        const dataStart = b.lastIndexOf('{"n":42,', i);
        const j = where === 'data' ? i + 20 : dataStart - 11;
        b[j] = (b[j] as number) ^ 0x01;
      });
      const hub = await startHub({ args: ['--no-demo'], dataDir: dir });
      try {
        const { earliest, messages } = await everything(hub.httpUrl);
        assertIntact(messages);
        assert.equal(earliest, 43, 'the damaged message and the older ones are gone');
        assert.deepEqual(messages.map((m) => m.offset), Array.from({ length: COUNT - 42 }, (_, i) => i + 43));
        assert.ok(hub.lines.some((l) => l.includes('failed its checksum') && l.includes(join(dir, 'tidings.mdb'))), 'the log names the file');
        // A reader resuming from before the damage is told, not silently skipped.
        const c = await RawClient.connect(hub.url);
        const sub = await c.request({ op: 'subscribe', topic: 'dmg.t', from: { after: 10 } });
        assert.equal(sub.truncated, true);
        c.terminate();
      } finally {
        await hub.stop();
      }
    });
  }

  const refusals: Array<[string, (dir: string) => void]> = [
    ['a truncated tail', (dir) => {
      const file = join(dir, 'tidings.mdb');
      truncateSync(file, Math.floor(statSync(file).size / PAGE / 2) * PAGE);
    }],
    ['a zeroed page', (dir) => edit(dir, (b) => {
      const page = Math.floor(b.indexOf(mark(150)) / PAGE) * PAGE;
      b.fill(0, page, page + PAGE);
    })],
    ['garbage instead of the file', (dir) => edit(dir, (b) => {
      for (let i = 0; i < b.length; i++) b[i] = (i * 7919 + 13) & 0xff;
    })],
  ];
  for (const [what, damage] of refusals) {
    it(`refuses to start on ${what}, naming the file and how to recover`, async () => {
      const dir = await filledStore();
      dirs.push(dir);
      damage(dir);
      const run = await runCli(['serve', '--port', '0', '--no-demo', '--data', dir], {}, 30_000);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stderr, new RegExp(`${join(dir, 'tidings.mdb').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
      assert.match(run.stderr, /backup|move .* away/);
    });
  }
});
