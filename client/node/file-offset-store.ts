/**
 * Positions in a JSON file, so `from: 'resume'` survives a process restart.
 * The file is read once; changes are kept in memory and written together a
 * moment later (a burst of messages makes one write, not one per message), and
 * on process exit. Each write goes to a temporary file, synced, then renamed
 * over the old one: a crash leaves the old file or the new one, never half.
 */
import { closeSync, constants, fsyncSync, openSync, readFileSync, renameSync, accessSync, writeFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { OffsetStore, Position } from '../offset-store.js';

export interface FileOffsetStoreOptions {
  /** How long changes wait to be written together, in ms (default 250; 0 writes at once on every change). */
  delayMs?: number;
  /** A write that failed outside `flush()`/`close()` (default: a process warning); the next change tries again. */
  onError?: (error: Error) => void;
}

const FORMAT = 'tidings-offsets';
const DEFAULT_DELAY_MS = 250;

/** Stores with changes not yet on disk, written on process exit. */
const dirty = new Set<FileOffsetStore>();
let exitHook = false;

function onExit(): void {
  for (const store of [...dirty]) {
    try {
      store.flush();
    } catch (error) {
      process.stderr.write(`tidings: ${(error as Error).message}\n`);
    }
  }
}

export class FileOffsetStore implements OffsetStore {
  readonly path: string;
  readonly #positions: Map<string, Position>;
  readonly #delayMs: number;
  readonly #onError: (error: Error) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Reads `path` (a missing or empty file is an empty store). Throws if the
   * file is not one this store wrote, or its folder cannot be written to.
   */
  constructor(path: string, options: FileOffsetStoreOptions = {}) {
    this.path = path;
    this.#delayMs = Math.max(0, options.delayMs ?? DEFAULT_DELAY_MS);
    this.#onError = options.onError ?? ((error) => process.emitWarning(error.message, 'TidingsOffsetStoreWarning'));
    this.#positions = load(path);
    try {
      accessSync(dirname(path), constants.W_OK);
    } catch (error) {
      throw new Error(`offset store ${path}: cannot write to its folder (${(error as Error).message})`, { cause: error });
    }
  }

  get(topic: string): Position | undefined {
    const p = this.#positions.get(topic);
    return p && { ...p };
  }

  set(topic: string, position: Position): void {
    this.#positions.set(topic, { offset: position.offset, epoch: position.epoch });
    this.#changed();
  }

  delete(topic: string): void {
    if (this.#positions.delete(topic)) this.#changed();
  }

  /** Writes pending changes now; throws if the write fails. */
  flush(): void {
    if (!dirty.has(this)) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const positions: Record<string, Position> = {};
    for (const [topic, p] of this.#positions) positions[topic] = p;
    writeAtomically(this.path, `${JSON.stringify({ format: FORMAT, version: 1, positions })}\n`);
    dirty.delete(this);
  }

  /** Flushes and lets go of the process (no timer, no exit hook); a later change starts over. */
  close(): void {
    this.flush();
  }

  #changed(): void {
    dirty.add(this);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', onExit);
    }
    if (this.#delayMs === 0) return this.#flushReporting();
    if (this.#timer) return; // the writes of a burst go together, at most `delayMs` after the first
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#flushReporting();
    }, this.#delayMs);
    this.#timer.unref();
  }

  #flushReporting(): void {
    try {
      this.flush();
    } catch (error) {
      this.#onError(error as Error);
    }
  }
}

function load(path: string): Map<string, Position> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new Error(`offset store ${path}: cannot read it (${(error as Error).message})`, { cause: error });
  }
  if (text.trim() === '') return new Map();
  const damaged = (why: string): Error =>
    new Error(`offset store ${path} is damaged or not an offset file (${why}): move it away or delete it to start without stored positions`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw damaged((error as Error).message);
  }
  const file = parsed as { format?: unknown; version?: unknown; positions?: unknown };
  if (typeof file !== 'object' || file === null || file.format !== FORMAT) throw damaged(`no "format": "${FORMAT}"`);
  if (file.version !== 1) throw damaged(`version ${String(file.version)}, this client reads version 1`);
  if (typeof file.positions !== 'object' || file.positions === null) throw damaged('no "positions" object');
  const positions = new Map<string, Position>();
  for (const [topic, value] of Object.entries(file.positions)) {
    const p = value as Partial<Position> | null;
    if (!p || !Number.isSafeInteger(p.offset) || (p.offset as number) < 0 || typeof p.epoch !== 'string') {
      throw damaged(`the position of ${topic.slice(0, 100)} is not {"offset": n, "epoch": "…"}`);
    }
    positions.set(topic, { offset: p.offset as number, epoch: p.epoch });
  }
  return positions;
}

/** Temp file, fsync, rename over `path`: readers see the old file or the new one. */
function writeAtomically(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    const fd = openSync(temp, 'w');
    try {
      writeFileSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new Error(`offset store ${path}: cannot write it (${(error as Error).message})`, { cause: error });
  }
  // The rename itself survives a power loss only once the folder is synced; where it cannot be, the OS does it later.
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // not every file system syncs a folder
  }
}
