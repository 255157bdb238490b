/**
 * Idle connections: server memory per connected and subscribed client at 10,000
 * and at as many as one process's file limit allows, and the connect rate.
 * Each repeat starts a fresh server, so freed memory never flatters a figure.
 */
import { runJob } from '../lib/loadgen.js';
import { fdLimit, rssOf } from '../lib/processes.js';
import { SPECS, startSystem } from '../lib/systems.js';
import { sleep } from '../loadgen/measure.js';
import { attempt, median, record, type Context } from './context.js';

/** File descriptors a server keeps for itself besides its clients. */
const FD_HEADROOM = 1000;

export function connectionLevels(ctx: Context): number[] {
  if (ctx.quick) return [1000];
  const max = fdLimit() - FD_HEADROOM;
  return max > 10_000 ? [10_000, max] : [Math.min(10_000, max)];
}

export async function runConnectionsScenario(ctx: Context): Promise<void> {
  for (const clients of connectionLevels(ctx)) {
    for (const name of ctx.systems) {
      await attempt(ctx, `connections · ${name} · ${clients.toLocaleString('en')} idle clients`, async () => {
        const perConn: number[] = [];
        const rates: number[] = [];
        const cpus: number[] = [];
        for (let rep = 0; rep < ctx.timing.windows; rep++) {
          const system = await startSystem(SPECS[name]);
          try {
            await sleep(300);
            const baseline = rssOf(system.pid);
            const result = await runJob(
              { kind: 'connections', url: system.url, dialect: system.spec.dialect, clients },
              {
                onProgress: (l, d, t) => ctx.progress.update(`#${rep + 1} ${l}`, d, t),
                onHolding: async () => {
                  await sleep(500); // let the server settle after the last subscribe
                  perConn.push((rssOf(system.pid) - baseline) / clients);
                },
              },
            );
            rates.push(result.figures?.['connects/s'] ?? NaN);
            if (result.cpu !== undefined) cpus.push(result.cpu);
          } finally {
            await system.stop();
          }
        }
        const base = { scenario: 'connections', system: name, params: { clients } };
        record(ctx, { ...base, metric: 'bytes/connection', unit: 'bytes', higherIsBetter: false, runs: perConn });
        record(ctx, { ...base, metric: 'connects/s', unit: 'conn/s', higherIsBetter: true, runs: rates, ...(cpus.length ? { loadgenCpu: median(cpus) } : {}) });
      });
    }
  }
}
