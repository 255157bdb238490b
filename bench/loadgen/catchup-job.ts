/**
 * Catch-up: fill a topic's backlog, then time new subscribers replaying it from
 * the start, one after another, until each has seen the head it was given.
 */
import { connectClient, type BenchClient } from './client.js';
import type { CatchupJob, JobResult, WindowResult } from './jobs.js';
import { cpuPercent, payloadOf, sleep } from './measure.js';
import type { Report } from './worker.js';

const FILL_INFLIGHT = 5000;
const TOPIC = 'bench.catchup';

async function fill(job: CatchupJob, report: Report): Promise<number> {
  const publisher = await connectClient(job.dialect, job.url, job);
  const data = payloadOf(job.payloadBytes);
  const start = performance.now();
  let sent = 0;
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = (): void => {
      while (sent < job.backlog && sent - acked < FILL_INFLIGHT) {
        sent++;
        publisher.publish(TOPIC, data).then(() => {
          acked++;
          if (acked % 10_000 === 0) report.progress('filling backlog', acked, job.backlog);
          if (acked === job.backlog) resolve();
          else pump();
        }, reject);
      }
    };
    pump();
  });
  publisher.close();
  return job.backlog / ((performance.now() - start) / 1000);
}

async function replay(job: CatchupJob, report: Report): Promise<{ window: WindowResult; curve: Array<[number, number]> }> {
  const sub: BenchClient = await connectClient(job.dialect, job.url, job);
  const cpu = process.cpuUsage();
  const start = performance.now();
  let expected = Infinity;
  let liveAt = 0;
  // Offsets arrive in order with no gap, so the count tells where the replay is.
  sub.onMessage = () => {
    if (!liveAt && sub.received >= expected) liveAt = performance.now();
  };
  const reply = await sub.subscribe(TOPIC, { earliest: true });
  expected = Number(reply.head) - Number(reply.earliest) + 1;
  if (!liveAt && sub.received >= expected) liveAt = performance.now();
  const curve: Array<[number, number]> = [];
  while (!liveAt) {
    curve.push([(performance.now() - start) / 1000, sub.received]);
    report.progress('replaying', sub.received, expected);
    if (performance.now() - start > 300_000) throw new Error(`replay stalled at ${sub.received} of ${expected}`);
    await sleep(100);
  }
  const seconds = (liveAt - start) / 1000;
  curve.push([seconds, sub.received]);
  sub.close();
  return {
    window: { cpu: cpuPercent(cpu, liveAt - start), rates: { 'replayed/s': expected / seconds, 'time to live': seconds * 1000, replayed: expected } },
    curve,
  };
}

export async function runCatchup(job: CatchupJob, report: Report): Promise<JobResult> {
  const fillRate = await fill(job, report);
  const windows: WindowResult[] = [];
  let curve: Array<[number, number]> = [];
  for (let i = 0; i < job.replays; i++) {
    const run = await replay(job, report);
    windows.push(run.window);
    if (i === 0) curve = run.curve;
    report.progress('replayed', i + 1, job.replays);
  }
  return { windows, figures: { 'fill publishes/s': fillRate }, curve };
}
