/**
 * Fan-out: one publisher, N subscribers of one topic. The publisher keeps at
 * most `window` messages ahead of the average subscriber (and as many acks
 * outstanding), so the figure is what reaches subscribers, not what piles up
 * in the server's buffers.
 */
import { connectClient, connectMany, subscribeAll, totals, type BenchClient } from './client.js';
import type { FanoutJob, JobResult } from './jobs.js';
import { measureWindows, payloadOf } from './measure.js';
import type { Report } from './worker.js';

export async function runFanout(job: FanoutJob, report: Report): Promise<JobResult> {
  const topic = 'bench.fanout';
  const subs = await connectMany(job.dialect, job.url, job.subscribers, {
    ...job,
    onEach: (done) => done % 100 === 0 && report.progress('connecting', done, job.subscribers),
  });
  await subscribeAll(subs, () => topic);
  const publisher = await connectClient(job.dialect, job.url, job);
  const data = payloadOf(job.payloadBytes);
  const base = totals.messages;
  let published = 0;
  let acked = 0;
  let running = true;
  let failure: Error | undefined;

  const pump = (): void => {
    while (
      running &&
      published - acked < job.window &&
      published - (totals.messages - base) / job.subscribers < job.window
    ) {
      published++;
      publisher.publish(topic, data).then(
        () => {
          acked++;
          pump();
        },
        (error: Error) => {
          failure ??= error;
          running = false;
        },
      );
    }
  };
  totals.onMessage = pump;
  pump();

  const closes = [...subs, publisher].map((c: BenchClient) => c.closed.then((e) => {
    if (running) failure ??= new Error(`a client was closed (${e.code} ${e.reason}) during the run`);
  }));
  void closes;
  const windows = await measureWindows(
    job,
    () => ({ delivered: totals.messages, acked }),
    (a, b, s) => ({ 'deliveries/s': (b.delivered - a.delivered) / s, 'publishes/s': (b.acked - a.acked) / s }),
    (i) => report.progress('measuring', i, job.windows),
  );
  running = false;
  totals.onMessage = undefined;
  for (const c of subs) c.close();
  publisher.close();
  if (failure) throw failure;
  return { windows };
}
