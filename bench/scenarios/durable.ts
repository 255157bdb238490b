/**
 * Durable publish throughput through the hub (acked publishes/s on 1 and 100
 * topics, per fsync setting), and the store's own append latency in-process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbLogStore } from '../../server/store/lmdb-log-store.js';
import type { FsyncMode, TopicPolicy } from '../../server/store/log-store.js';
import { Histogram } from '../lib/histogram.js';
import { runJob } from '../lib/loadgen.js';
import { SPECS, startSystem } from '../lib/systems.js';
import { payloadOf } from '../loadgen/measure.js';
import { attempt, record, recordLatency, recordRate, type Context } from './context.js';

const FSYNC: FsyncMode[] = ['interval', 'always'];

export async function runDurableScenario(ctx: Context): Promise<void> {
  const name = ctx.systems.find((s) => SPECS[s].tidings) ?? 'tidings-uws';
  for (const fsync of FSYNC) {
    for (const topics of ctx.quick ? [1] : [1, 100]) {
      await attempt(ctx, `durable publish · ${name} · fsync ${fsync} · ${topics} topic${topics > 1 ? 's' : ''}`, async () => {
        const system = await startSystem(SPECS[name], ['--fsync', fsync]);
        try {
          const result = await runJob(
            { kind: 'durable', url: system.url, dialect: 'json', topics, inflight: 2000, payloadBytes: 100, ...ctx.timing },
            { onProgress: (l, d, t) => ctx.progress.update(l, d, t) },
          );
          const base = { scenario: 'durable', system: name, params: { topics, fsync } };
          recordRate(ctx, base, result, 'acked publishes/s');
          recordLatency(ctx, base, result, 'ack p99');
        } finally {
          await system.stop();
        }
      });
    }
    await attempt(ctx, `store append latency · lmdb · fsync ${fsync}`, () => storeLatency(ctx, fsync));
  }
}

/** The store alone: appends as the hub issues them (many in flight), each timed. */
async function storeLatency(ctx: Context, fsync: FsyncMode): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tidings-bench-store-'));
  const policy: TopicPolicy = { storage: 'disk', fsync, maxMessages: 1e12, maxBytes: 1e15, maxAgeMs: 1e12 };
  const store = new LmdbLogStore({ dir, policyFor: () => policy, dedupeWindowMs: 120_000, fsyncIntervalMs: 1000 });
  await store.open();
  const data = payloadOf(100);
  const perWindow = ctx.quick ? 20_000 : 200_000;
  const runs: number[] = [];
  const hists: Histogram[] = [];
  try {
    for (let w = 0; w < ctx.timing.windows + 1; w++) {
      const hist = new Histogram();
      const start = performance.now();
      const inflight: Array<Promise<unknown>> = [];
      for (let i = 0; i < perWindow; i++) {
        const t = performance.now();
        inflight.push(store.append('bench.store', { data, bytes: data.length, time: Date.now() }).then(() => hist.record((performance.now() - t) * 1000)));
        if (inflight.length >= 2000) await Promise.all(inflight.splice(0));
        if (i % 10_000 === 0) ctx.progress.update('appending', w * perWindow + i, (ctx.timing.windows + 1) * perWindow);
      }
      await Promise.all(inflight);
      if (w === 0) continue; // warm-up
      runs.push(perWindow / ((performance.now() - start) / 1000));
      hists.push(hist);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const base = { scenario: 'durable', system: 'lmdb store', params: { topics: 1, fsync } };
  record(ctx, { ...base, metric: 'appends/s', unit: 'msg/s', higherIsBetter: true, runs });
  recordLatency(ctx, base, { windows: hists.map((h) => ({ cpu: NaN, rates: {}, histogram: h.counts })) }, 'append p99');
}
