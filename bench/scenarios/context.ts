/** What every scenario gets: the run's settings, progress, and where results go. */
import type { JobResult } from '../loadgen/jobs.js';
import { Histogram } from '../lib/histogram.js';
import type { Progress } from '../lib/progress.js';
import { summarize, type Measurement } from '../lib/results.js';
import type { SystemName } from '../lib/systems.js';

export interface Context {
  quick: boolean;
  systems: SystemName[];
  progress: Progress;
  measurements: Measurement[];
  /** Warm-up, then `windows` measured windows of `windowMs`. */
  timing: { warmupMs: number; windows: number; windowMs: number };
  /** Steps that failed: reported at the end, the run goes on. */
  failures: string[];
}

export function median(values: number[]): number {
  return summarize(values).median;
}

export function record(
  ctx: Context,
  m: Omit<Measurement, 'median' | 'min' | 'max'>,
): Measurement {
  const full: Measurement = { ...m, ...summarize(m.runs) };
  ctx.measurements.push(full);
  return full;
}

/** A per-window rate of a job, as a measurement. */
export function recordRate(
  ctx: Context,
  base: Pick<Measurement, 'scenario' | 'system' | 'params'>,
  result: JobResult,
  metric: string,
  unit = 'msg/s',
): Measurement {
  return record(ctx, {
    ...base,
    metric,
    unit,
    higherIsBetter: true,
    runs: result.windows.map((w) => w.rates[metric] ?? NaN),
    loadgenCpu: median(result.windows.map((w) => w.cpu)),
  });
}

/**
 * Latency percentiles per window; the figure is `opts.percentile` (p99 by default),
 * with the median window's percentiles unless `opts.percentiles` is false.
 */
export function recordLatency(
  ctx: Context,
  base: Pick<Measurement, 'scenario' | 'system' | 'params'>,
  result: JobResult,
  metric = 'p99',
  opts: { percentile?: 'p50' | 'p99' | 'p99.9' | 'max'; percentiles?: boolean } = {},
): Measurement {
  const key = opts.percentile ?? 'p99';
  const perWindow = result.windows.map((w) => new Histogram(w.histogram).summary());
  const runs = perWindow.map((p) => p[key] ?? NaN);
  const order = runs.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const mid = order[order.length >> 1]?.[1] ?? 0;
  return record(ctx, {
    ...base,
    metric,
    unit: 'ms',
    higherIsBetter: false,
    runs,
    loadgenCpu: median(result.windows.map((w) => w.cpu)),
    ...(opts.percentiles === false ? {} : { percentiles: perWindow[mid] ?? {} }),
  });
}

/** Runs a step, recording a failure instead of ending the whole run. */
export async function attempt(ctx: Context, title: string, body: () => Promise<void>): Promise<void> {
  ctx.progress.step(title);
  try {
    await body();
    ctx.progress.done();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.failures.push(`${title}: ${message}`);
    ctx.progress.done(`FAILED: ${message.split('\n')[0]}`);
  }
}
