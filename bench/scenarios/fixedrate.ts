/**
 * Fixed rate: what a steady, modest load costs. One publisher at 500 and 2,000
 * msg/s to 100 subscribers, 100-byte data: publish → delivery p50, p99, p99.9,
 * and the server's CPU (per cent of one core, and µs per delivery), for Tidings
 * on disk and on memory storage beside raw uWS and Socket.IO.
 */
import { runJob } from '../lib/loadgen.js';
import { cpuSecondsOf } from '../lib/processes.js';
import { SPECS, startSystem, type SystemName } from '../lib/systems.js';
import { attempt, median, record, recordLatency, recordRate, type Context } from './context.js';

export interface FixedRateVariant {
  /** The system as reported: a Tidings one on memory storage gets `-memory`. */
  label: string;
  system: SystemName;
  /** Extra server flags. */
  extra: string[];
}

const PEERS: SystemName[] = ['uws-batched', 'socketio'];

/**
 * Tidings on uWS (or the first Tidings system asked for) twice, on its default
 * disk storage (fsync interval) and on `--storage memory`, so the table shows
 * what the disk costs; then the ceiling and Socket.IO, when asked for.
 */
export function fixedRateVariants(ctx: Pick<Context, 'systems'>): FixedRateVariant[] {
  const tidings = ctx.systems.includes('tidings-uws') ? 'tidings-uws' : ctx.systems.find((s) => SPECS[s].tidings);
  const out: FixedRateVariant[] = [];
  if (tidings) {
    out.push({ label: tidings, system: tidings, extra: [] });
    out.push({ label: `${tidings}-memory`, system: tidings, extra: ['--storage', 'memory'] });
  }
  for (const peer of PEERS) if (ctx.systems.includes(peer)) out.push({ label: peer, system: peer, extra: [] });
  return out;
}

export function fixedRates(ctx: Pick<Context, 'quick'>): number[] {
  return ctx.quick ? [500] : [500, 2000];
}

export async function runFixedRateScenario(ctx: Context): Promise<void> {
  const subscribers = 100;
  for (const rate of fixedRates(ctx)) {
    for (const v of fixedRateVariants(ctx)) {
      await attempt(ctx, `fixed rate · ${v.label} · ${rate} msg/s`, async () => {
        const system = await startSystem(SPECS[v.system], v.extra);
        try {
          // The server's CPU time on the edges of the load generator's windows, as it
          // reports them; the IPC hop delays both edges alike.
          const edges: Array<{ cpu: number; at: number }> = [];
          const result = await runJob(
            {
              kind: 'latency', url: system.url, dialect: system.spec.dialect, subscribers, rate, payloadBytes: 100,
              publisher: true, topic: 'bench.fixedrate', ...ctx.timing,
            },
            {
              onProgress: (label, done, total) => {
                if (label === 'measuring') edges[done] = { cpu: cpuSecondsOf(system.pid), at: performance.now() };
                ctx.progress.update(label, done, total);
              },
            },
          );
          const base = { scenario: 'fixedrate', system: v.label, params: { rate, subscribers } };
          recordLatency(ctx, base, result, 'p50', { percentile: 'p50', percentiles: false });
          recordLatency(ctx, base, result, 'p99');
          recordLatency(ctx, base, result, 'p99.9', { percentile: 'p99.9', percentiles: false });
          const loadgenCpu = median(result.windows.map((w) => w.cpu));
          const cpu = result.windows.map((_, i) => {
            const from = edges[i];
            const to = edges[i + 1];
            return from && to && to.at > from.at ? ((to.cpu - from.cpu) / ((to.at - from.at) / 1000)) * 100 : NaN;
          });
          record(ctx, { ...base, metric: 'server CPU', unit: '%', higherIsBetter: false, runs: cpu, loadgenCpu });
          // A window that delivered nothing has no cost per delivery; it shows in deliveries/s.
          const perDelivery = result.windows
            .map((w, i) => ({ deliveries: w.rates['deliveries/s'] ?? 0, cpu: cpu[i]! }))
            .filter((w) => w.deliveries > 0)
            .map((w) => ((w.cpu / 100) * 1e6) / w.deliveries);
          record(ctx, { ...base, metric: 'CPU per delivery', unit: 'µs', higherIsBetter: false, runs: perDelivery, loadgenCpu });
          recordRate(ctx, base, result, 'deliveries/s');
        } finally {
          await system.stop();
        }
      });
    }
  }
}
