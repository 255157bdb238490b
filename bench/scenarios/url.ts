/**
 * Load-testing a running hub by URL: subscribers spread over worker processes,
 * one publisher at a fixed rate, live progress, the same report as a full run.
 */
import { Histogram } from '../lib/histogram.js';
import { runJob } from '../lib/loadgen.js';
import type { Dialect } from '../loadgen/client.js';
import type { JobResult } from '../loadgen/jobs.js';
import { attempt, median, record, type Context } from './context.js';

export interface UrlOptions {
  url: string;
  dialect: Dialect;
  subscribers: number;
  rate: number;
  durationMs: number;
  workers: number;
  topic: string;
  payloadBytes: number;
  token?: string;
}

/** Windows of about 5 s (fewer, shorter ones for short runs), after a 2 s warm-up. */
function timing(durationMs: number): { warmupMs: number; windows: number; windowMs: number } {
  const warmupMs = Math.min(2000, durationMs / 5);
  const windows = Math.max(1, Math.round((durationMs - warmupMs) / 5000));
  return { warmupMs, windows, windowMs: (durationMs - warmupMs) / windows };
}

export async function runUrlScenario(ctx: Context, o: UrlOptions): Promise<void> {
  const t = timing(o.durationMs);
  await attempt(ctx, `load test · ${o.url} · ${o.subscribers} subscribers · ${o.rate} msg/s`, async () => {
    const share = (i: number): number => Math.floor(o.subscribers / o.workers) + (i < o.subscribers % o.workers ? 1 : 0);
    const done = new Array<number>(o.workers).fill(0);
    const results: JobResult[] = await Promise.all(
      Array.from({ length: o.workers }, (_, i) =>
        runJob(
          {
            kind: 'latency', url: o.url, dialect: o.dialect, subscribers: share(i), rate: o.rate, payloadBytes: o.payloadBytes,
            publisher: i === 0, topic: o.topic, ...t, ...(o.token ? { token: o.token } : {}),
          },
          {
            onProgress: (label, d, total) => {
              done[i] = label === 'measuring' ? d : 0;
              ctx.progress.update(label, label === 'measuring' ? Math.min(...done) : d, total);
            },
          },
          o.durationMs + 300_000,
          undefined, // the hub is not ours: use every core
        ),
      ),
    );
    // Window k of every worker covers the same span: merge them.
    const windows = Array.from({ length: t.windows }, (_, k) => {
      const hist = new Histogram();
      let deliveries = 0;
      let cpu = 0;
      for (const r of results) {
        const w = r.windows[k];
        if (!w) continue;
        if (w.histogram) hist.merge(new Histogram(w.histogram));
        deliveries += w.rates['deliveries/s'] ?? 0;
        cpu += w.cpu;
      }
      return { hist, deliveries, cpu, publishes: results[0]?.windows[k]?.rates['publishes/s'] ?? NaN };
    });
    const base = { scenario: 'url', system: o.url, params: { subscribers: o.subscribers, rate: o.rate } };
    const cpu = median(windows.map((w) => w.cpu));
    record(ctx, { ...base, metric: 'deliveries/s', unit: 'msg/s', higherIsBetter: true, runs: windows.map((w) => w.deliveries), loadgenCpu: cpu });
    record(ctx, { ...base, metric: 'publishes/s', unit: 'msg/s', higherIsBetter: true, runs: windows.map((w) => w.publishes), loadgenCpu: cpu });
    const all = new Histogram();
    for (const w of windows) all.merge(w.hist);
    record(ctx, {
      ...base, metric: 'p99', unit: 'ms', higherIsBetter: false, runs: windows.map((w) => w.hist.summary().p99 ?? NaN),
      loadgenCpu: cpu, percentiles: all.summary(),
    });
  });
}
