/** Many topics: 100,000 topics with a few messages each — memory, open files, publish rate. */
import { runJob } from '../lib/loadgen.js';
import { openFilesOf, rssOf } from '../lib/processes.js';
import { SPECS, startSystem } from '../lib/systems.js';
import { attempt, record, type Context } from './context.js';

export async function runTopicsScenario(ctx: Context): Promise<void> {
  const topics = ctx.quick ? 2000 : 100_000;
  const perTopic = 3;
  for (const name of ctx.systems.filter((s) => SPECS[s].tidings)) {
    await attempt(ctx, `many topics · ${name} · ${topics.toLocaleString('en')} topics`, async () => {
      const system = await startSystem(SPECS[name]);
      try {
        const rss0 = rssOf(system.pid);
        const anon0 = rssOf(system.pid, 'anon');
        const files0 = openFilesOf(system.pid);
        const result = await runJob(
          { kind: 'topics', url: system.url, dialect: 'json', topics, perTopic, inflight: 2000 },
          { onProgress: (l, d, t) => ctx.progress.update(l, d, t) },
        );
        const base = { scenario: 'topics', system: name, params: { topics } };
        const cpu = result.cpu ?? NaN;
        record(ctx, { ...base, metric: 'publishes/s', unit: 'msg/s', higherIsBetter: true, runs: [result.figures?.['publishes/s'] ?? NaN], loadgenCpu: cpu });
        record(ctx, { ...base, metric: 'anonymous RSS growth', unit: 'bytes', higherIsBetter: false, runs: [rssOf(system.pid, 'anon') - anon0] });
        record(ctx, { ...base, metric: 'RSS growth', unit: 'bytes', higherIsBetter: false, runs: [rssOf(system.pid) - rss0] });
        record(ctx, { ...base, metric: 'open files', unit: 'files', higherIsBetter: false, runs: [openFilesOf(system.pid)] });
        record(ctx, { ...base, metric: 'open files before', unit: 'files', higherIsBetter: false, runs: [files0] });
      } finally {
        await system.stop();
      }
    });
  }
}
