/**
 * Latency at a fixed rate. Each message carries the time it was due to be
 * sent (not when it was sent), so a publisher held up by a slow server is
 * charged for it instead of hiding it (no coordinated omission).
 */
import { Histogram } from '../lib/histogram.js';
import { connectClient, connectMany, subscribeAll, type BenchClient } from './client.js';
import type { JobResult, LatencyJob } from './jobs.js';
import { measureWindows, nowMs, payloadOf, sleep } from './measure.js';
import type { Report } from './worker.js';

/** The due time in a frame: the number after `"t":`. */
function sentAt(frame: string): number {
  const at = frame.indexOf('"t":');
  return at < 0 ? NaN : parseFloat(frame.slice(at + 4, at + 30));
}

/**
 * How many messages are due `elapsedMs` after the start at `rate` msg/s: message
 * n is due at n / rate, so the first one at once.
 */
export function dueCount(elapsedMs: number, rate: number): number {
  return Math.floor((elapsedMs / 1000) * rate) + 1;
}

export async function runLatency(job: LatencyJob, report: Report): Promise<JobResult> {
  const subs = await connectMany(job.dialect, job.url, job.subscribers, {
    ...job,
    onEach: (done) => done % 100 === 0 && report.progress('connecting', done, job.subscribers),
  });
  await subscribeAll(subs, () => job.topic);
  let histogram = new Histogram();
  let received = 0;
  const onMessage = (frame: string): void => {
    received++;
    histogram.record((nowMs() - sentAt(frame)) * 1000);
  };
  for (const s of subs) s.onMessage = onMessage;

  let running = true;
  let failure: Error | undefined;
  let publisher: BenchClient | undefined;
  let sent = 0;
  if (job.publisher) {
    publisher = await connectClient(job.dialect, job.url, job);
    const start = nowMs();
    void (async () => {
      while (running) {
        // Send every message due by now, each stamped with its due time.
        const due = dueCount(nowMs() - start, job.rate);
        for (; sent < due && running; sent++) {
          const t = (start + (sent * 1000) / job.rate).toFixed(3);
          publisher!.publish(job.topic, payloadOf(job.payloadBytes, `"t":${t},`)).catch((error: Error) => {
            failure ??= error;
          });
        }
        await sleep(1);
      }
    })();
  }

  const windows = await measureWindows(
    job,
    () => {
      // Each window starts a histogram of its own and hands over the last one.
      const window = histogram;
      histogram = new Histogram();
      return { received, sent, window };
    },
    (a, b, s) => ({ 'deliveries/s': (b.received - a.received) / s, 'publishes/s': (b.sent - a.sent) / s }),
    (i) => report.progress('measuring', i, job.windows),
    (_from, to) => ({ histogram: to.window.counts }),
  );
  running = false;
  for (const s of subs) s.close();
  publisher?.close();
  if (failure) throw failure;
  return { windows };
}
