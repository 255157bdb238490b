/**
 * Says which process holds a TCP port, so a hub that cannot listen can name it.
 * Linux only (it reads /proc); elsewhere, or when the holder's files are not
 * readable, it finds nothing and the caller says "another process".
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface PortHolder {
  pid: number;
  command: string;
}

/** TCP state LISTEN in /proc/net/tcp. */
const LISTEN = '0A';

function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      const local = cols[1];
      if (!local || cols[3] !== LISTEN || !local.endsWith(`:${hexPort}`)) continue;
      if (cols[9]) inodes.add(cols[9]);
    }
  }
  return inodes;
}

function commandOf(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ').slice(0, 200);
  } catch {
    return '';
  }
}

/** The processes listening on `port` (on any address), other than this one. */
export function findPortHolders(port: number): PortHolder[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const holders: PortHolder[] = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    const holds = fds.some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m !== null && inodes.has(m[1] as string);
      } catch {
        return false;
      }
    });
    if (holds) holders.push({ pid: Number(pid), command: commandOf(pid) });
  }
  return holders;
}

/** Why `host:port` could not be listened on, in one line naming the holder and the fix. */
export function listenFailure(host: string, port: number, code: string | undefined): Error {
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new Error(`--host ${host}: no such address on this machine; use an address of one of its interfaces, 127.0.0.1 or 0.0.0.0`);
  }
  if (code === 'EACCES') {
    return new Error(`--port ${port}: not allowed to listen on it (ports below 1024 need privileges); pick another --port`);
  }
  const holders = port === 0 ? [] : findPortHolders(port);
  const who = holders.length > 0
    ? holders.map((h) => `pid ${h.pid}${h.command ? ` (${h.command})` : ''}`).join(', ')
    : 'another process';
  const fix = holders.length > 0 ? `stop pid ${holders[0]!.pid} or pick another --port` : 'stop it or pick another --port';
  return new Error(`--port ${port}: ${host}:${port} is already in use by ${who}; ${fix}`);
}

/**
 * The errno a plain listen on `host:port` gets now. uWS reports a failed listen
 * without a reason; asking the OS again tells a port in use from a bad address.
 */
export function probeListen(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'EADDRINUSE'));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}
