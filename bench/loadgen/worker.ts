/**
 * A load-generator process: runs the job its parent sends over IPC and reports
 * progress and the result back. One job per process, so every run starts clean.
 */
import { runCatchup } from './catchup-job.js';
import { runConnections } from './connections-job.js';
import { runDurable } from './durable-job.js';
import { runFanout } from './fanout-job.js';
import type { Job, JobResult, ParentMessage, WorkerMessage } from './jobs.js';
import { runLatency } from './latency-job.js';
import { runTopics } from './topics-job.js';

export interface Report {
  progress(label: string, done: number, total: number): void;
  holding(figures: Record<string, number>): void;
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

const report: Report = {
  progress: (label, done, total) => send({ type: 'progress', label, done, total }),
  holding: (figures) => send({ type: 'holding', figures }),
};

/** `release` messages, each letting the connections job go on from one hold. */
let releases = 0;
let onRelease: (() => void) | undefined;
function released(): Promise<void> {
  if (releases > 0) {
    releases--;
    return Promise.resolve();
  }
  return new Promise((resolve) => (onRelease = resolve));
}
function release(): void {
  const resolve = onRelease;
  onRelease = undefined;
  if (resolve) resolve();
  else releases++;
}

function run(job: Job): Promise<JobResult> {
  switch (job.kind) {
    case 'fanout':
      return runFanout(job, report);
    case 'latency':
      return runLatency(job, report);
    case 'durable':
      return runDurable(job, report);
    case 'catchup':
      return runCatchup(job, report);
    case 'connections':
      return runConnections(job, report, released);
    case 'topics':
      return runTopics(job, report);
  }
}

process.on('message', (message: ParentMessage) => {
  if (message.type === 'release') return release();
  if (message.type === 'stop') process.exit(0);
  run(message.job).then(
    (result) => send({ type: 'result', result }),
    (error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error) }),
  );
});
process.on('disconnect', () => process.exit(0));
