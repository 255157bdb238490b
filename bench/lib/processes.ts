/**
 * Child processes of a run: servers and load generators, each pinned to its
 * own core when the machine has two or more, and read through /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus } from 'node:os';

/** Server on core 0, load generators on the others. */
export const PINNING = cpus().length >= 2 ? { server: '0', loadgen: cpus().length === 2 ? '1' : `1-${cpus().length - 1}` } : undefined;

let tasksetOk: boolean | undefined;
function canPin(): boolean {
  tasksetOk ??= PINNING !== undefined && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return tasksetOk;
}

/** `node args…` pinned to `cores` when possible, with the highest fd limit allowed. */
export function spawnPinned(cores: string | undefined, args: string[], opts: { ipc?: boolean; env?: NodeJS.ProcessEnv } = {}): ChildProcess {
  const pin = cores && canPin() ? ['taskset', '-c', cores] : [];
  const script = 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"';
  return spawn('bash', ['-c', script, 'bash', ...pin, process.execPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', ...(opts.ipc ? (['ipc'] as const) : [])],
    env: { ...process.env, ...opts.env },
  });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Resident memory of `pid`, in bytes (0 once it is gone): all of it, or only its
 * anonymous part (heap and native allocations), without the pages of files it
 * maps, such as the store's data file, which are the OS's reclaimable page cache.
 */
export function rssOf(pid: number, part: 'total' | 'anon' = 'total'): number {
  try {
    const field = part === 'anon' ? 'RssAnon' : 'VmRSS';
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
    return line ? Number(line[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

let clockTicks: number | undefined;
/** Kernel clock ticks per second, the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
function ticksPerSecond(): number {
  clockTicks ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
  return clockTicks;
}

/**
 * CPU time `pid` has used so far, user and system, over all its threads (LMDB's,
 * libuv's, V8's included), in seconds; NaN once it is gone. Resolution: one tick.
 */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name, which is in parentheses and may hold spaces:
    // state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return NaN;
  }
}

export function openFilesOf(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** The soft fd limit a pinned child gets (its hard limit). */
export function fdLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').match(/^Max open files\s+\d+\s+(\d+)/m);
    return line ? Number(line[1]) : 1024;
  } catch {
    return 1024;
  }
}

/** Samples a process's RSS every `everyMs` until stopped; returns the peak. */
export function watchRss(pid: number, part: 'total' | 'anon' = 'total', everyMs = 50): { stop(): number; readonly peak: number } {
  let peak = rssOf(pid, part);
  const timer = setInterval(() => (peak = Math.max(peak, rssOf(pid, part))), everyMs);
  return {
    stop() {
      clearInterval(timer);
      return (peak = Math.max(peak, rssOf(pid, part)));
    },
    get peak() {
      return peak;
    },
  };
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** SIGTERM, then SIGKILL after `graceMs`. */
export async function stopProcess(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}
