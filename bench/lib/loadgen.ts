/** Runs one job in a pinned load-generator process and relays what it reports. */
import { fileURLToPath } from 'node:url';
import type { Job, JobResult, WorkerMessage } from '../loadgen/jobs.js';
import { PINNING, spawnPinned, stopProcess } from './processes.js';

const WORKER = fileURLToPath(new URL('../loadgen/worker.js', import.meta.url));

export interface JobHooks {
  onProgress?(label: string, done: number, total: number): void;
  /** Connections job: all open; resolve to let the worker close them. */
  onHolding?(figures: Record<string, number>): Promise<void>;
}

/** `cores`: where the load generator runs (by default the cores the servers do not use). */
export async function runJob(job: Job, hooks: JobHooks = {}, timeoutMs = 600_000, cores = PINNING?.loadgen): Promise<JobResult> {
  const child = spawnPinned(cores, [WORKER], { ipc: true });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  child.stdout?.resume();
  try {
    return await new Promise<JobResult>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${job.kind} job took longer than ${timeoutMs / 1000} s`)), timeoutMs);
      child.on('message', (message: WorkerMessage) => {
        if (message.type === 'progress') hooks.onProgress?.(message.label, message.done, message.total);
        else if (message.type === 'holding') {
          void (hooks.onHolding?.(message.figures) ?? Promise.resolve()).then(() => child.send({ type: 'release' }));
        } else if (message.type === 'result') {
          clearTimeout(timer);
          resolve(message.result);
        } else {
          clearTimeout(timer);
          reject(new Error(`${job.kind} job failed: ${message.message}`));
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`load generator exited (${code}) before reporting:\n${stderr}`));
      });
      child.send({ type: 'run', job });
    });
  } finally {
    await stopProcess(child, 2000);
  }
}
