/** Many topics: `perTopic` acked publishes to each of `topics` topics. */
import { connectClient } from './client.js';
import type { JobResult, TopicsJob } from './jobs.js';
import { cpuPercent, payloadOf } from './measure.js';
import type { Report } from './worker.js';

export async function runTopics(job: TopicsJob, report: Report): Promise<JobResult> {
  const publisher = await connectClient(job.dialect, job.url, job);
  const data = payloadOf(100);
  const total = job.topics * job.perTopic;
  const cpu = process.cpuUsage();
  const start = performance.now();
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (sent < total && sent - acked < job.inflight) {
        const i = sent++;
        publisher.publish(`bench.many.${i % job.topics}`, data).then(() => {
          if (++acked % 10_000 === 0) report.progress('publishing', acked, total);
          if (acked === total) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
  const ms = performance.now() - start;
  publisher.close();
  return { windows: [], figures: { 'publishes/s': total / (ms / 1000) }, cpu: cpuPercent(cpu, ms) };
}
