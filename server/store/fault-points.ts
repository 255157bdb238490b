import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Fault injection for the durability tests, off unless TIDINGS_TEST_FAULTS=1.
 * With it on, a publish to `fault.kill.<point>` kills the process (SIGKILL) at that
 * point of the write path, and TIDINGS_TEST_FSYNC_DELAY_MS holds back the flush's
 * completion, so a test can kill the hub between commit and fsync. Never set in
 * production: it exists so the tests can prove when an ack may leave.
 */

export type KillPoint = 'before-commit' | 'after-commit' | 'after-fsync';

const enabled = process.env.TIDINGS_TEST_FAULTS === '1';

/** Extra time before a flush counts as done (ms); 0 without faults. */
const FSYNC_DELAY_MS = enabled ? Number(process.env.TIDINGS_TEST_FSYNC_DELAY_MS ?? 0) || 0 : 0;

/** Kills the process if a topic of the batch asks for this point. */
export function killPoint(point: KillPoint, topics: Iterable<string>): void {
  if (!enabled) return;
  const trigger = `fault.kill.${point}`;
  for (const topic of topics) {
    if (topic === trigger) {
      process.stderr.write(`fault injection: SIGKILL ${point}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  }
}

export const faultsEnabled = enabled;

/** The OS boot id the store records, when a test stands in for a reboot (TIDINGS_TEST_BOOT_ID). */
export const TEST_BOOT_ID = enabled ? process.env.TIDINGS_TEST_BOOT_ID || undefined : undefined;

/**
 * With TIDINGS_TEST_SNAPSHOT_DIR, a consistent copy of the store is written there
 * after every fsync, and the fsync counts as done only once it is: the copy is what
 * a power loss would leave (never less than what was fsynced).
 */
const SNAPSHOT_DIR = enabled ? process.env.TIDINGS_TEST_SNAPSHOT_DIR || undefined : undefined;

/**
 * Runs `take` after each request, folding requests made while one waits into it.
 * With TIDINGS_TEST_FSYNC_DELAY_MS, each waits that long first, so the copy lags the
 * commits as a slow disk's fsync would.
 */
class Snapshots {
  readonly #take: () => Promise<void>;
  #tail: Promise<void> = Promise.resolve();
  #next: Promise<void> | undefined;

  constructor(take: () => Promise<void>) {
    this.#take = take;
  }

  /** Resolves once a snapshot begun after this call is written. */
  request(): Promise<void> {
    if (!this.#next) {
      const next = this.#tail.then(async () => {
        if (FSYNC_DELAY_MS > 0) await new Promise((r) => setTimeout(r, FSYNC_DELAY_MS));
        this.#next = undefined;
        return this.#take();
      });
      this.#next = next;
      this.#tail = next.catch(() => {});
    }
    return this.#next;
  }
}

/**
 * What the store runs once a commit is flushed, before that counts as done: the
 * held-back delay, the snapshot, the `after-fsync` kill. Undefined without faults,
 * so a production store pays one check per commit. `backup` writes a consistent
 * copy of the store to a path.
 */
export function flushFaults(backup: (path: string) => Promise<void>): ((topics: string[]) => Promise<void>) | undefined {
  if (!enabled) return undefined;
  const dir = SNAPSHOT_DIR;
  const snapshots = dir === undefined ? undefined : new Snapshots(async () => {
    mkdirSync(dir, { recursive: true });
    rmSync(join(dir, 'next.mdb'), { force: true });
    await backup(join(dir, 'next.mdb'));
    renameSync(join(dir, 'next.mdb'), join(dir, 'tidings.mdb'));
  });
  return async (topics) => {
    if (snapshots) await snapshots.request();
    else if (FSYNC_DELAY_MS > 0) await new Promise((r) => setTimeout(r, FSYNC_DELAY_MS));
    killPoint('after-fsync', topics);
  };
}

/** With faults on, reading `fault.read.fail` fails, as an unreadable store would. */
export function readFault(topic: string): void {
  if (enabled && topic === 'fault.read.fail') throw new Error('fault injection: the store could not be read');
}
