/**
 * Idle connections: open and subscribe `clients` connections (to 100 topics),
 * pausing at `checkpoint` and at the end while the orchestrator reads the
 * server's memory; report the connect rate.
 */
import { connectMany, subscribeAll, type BenchClient } from './client.js';
import type { ConnectionsJob, JobResult } from './jobs.js';
import type { Report } from './worker.js';

export async function runConnections(job: ConnectionsJob, report: Report, released: () => Promise<void>): Promise<JobResult> {
  const clients: BenchClient[] = [];
  let seconds = 0;
  for (const [from, to] of [[0, job.checkpoint], [job.checkpoint, job.clients]] as const) {
    const start = performance.now();
    const batch = await connectMany(job.dialect, job.url, to - from, {
      ...job,
      concurrency: 100,
      onEach: (done) => done % 250 === 0 && report.progress('connecting', from + done, job.clients),
    });
    seconds += (performance.now() - start) / 1000;
    await subscribeAll(batch, (i) => `bench.idle.${(from + i) % 100}`);
    clients.push(...batch);
    report.holding({ connections: to });
    await released();
  }
  for (const c of clients) c.close();
  return { windows: [], figures: { 'connects/s': job.clients / seconds } };
}
