/**
 * Reads a whole LMDB store in a child process before the hub opens it. LMDB has
 * no checksums of its own, and a damaged page can make it abort or read past the
 * end of a truncated file; in a child, that ends the check, not the hub. What it
 * finds: messages missing from a topic's range (refuse to start), and messages
 * whose own checksum fails (dropped at start, as on read).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StoreCheck {
  /** Set when the store cannot be trusted: the hub must not start on it. */
  broken?: string;
  /** Per topic, the highest offset whose message failed its checksum. */
  damaged: Record<string, number>;
  messages: number;
  ms: number;
}

const CHILD = fileURLToPath(new URL('./store-check-child.js', import.meta.url));

export function checkStore(dir: string): Promise<StoreCheck> {
  const file = join(dir, 'tidings.mdb');
  if (!existsSync(file)) return Promise.resolve({ damaged: {}, messages: 0, ms: 0 });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code, signal) => {
      try {
        if (code === 0) return resolve(JSON.parse(out) as StoreCheck);
      } catch {
        // fall through: an unreadable answer is a failed check
      }
      const last = err.trim().split('\n').filter(Boolean).at(-1) ?? '';
      resolve({
        broken: `reading it ${signal ? `crashed the reader (${signal})` : `failed (exit ${code})`}${last ? `: ${last.slice(0, 300)}` : ''}`,
        damaged: {}, messages: 0, ms: 0,
      });
    });
  });
}

/**
 * Checks the store in `dir` (see `checkStore`): throws, naming the file and how to
 * recover, when it must not be served; else returns the damaged messages to drop.
 */
export async function checkStoreOrThrow(dir: string, log: { info(obj: object, msg: string): void }): Promise<Record<string, number>> {
  const file = join(dir, 'tidings.mdb');
  const check = await checkStore(dir);
  if (check.broken) {
    throw new Error(`${file} is damaged: ${check.broken}. Tidings will not serve from it. Restore the data folder from a `
      + `backup, or move ${file} away to start with an empty store (its messages are then lost).`);
  }
  if (check.messages > 0) log.info({ file, messages: check.messages, ms: check.ms }, 'store checked');
  return check.damaged;
}
