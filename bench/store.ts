/**
 * Log store throughput: appends (batched, as the hub issues them) and ordered
 * reads, LMDB against memory, with a same-vs-same row to show the noise.
 *
 *   npm run bench:store -- [--messages 200000] [--topics 1,100] [--payload 100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { LmdbLogStore } from '../server/store/lmdb-log-store.js';
import type { FsyncMode, LogStore, TopicPolicy } from '../server/store/log-store.js';
import { MemoryLogStore } from '../server/store/memory-log-store.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '200000' },
    topics: { type: 'string', default: '1,100' },
    payload: { type: 'string', default: '100' },
    inflight: { type: 'string', default: '5000' },
  },
});
const MESSAGES = Number(values.messages);
const TOPIC_COUNTS = String(values.topics).split(',').map(Number);
const PAYLOAD = JSON.stringify({ pad: 'x'.repeat(Math.max(0, Number(values.payload) - 10)) });
const INFLIGHT = Number(values.inflight);

interface Row { store: string; topics: number; appendsPerSec: number; readsPerSec: number }

function policy(fsync: FsyncMode): TopicPolicy {
  return { storage: 'disk', fsync, maxMessages: Number.MAX_SAFE_INTEGER, maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: 1e12 };
}

async function measure(name: string, make: (dir: string) => LogStore, topics: number): Promise<Row> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-'));
  const store = make(dir);
  await store.open();
  const bytes = Buffer.byteLength(PAYLOAD);
  let started = performance.now();
  let pending: Promise<unknown>[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    pending.push(store.append(`bench.t${i % topics}`, { data: PAYLOAD, bytes, time: Date.now() }));
    // Bounded in flight, like publishers waiting for acks.
    if (pending.length >= INFLIGHT) {
      await Promise.all(pending);
      pending = [];
    }
  }
  await Promise.all(pending);
  const appendsPerSec = MESSAGES / ((performance.now() - started) / 1000);
  started = performance.now();
  let read = 0;
  for (let t = 0; t < topics; t++) {
    let after = 0;
    for (;;) {
      const page = await store.read(`bench.t${t}`, after, 256);
      if (page.length === 0) break;
      read += page.length;
      after = (page[page.length - 1] as { offset: number }).offset;
    }
  }
  const readsPerSec = read / ((performance.now() - started) / 1000);
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  return { store: name, topics, appendsPerSec, readsPerSec };
}

const stores: Array<[string, (dir: string) => LogStore]> = [
  ['memory', () => new MemoryLogStore({ policyFor: () => policy('interval'), dedupeWindowMs: 120_000 })],
  ['lmdb interval', (dir) => new LmdbLogStore({ dir, policyFor: () => policy('interval'), dedupeWindowMs: 120_000, fsyncIntervalMs: 1000 })],
  ['lmdb interval (again)', (dir) => new LmdbLogStore({ dir, policyFor: () => policy('interval'), dedupeWindowMs: 120_000, fsyncIntervalMs: 1000 })],
  ['lmdb always', (dir) => new LmdbLogStore({ dir, policyFor: () => policy('always'), dedupeWindowMs: 120_000, fsyncIntervalMs: 1000 })],
];

const rows: Row[] = [];
for (const topics of TOPIC_COUNTS) for (const [name, make] of stores) rows.push(await measure(name, make, topics));
const base = new Map(rows.filter((r) => r.store === 'memory').map((r) => [r.topics, r]));
console.log(`${MESSAGES} messages of ${Buffer.byteLength(PAYLOAD)} bytes, ${INFLIGHT} in flight, node ${process.version}`);
console.table(rows.map((r) => ({
  store: r.store,
  topics: r.topics,
  'appends/s': Math.round(r.appendsPerSec),
  'reads/s': Math.round(r.readsPerSec),
  'appends vs memory': (r.appendsPerSec / (base.get(r.topics)?.appendsPerSec ?? 1)).toFixed(2),
  'reads vs memory': (r.readsPerSec / (base.get(r.topics)?.readsPerSec ?? 1)).toFixed(2),
})));
