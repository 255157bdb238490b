/**
 * Idle connections: server memory per connected and subscribed client at 10,000
 * and at as many as one process's file limit allows, and the connect rate.
 * Each repeat starts a fresh server, so freed memory never flatters a figure.
 */
import { runJob } from '../lib/loadgen.js';
import { fdLimit, rssOf } from '../lib/processes.js';
import { SPECS, startSystem } from '../lib/systems.js';
import { sleep } from '../loadgen/measure.js';
import { attempt, record, type Context } from './context.js';

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
        const totals: number[] = [];
        for (let rep = 0; rep < (ctx.quick ? 1 : ctx.timing.windows); rep++) {
          const system = await startSystem(SPECS[name]);
          try {
            // Memory per connection is the growth from half the clients to all of them:
            // what each one more costs. From zero, the figure would also carry V8's
            // one-off heap growth (its young generation reaches full size within the
            // first few thousand connects), which no further connection costs again.
            const checkpoint = Math.round(clients / 2);
            let atCheckpoint = 0;
            const result = await runJob(
              { kind: 'connections', url: system.url, dialect: system.spec.dialect, clients, checkpoint },
              {
                onProgress: (l, d, t) => ctx.progress.update(`#${rep + 1} ${l}`, d, t),
                onHolding: async (figures) => {
                  await sleep(ctx.quick ? 200 : 1000); // let the server settle after the last subscribe
                  const rss = rssOf(system.pid);
                  if (figures.connections === checkpoint) atCheckpoint = rss;
                  else {
                    perConn.push((rss - atCheckpoint) / (clients - checkpoint));
                    totals.push(rss);
                  }
                },
              },
            );
            rates.push(result.figures?.['connects/s'] ?? NaN);
          } finally {
            await system.stop();
          }
        }
        const base = { scenario: 'connections', system: name, params: { clients } };
        record(ctx, { ...base, metric: 'bytes/connection', unit: 'bytes', higherIsBetter: false, runs: perConn });
        record(ctx, { ...base, metric: 'RSS with all connected', unit: 'bytes', higherIsBetter: false, runs: totals });
        record(ctx, { ...base, metric: 'connects/s', unit: 'conn/s', higherIsBetter: true, runs: rates });
      });
    }
  }
}
