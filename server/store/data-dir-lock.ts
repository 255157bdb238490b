/**
 * One hub per data folder: LMDB itself lets several processes share a file, and
 * two hubs appending to one log would hand out the same offsets.
 */
import { closeSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { currentBootId } from './epoch.js';

export const LOCK_FILE = 'tidings.lock';

/** The folder cannot be a data folder: `problem` says why in plain words, `fix` what to do. */
export class DataDirError extends Error {
  override name = 'DataDirError';
  constructor(readonly dir: string, readonly problem: string, readonly fix: string, readonly code?: string) {
    super(`data folder ${dir}: ${problem}: ${fix}`);
  }
}

/** The nearest existing part of `dir`'s path that is a file, not a folder. */
function fileInTheWay(dir: string): string | undefined {
  for (let p = dirname(dir); p !== dirname(p); p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) return p;
    } catch {
      // Not there: look further up.
    }
  }
  return undefined;
}

/** An error making or writing the folder, in plain words. */
function dataDirError(dir: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const other = 'pick another --data';
  switch (code) {
    case 'EEXIST': return new DataDirError(dir, 'not a folder (a file is in the way)', `${other} or remove the file`, code);
    case 'ENOTDIR': {
      const file = fileInTheWay(dir);
      return new DataDirError(dir, `${file ?? 'a part of its path'} is a file, not a folder`, other, code);
    }
    case 'EACCES': case 'EPERM':
      return new DataDirError(dir, 'cannot create or write it (permission denied)', `${other} or let the user running tidings write there`, code);
    case 'EROFS': return new DataDirError(dir, 'on a read-only file system', other, code);
    case 'ENOSPC': return new DataDirError(dir, 'the disk is full', `free some space or ${other}`, code);
    case 'ENAMETOOLONG': return new DataDirError(dir, 'the path is too long', other, code);
    default: return error as Error;
  }
}

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

/** Takes the folder's lock, or throws an Error saying who holds it (a DataDirError if the folder is unusable). */
export function lockDataDir(dir: string): DataDirLock {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw dataDirError(dir, error);
  }
  const path = join(dir, LOCK_FILE);
  const bootId = currentBootId();
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, bootId }));
      closeSync(fd);
      return { release: () => unlinkSync(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw dataDirError(dir, error);
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
