/** Fan-out: 1 publisher → N subscribers of one topic, 100-byte payloads, every system. */
import { runJob } from '../lib/loadgen.js';
import { SPECS, startSystem } from '../lib/systems.js';
import { attempt, recordRate, type Context } from './context.js';

export function fanoutSizes(ctx: Context): number[] {
  return ctx.quick ? [100] : [100, 1000, 10_000];
}

/**
 * How far the publisher may run ahead of the subscribers: deep enough that the
 * round trip never limits throughput, shallow enough that what waits in the
 * server (window × subscribers × ~130 bytes) stays far below any buffer limit.
 */
export function fanoutWindow(subscribers: number): number {
  return Math.min(2048, Math.max(64, Math.floor(256_000 / subscribers)));
}

export async function runFanoutScenario(ctx: Context): Promise<void> {
  for (const subscribers of fanoutSizes(ctx)) {
    for (const name of ctx.systems) {
      await attempt(ctx, `fan-out · ${name} · ${subscribers} subscribers`, async () => {
        const system = await startSystem(SPECS[name]);
        try {
          const result = await runJob(
            { kind: 'fanout', url: system.url, dialect: system.spec.dialect, subscribers, payloadBytes: 100, window: fanoutWindow(subscribers), ...ctx.timing },
            { onProgress: (l, d, t) => ctx.progress.update(l, d, t) },
          );
          const base = { scenario: 'fanout', system: name, params: { subscribers } };
          recordRate(ctx, base, result, 'deliveries/s');
          recordRate(ctx, base, result, 'publishes/s');
        } finally {
          await system.stop();
        }
      });
    }
  }
}
