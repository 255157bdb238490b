/** Latency at a fixed rate to 100 subscribers: p50, p99, p99.9 and max, every system. */
import { runJob } from '../lib/loadgen.js';
import { SPECS, startSystem } from '../lib/systems.js';
import { attempt, recordLatency, type Context } from './context.js';

export async function runLatencyScenario(ctx: Context): Promise<void> {
  const rates = ctx.quick ? [500] : [500, 2000];
  const subscribers = 100;
  for (const rate of rates) {
    for (const name of ctx.systems) {
      await attempt(ctx, `latency · ${name} · ${rate} msg/s`, async () => {
        const system = await startSystem(SPECS[name]);
        try {
          const result = await runJob(
            {
              kind: 'latency', url: system.url, dialect: system.spec.dialect, subscribers, rate, payloadBytes: 100,
              publisher: true, topic: 'bench.latency', ...ctx.timing,
            },
            { onProgress: (l, d, t) => ctx.progress.update(l, d, t) },
          );
          recordLatency(ctx, { scenario: 'latency', system: name, params: { rate, subscribers } }, result);
        } finally {
          await system.stop();
        }
      });
    }
  }
}
