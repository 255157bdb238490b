/**
 * One hub per data folder: LMDB itself lets several processes share a file, and
 * two hubs appending to one log would hand out the same offsets.
 */
import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { currentBootId } from './epoch.js';

export const LOCK_FILE = 'tidings.lock';

export interface DataDirLock {
  release(): void;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the folder's lock, or throws an Error saying who holds it. */
export function lockDataDir(dir: string): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const bootId = currentBootId();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, bootId }));
      closeSync(fd);
      return { release: () => unlinkSync(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let holder: { pid?: unknown; bootId?: unknown } = {};
    try {
      holder = JSON.parse(readFileSync(path, 'utf8')) as typeof holder;
    } catch {
      // Unreadable or half-written: treated as stale below.
    }
    if (typeof holder.pid === 'number' && holder.bootId === bootId && holder.pid !== process.pid && isAlive(holder.pid)) {
      throw new Error(
        `data folder ${dir} is in use by another Tidings process (pid ${holder.pid}); ` +
          'stop that process or start this one with a different --data',
      );
    }
    // Left by a process that is gone (killed, or before a reboot).
    try {
      unlinkSync(path);
    } catch {
      // Another starter removed it first; the next attempt decides.
    }
  }
  throw new Error(`could not take the lock ${path}: another process keeps creating it`);
}
