/**
 * Idle connections: open and subscribe `clients` connections (to 100 topics),
 * report the connect rate, and hold them while the orchestrator reads the
 * server's memory.
 */
import { connectMany, subscribeAll } from './client.js';
import type { ConnectionsJob, JobResult } from './jobs.js';
import type { Report } from './worker.js';

export async function runConnections(job: ConnectionsJob, report: Report, released: Promise<void>): Promise<JobResult> {
  const start = performance.now();
  const clients = await connectMany(job.dialect, job.url, job.clients, {
    ...job,
    concurrency: 100,
    onEach: (done) => done % 250 === 0 && report.progress('connecting', done, job.clients),
  });
  const seconds = (performance.now() - start) / 1000;
  await subscribeAll(clients, (i) => `bench.idle.${i % 100}`);
  const figures = { 'connects/s': job.clients / seconds };
  report.holding(figures);
  await released;
  for (const c of clients) c.close();
  return { windows: [], figures };
}
