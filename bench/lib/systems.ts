/**
 * The systems a run measures: Tidings on both transports (disk storage on),
 * and the peers beside it, each started as its own pinned process.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '../loadgen/client.js';
import { PINNING, freePort, spawnPinned, stopProcess } from './processes.js';

export const SYSTEMS = ['tidings-uws', 'tidings-ws', 'uws-batched', 'uws-raw', 'ws-cork', 'ws-raw', 'socketio'] as const;
export type SystemName = (typeof SYSTEMS)[number];

export interface SystemSpec {
  name: SystemName;
  dialect: Dialect;
  /** Node arguments to start it on `port`. */
  args(port: number, dataDir: string, extra: string[]): string[];
  path: string;
  tidings: boolean;
}

const file = (rel: string): string => fileURLToPath(new URL(rel, import.meta.url));
const MAIN = file('../../server/main.js');
const peer = (name: string): string => file(`../peers/${name}.js`);

function tidings(name: SystemName, transport: 'uws' | 'ws'): SystemSpec {
  return {
    name,
    dialect: 'json',
    path: '/ws',
    tidings: true,
    // Every bench client comes from 127.0.0.1, and the connections scenario goes up to the
    // fd limit, past the per-address default; rate limits stay at their defaults.
    args: (port, dataDir, extra) => [
      MAIN, 'serve', '--port', String(port), '--data', dataDir, '--transport', transport, '--log-level', 'warn',
      '--max-connections', '0', '--max-connections-per-ip', '0', ...extra,
    ],
  };
}

function rawPeer(name: SystemName, program: string, flags: string[], dialect: Dialect = 'json', path = '/ws'): SystemSpec {
  return { name, dialect, path, tidings: false, args: (port) => [peer(program), '--port', String(port), ...flags] };
}

export const SPECS: Record<SystemName, SystemSpec> = {
  'tidings-uws': tidings('tidings-uws', 'uws'),
  'tidings-ws': tidings('tidings-ws', 'ws'),
  'uws-batched': rawPeer('uws-batched', 'uws-raw', ['--batched']),
  'uws-raw': rawPeer('uws-raw', 'uws-raw', []),
  'ws-cork': rawPeer('ws-cork', 'ws-raw', ['--cork']),
  'ws-raw': rawPeer('ws-raw', 'ws-raw', []),
  socketio: rawPeer('socketio', 'socketio', [], 'socketio', ''),
};

export interface RunningSystem {
  spec: SystemSpec;
  url: string;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(1000, () => req.destroy());
  });
}

/** Starts a system and resolves once it serves; a failed start says why, with its output. */
export async function startSystem(spec: SystemSpec, extra: string[] = []): Promise<RunningSystem> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'tidings-bench-'));
  const child = spawnPinned(PINNING?.server, spec.args(port, dataDir, extra));
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Generous: CI runs this beside other heavy tests on two cores.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${spec.name} exited with ${child.exitCode} at start:\n${output}`);
    const ready = spec.tidings ? (await httpStatus(`http://127.0.0.1:${port}/readyz`)) === 200 : /^ready \d+/m.test(output);
    if (ready) break;
    if (Date.now() > deadline) {
      await stopProcess(child, 1000);
      throw new Error(`${spec.name} did not become ready within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    spec,
    url: `ws://127.0.0.1:${port}${spec.path}`,
    pid: child.pid!,
    child,
    async stop() {
      await stopProcess(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
