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
export const FSYNC_DELAY_MS = enabled ? Number(process.env.TIDINGS_TEST_FSYNC_DELAY_MS ?? 0) || 0 : 0;

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
