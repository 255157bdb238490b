/** Durable publish throughput: acked publishes over 1 or more topics, and their latency. */
import { Histogram } from '../lib/histogram.js';
import { connectClient } from './client.js';
import type { DurableJob, JobResult } from './jobs.js';
import { measureWindows, payloadOf } from './measure.js';
import type { Report } from './worker.js';

export async function runDurable(job: DurableJob, report: Report): Promise<JobResult> {
  const publisher = await connectClient(job.dialect, job.url, job);
  const data = payloadOf(job.payloadBytes);
  const topics = Array.from({ length: job.topics }, (_, i) => `bench.durable.${i}`);
  let histogram = new Histogram();
  let sent = 0;
  let acked = 0;
  let running = true;
  let failure: Error | undefined;
  const pump = (): void => {
    while (running && sent - acked < job.inflight) {
      const started = performance.now();
      publisher.publish(topics[sent++ % topics.length]!, data).then(
        () => {
          acked++;
          histogram.record((performance.now() - started) * 1000);
          pump();
        },
        (error: Error) => {
          failure ??= error;
          running = false;
        },
      );
    }
  };
  pump();
  const windows = await measureWindows(
    job,
    () => {
      const window = histogram;
      histogram = new Histogram();
      return { acked, window };
    },
    (a, b, s) => ({ 'acked publishes/s': (b.acked - a.acked) / s }),
    (i) => report.progress('measuring', i, job.windows),
    (_from, to) => ({ histogram: to.window.counts }),
  );
  running = false;
  publisher.close();
  if (failure) throw failure;
  return { windows };
}
