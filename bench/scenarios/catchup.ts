/**
 * Catch-up: a subscriber resuming from a large backlog on disk — replayed
 * messages/s, time until live, and how much the hub's memory grows meanwhile.
 */
import { runJob } from '../lib/loadgen.js';
import { rssOf, watchRss } from '../lib/processes.js';
import { SPECS, startSystem } from '../lib/systems.js';
import { attempt, median, record, type Context } from './context.js';

const RETAIN_ALL = ['--max-messages', '1000000000', '--max-bytes', '1TiB', '--max-age', '30d'];

export async function runCatchupScenario(ctx: Context): Promise<void> {
  const backlog = ctx.quick ? 20_000 : 1_000_000;
  for (const name of ctx.systems.filter((s) => SPECS[s].tidings)) {
    await attempt(ctx, `catch-up · ${name} · ${backlog.toLocaleString('en')} messages`, async () => {
      const system = await startSystem(SPECS[name], RETAIN_ALL);
      let baseline = 0;
      let baselineAnon = 0;
      let watch: ReturnType<typeof watchRss> | undefined;
      let watchAnon: ReturnType<typeof watchRss> | undefined;
      try {
        const result = await runJob(
          { kind: 'catchup', url: system.url, dialect: system.spec.dialect, backlog, payloadBytes: 100, replays: ctx.timing.windows },
          {
            onProgress: (label, done, total) => {
              if (label === 'replaying' && !watch) {
                baseline = rssOf(system.pid);
                baselineAnon = rssOf(system.pid, 'anon');
                watch = watchRss(system.pid);
                watchAnon = watchRss(system.pid, 'anon');
              }
              ctx.progress.update(label, done, total);
            },
          },
        );
        const peak = watch?.stop() ?? 0;
        const peakAnon = watchAnon?.stop() ?? 0;
        const base = { scenario: 'catchup', system: name, params: { backlog } };
        const cpu = median(result.windows.map((w) => w.cpu));
        const runs = (metric: string): number[] => result.windows.map((w) => w.rates[metric] ?? NaN);
        record(ctx, { ...base, metric: 'replayed/s', unit: 'msg/s', higherIsBetter: true, runs: runs('replayed/s'), loadgenCpu: cpu, curve: result.curve });
        record(ctx, { ...base, metric: 'time to live', unit: 'ms', higherIsBetter: false, runs: runs('time to live'), loadgenCpu: cpu });
        // Heap and native memory: what "flat" is about. The data file's pages that the
        // replay maps in are the OS's page cache, reported apart.
        record(ctx, { ...base, metric: 'anonymous RSS growth', unit: 'bytes', higherIsBetter: false, runs: [Math.max(0, peakAnon - baselineAnon)] });
        record(ctx, { ...base, metric: 'RSS growth', unit: 'bytes', higherIsBetter: false, runs: [Math.max(0, peak - baseline)] });
        record(ctx, { ...base, metric: 'fill publishes/s', unit: 'msg/s', higherIsBetter: true, runs: [result.figures?.['fill publishes/s'] ?? NaN] });
      } finally {
        watch?.stop();
        watchAnon?.stop();
        await system.stop();
      }
    });
  }
}
