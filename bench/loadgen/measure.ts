/** Timing helpers shared by the jobs: CPU of this process, windows, payloads. */
import type { Timing, WindowResult } from './jobs.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wall-clock ms with sub-ms precision, comparable across processes of one machine. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** CPU used by this process since `start`, in % of one core over `wallMs`. */
export function cpuPercent(start: NodeJS.CpuUsage, wallMs: number): number {
  const used = process.cpuUsage(start);
  return wallMs > 0 ? ((used.user + used.system) / 1000 / wallMs) * 100 : 0;
}

/** A JSON data value whose text is `bytes` long (at least 8). */
export function payloadOf(bytes: number, extra = ''): string {
  const head = `{${extra}"p":"`;
  return head + 'x'.repeat(Math.max(0, bytes - head.length - 2)) + '"}';
}

/**
 * Runs the warm-up, then each window: `sample()` is read at the start and end
 * of a window and `rates` turns the two samples into per-second figures.
 * `onWindow(n)` is called when the first window starts (n = 0) and as each
 * ends (n windows done), so a parent can sample a server on the same edges.
 */
export async function measureWindows<S>(
  timing: Timing,
  sample: () => S,
  rates: (from: S, to: S, seconds: number) => Record<string, number>,
  onWindow?: (i: number) => void,
  extra?: (from: S, to: S) => Partial<WindowResult>,
): Promise<WindowResult[]> {
  await sleep(timing.warmupMs);
  onWindow?.(0);
  const out: WindowResult[] = [];
  for (let i = 0; i < timing.windows; i++) {
    const from = sample();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await sleep(timing.windowMs);
    const seconds = (performance.now() - t0) / 1000;
    const to = sample();
    out.push({ cpu: cpuPercent(cpu, seconds * 1000), rates: rates(from, to, seconds), ...extra?.(from, to) });
    onWindow?.(i + 1);
  }
  return out;
}
