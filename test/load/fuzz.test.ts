/**
 * Fuzzing the hub over real sockets, once per transport: 100,000 hostile frames
 * (random text and bytes, invalid UTF-8, JSON nested 100,000 deep, numbers past
 * 2^53, `__proto__`/`constructor` keys, wrong types for every field of every op,
 * unknown ops, invalid topics, frames over the payload and frame limits) from
 * several connections that the hub closes and the test reopens, while an honest
 * publisher and subscriber keep working beside them.
 *
 * Every answer is checked against PROTOCOL.md: each frame knows what the hub must
 * answer (success, an error code of §7, or a close code of §8), `internal` is
 * always a failure, and the honest subscriber must see every honest message, in
 * order, with contiguous offsets.
 *
 * The run is seeded: set TIDINGS_FUZZ_SEED=<seed> to repeat one (the seed is printed),
 * TIDINGS_FUZZ_FRAMES=<n> to change the number of frames per transport.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { CLOSE_CODES, ERROR_CODES } from '../../shared/errors.js';
import { TRANSPORTS, removeDir, rssOf, startHub, type HubProcess, type Transport } from '../helpers/hub-process.js';
import { RawClient, offsetsOf, range, type Frame } from '../helpers/raw-client.js';
import { FrameGenerator, Prng, deriveSeed, type FuzzFrame, type FuzzLimits } from '../helpers/fuzz-frames.js';

const SEED = process.env.TIDINGS_FUZZ_SEED ? Number(process.env.TIDINGS_FUZZ_SEED) >>> 0 : randomInt(2 ** 31);
const FRAMES_PER_TRANSPORT = Number(process.env.TIDINGS_FUZZ_FRAMES ?? 100_000);
/** Hostile connections open at once, per transport. */
const WORKERS = 6;
const MAX_PAYLOAD = 16_384;
const LIMITS: FuzzLimits = { maxPayload: MAX_PAYLOAD, maxFrame: MAX_PAYLOAD + 4096 };
const HONEST_MESSAGES = 2000;
const RSS_GROWTH_LIMIT_BYTES = 200 * 1024 * 1024;
/** How long an answer (a marker's reply, a close) may take before the hub counts as hung. */
const ANSWER_WAIT_MS = 15_000;
/** Hostile connections a worker may fail to open in a row before it gives up. */
const MAX_CONNECT_FAILURES = 10;

type Mode = 'garbage' | 'semantic' | 'binary' | 'utf8' | 'oversize';
const MODE_WEIGHTS: ReadonlyArray<readonly [Mode, number]> = [['garbage', 45], ['semantic', 25], ['binary', 10], ['utf8', 10], ['oversize', 10]];

/**
 * Close codes PROTOCOL.md §8 (and RFC 6455 for what §8 does not name) allows for how
 * each mode ends. Any connection may also be closed as a slow consumer (4009, e.g. a
 * replay that fell behind retention): the test process reads as fast as it can, but
 * shares two cores with the hub.
 */
function expectedCloses(mode: Mode, transport: Transport): readonly number[] {
  return [...modeCloses(mode, transport), 4009];
}

function modeCloses(mode: Mode, transport: Transport): readonly number[] {
  switch (mode) {
    case 'garbage': return [4400]; // repeated malformed frames
    case 'semantic': return [4008]; // too many errors
    case 'binary': return [4400];
    // Not in §8: RFC 6455 §8.1 says invalid UTF-8 fails the connection, 1007 where a close frame is sent.
    case 'utf8': return transport === 'ws' ? [1007] : [1006, 1007];
    // §3: 1009 where the transport can send it; uWebSockets.js drops the connection (1006).
    case 'oversize': return transport === 'ws' ? [1009] : [1006, 1009];
  }
}

function pickMode(rng: Prng): Mode {
  let r = rng.int(MODE_WEIGHTS.reduce((n, [, w]) => n + w, 0));
  for (const [mode, w] of MODE_WEIGHTS) {
    if (r < w) return mode;
    r -= w;
  }
  return 'garbage';
}

/** A frame for a report: shortened, control characters and lone surrogates as \\uXXXX, with its length. */
function preview(payload: string | Buffer): string {
  const text = typeof payload === 'string' ? payload : `<bytes ${payload.subarray(0, 60).toString('hex')}>`;
  const shown = (text.length <= 200 ? text : `${text.slice(0, 140)}…${text.slice(-40)}`).replace(
    /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return `\`${shown}\` (${payload.length} ${typeof payload === 'string' ? 'chars' : 'bytes'})`;
}

/** A frame's label with its numbers as N, to group frames of one kind. */
function kindOf(label: string): string {
  return label.replace(/\d[\d,]*/g, 'N');
}

/** The depth in a label such as 'publish data nested arrays 5383 deep (10766 bytes)'. */
function depthOf(label: string): number | undefined {
  const m = /(\d+) deep/.exec(label);
  return m ? Number(m[1]) : undefined;
}

function inc<K>(map: Map<K, number>, key: K, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function formatCounts<K>(map: Map<K, number>): string {
  return `{${[...map].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${String(k)}: ${v}`).join(', ')}}`;
}

/** Everything counted during one transport's run. */
class FuzzStats {
  framesSent = 0;
  bytesSent = 0;
  readonly framesByWire = new Map<string, number>();
  readonly framesByLabel = new Map<string, number>();
  readonly connectionsByMode = new Map<Mode, number>();
  framesReceived = 0;
  messagesReceived = 0;
  pingsReceived = 0;
  readonly errorsByCode = new Map<string, number>();
  readonly closesByCode = new Map<string, number>();
  readonly internal: string[] = [];
  readonly internalByKind = new Map<string, number>();
  /** Answers to frames where the spec allows success or a client error, by kind and answer. */
  readonly grayAnswers = new Map<string, number>();
  /** Deepest nested publish data stored, and shallowest answered 'internal'. */
  deepestStored = 0;
  shallowestInternal = Infinity;
  readonly problems = new Map<string, { count: number; examples: string[] }>();

  problem(category: string, example: string): void {
    let p = this.problems.get(category);
    if (!p) this.problems.set(category, (p = { count: 0, examples: [] }));
    p.count++;
    if (p.examples.length < 3) p.examples.push(example);
  }

  get problemCount(): number {
    let n = 0;
    for (const p of this.problems.values()) n += p.count;
    return n;
  }

  describeProblems(limit = 25): string {
    const lines: string[] = [];
    for (const [category, { count, examples }] of [...this.problems].sort((a, b) => b[1].count - a[1].count).slice(0, limit)) {
      lines.push(`  ${count} × ${category}`);
      for (const e of examples) lines.push(`      e.g. ${e}`);
    }
    if (this.problems.size > limit) lines.push(`  … and ${this.problems.size - limit} more kinds`);
    return lines.join('\n');
  }
}

/** Frames sent so far across a transport's workers; the honest publisher paces itself on it. */
class Progress {
  value = 0;
  #done = false;
  #waiters: Array<{ at: number; resolve: () => void }> = [];

  add(n: number): void {
    this.value += n;
    this.#release();
  }

  until(at: number): Promise<void> {
    if (this.#done || this.value >= at) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ at, resolve }));
  }

  finish(): void {
    this.#done = true;
    this.#release();
  }

  #release(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (!this.#done && this.value < w.at) return true;
      w.resolve();
      return false;
    });
  }
}

interface Budget {
  left: number;
}

/** A hostile connection: sends fuzz frames and checks every answer against what the frame expects. */
class FuzzConn {
  readonly ws: WebSocket;
  /** Frames answered by a reply, by id. */
  readonly pending = new Map<number, FuzzFrame>();
  /** Frames answered by an error frame without id, in the order sent. */
  readonly fifo: FuzzFrame[] = [];
  /** Subscribes whose topic was unsubscribed before their reply came, with that unsubscribe. */
  readonly unsubscribedEarly = new Map<FuzzFrame, FuzzFrame>();
  closed: { code: number; reason: string } | undefined;
  #listeners = new Set<() => void>();
  readonly #stats: FuzzStats;
  readonly #budget: Budget;
  readonly #progress: Progress;

  private constructor(ws: WebSocket, stats: FuzzStats, budget: Budget, progress: Progress) {
    this.ws = ws;
    this.#stats = stats;
    this.#budget = budget;
    this.#progress = progress;
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => this.#onMessage(data, isBinary));
    ws.on('close', (code: number, reason: Buffer) => {
      this.closed = { code, reason: reason.toString() };
      this.#notify();
    });
  }

  static open(url: string, stats: FuzzStats, budget: Budget, progress: Progress): Promise<FuzzConn> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      const conn = new FuzzConn(ws, stats, budget, progress);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no WebSocket open within ${ANSWER_WAIT_MS} ms`));
      }, ANSWER_WAIT_MS);
      ws.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(conn);
      });
    });
  }

  get isOpen(): boolean {
    return this.closed === undefined && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends one frame; false when the connection is already closed (the frame is not counted). */
  send(frame: FuzzFrame): boolean {
    if (!this.isOpen) return false;
    this.ws.send(frame.payload, { binary: frame.wire === 'binary' });
    const stats = this.#stats;
    stats.framesSent++;
    stats.bytesSent += typeof frame.payload === 'string' ? Buffer.byteLength(frame.payload) : frame.payload.length;
    inc(stats.framesByWire, frame.wire);
    inc(stats.framesByLabel, frame.label);
    this.#budget.left--;
    this.#progress.add(1);
    if (frame.label === 'unsubscribe (ok)') {
      for (const p of this.pending.values()) if (p.topic === frame.topic && p.label.startsWith('subscribe')) this.unsubscribedEarly.set(p, frame);
    }
    if (frame.replyId !== undefined) this.pending.set(frame.replyId, frame);
    if (frame.expect.kind === 'reply-or-error-frame') this.fifo.push(frame);
    else if (frame.replyId !== undefined) return true;
    else if (frame.expect.kind === 'error' || (frame.expect.kind === 'close' && frame.expect.fatal === 'binary')) this.fifo.push(frame);
    return true;
  }

  /** Resolves true once `check()` holds (re-checked on every frame and on close), false after `timeoutMs`. */
  waitFor(check: () => boolean, timeoutMs = ANSWER_WAIT_MS): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const listener = (): void => {
        if (!check()) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        resolve(false);
      }, timeoutMs);
      this.#listeners.add(listener);
    });
  }

  /** Closes from our side and waits for the close to complete. */
  async closeGracefully(): Promise<void> {
    if (this.isOpen) this.ws.close(1000, 'fuzz budget spent');
    if (!(await this.waitFor(() => this.closed !== undefined))) this.ws.terminate();
  }

  terminate(): void {
    this.ws.terminate();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #onMessage(data: WebSocket.RawData, isBinary: boolean): void {
    const stats = this.#stats;
    stats.framesReceived++;
    const text = (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer)).toString();
    if (isBinary) stats.problem('the hub sent a binary frame (§1: text frames only)', preview(text));
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      stats.problem('the hub sent a frame that is not JSON', preview(text));
      return this.#notify();
    }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
      stats.problem('the hub sent a frame that is not a JSON object', preview(text));
      return this.#notify();
    }
    switch (frame.op) {
      case 'reply': {
        const id = frame.id;
        const sent = typeof id === 'number' ? this.pending.get(id) : undefined;
        if (frame.error !== undefined) this.#noteError(frame.error, sent, text);
        if (!sent) {
          stats.problem('a reply to no request in flight (unknown id, or a second reply)', preview(text));
          break;
        }
        this.pending.delete(id as number);
        if (sent.expect.kind === 'reply-or-error-frame') this.fifo.splice(this.fifo.indexOf(sent), 1);
        this.#check(sent, frame.error, text);
        break;
      }
      case 'error': {
        const sent = this.fifo.shift();
        this.#noteError(frame.error, sent, text);
        if (frame.id !== undefined) stats.problem('an error frame carrying an id (§2: error frames have none)', preview(text));
        if (!sent) {
          stats.problem('an error frame for no frame that called for one', preview(text));
          break;
        }
        if (sent.replyId !== undefined) this.pending.delete(sent.replyId);
        this.#check(sent, frame.error, text);
        break;
      }
      case 'message':
        stats.messagesReceived++;
        break;
      case 'ping':
        stats.pingsReceived++;
        break;
      default:
        stats.problem('a frame with an op the hub never sends', preview(text));
    }
    this.#notify();
  }

  #noteError(error: unknown, cause: FuzzFrame | undefined, text: string): void {
    const stats = this.#stats;
    const code = (error as { code?: unknown } | null)?.code;
    const message = (error as { message?: unknown } | null)?.message;
    if (typeof code !== 'string' || typeof message !== 'string') {
      stats.problem('an error without a string code and message', preview(text));
      inc(stats.errorsByCode, String(code));
      return;
    }
    inc(stats.errorsByCode, code);
    if (!Object.hasOwn(ERROR_CODES, code)) stats.problem(`error code '${code}' is not in PROTOCOL.md §7`, preview(text));
    if (code === 'internal') {
      stats.internal.push(cause ? `${cause.label}: ${preview(cause.payload)} → ${text}` : `(no matching request) → ${text}`);
      inc(stats.internalByKind, cause ? kindOf(cause.label) : '(no matching request)');
      const depth = cause && depthOf(cause.label);
      if (depth !== undefined) stats.shallowestInternal = Math.min(stats.shallowestInternal, depth);
    }
  }

  #check(sent: FuzzFrame, error: unknown, text: string): void {
    const code = (error as { code?: unknown } | undefined)?.code;
    const e = sent.expect;
    if (e.kind === 'any') {
      inc(this.#stats.grayAnswers, `${kindOf(sent.label)} → ${error === undefined ? 'ok' : String(code)}`);
      const depth = depthOf(sent.label);
      if (error === undefined && depth !== undefined) this.#stats.deepestStored = Math.max(this.#stats.deepestStored, depth);
    }
    if (code === 'internal') return; // reported on its own
    if (e.kind === 'ok' && error !== undefined) {
      this.#stats.problem(`${sent.label}: expected success, got ${String(code)}`, `${preview(sent.payload)} → ${text.slice(0, 200)}`);
    } else if (e.kind === 'error' && error === undefined) {
      this.#stats.problem(`${sent.label}: expected ${e.codes.join('|')}, got success`, `${preview(sent.payload)} → ${text.slice(0, 200)}`);
    } else if (e.kind === 'error' && !e.codes.includes(code as never)) {
      this.#stats.problem(`${sent.label}: expected ${e.codes.join('|')}, got ${String(code)}`, `${preview(sent.payload)} → ${text.slice(0, 200)}`);
    } else if (e.kind === 'reply-or-error-frame' && error !== undefined && code !== 'bad_request') {
      this.#stats.problem(`${sent.label}: expected success or bad_request, got ${String(code)}`, preview(sent.payload));
    } else if (e.kind === 'close' && code !== 'bad_request') {
      this.#stats.problem(`${sent.label}: expected bad_request before the close, got ${String(code)}`, preview(sent.payload));
    }
  }
}

interface WorkerContext {
  transport: Transport;
  url: string;
  seed: number;
  stats: FuzzStats;
  progress: Progress;
}

/**
 * Sends `frames` and a marker ping, then waits for the marker's reply or a close.
 * After the marker's reply every error frame the frames called for has arrived.
 * Returns false once the connection is closed.
 */
async function chunk(conn: FuzzConn, gen: FrameGenerator, frames: FuzzFrame[], stats: FuzzStats): Promise<boolean> {
  for (const f of frames) if (!conn.send(f)) return false;
  const marker = gen.marker();
  if (!conn.send(marker)) return false;
  const id = marker.replyId as number;
  if (!(await conn.waitFor(() => conn.closed !== undefined || !conn.pending.has(id)))) {
    stats.problem(`no reply to a marker ping and no close within ${ANSWER_WAIT_MS} ms (hub hung?)`, frames.map((f) => f.label).join(', ').slice(0, 300));
    conn.terminate();
    await conn.waitFor(() => conn.closed !== undefined);
    return false;
  }
  if (conn.closed) return false;
  for (const f of conn.fifo.splice(0)) stats.problem(`${f.label}: no error frame`, preview(f.payload));
  return true;
}

/**
 * Checks that every request with an id sent so far got its reply (§2): a barrier
 * subscribe (an async op, like publish and subscribe), then a marker round trip
 * after it, then nothing may still be waiting. Returns false once closed.
 */
async function drain(conn: FuzzConn, gen: FrameGenerator, barrierTopic: string, stats: FuzzStats): Promise<boolean> {
  const barrier = gen.barrier(barrierTopic);
  if (!conn.send(barrier)) return false;
  const id = barrier.replyId as number;
  if (!(await conn.waitFor(() => conn.closed !== undefined || !conn.pending.has(id)))) {
    stats.problem(`no reply to a barrier subscribe within ${ANSWER_WAIT_MS} ms (hub hung?)`, preview(barrier.payload));
    conn.terminate();
    return false;
  }
  if (!(await chunk(conn, gen, [], stats))) return false;
  for (const [pendingId, f] of conn.pending) {
    const unsubscribe = conn.unsubscribedEarly.get(f);
    if (unsubscribe) {
      stats.problem(
        'a subscribe followed, before its reply, by an unsubscribe of its topic never gets its reply (§2: every request with an id gets exactly one reply)',
        `${preview(f.payload)} then ${preview(unsubscribe.payload)}`,
      );
    } else stats.problem(`${f.label}: no reply (§2: every request with an id gets exactly one reply)`, preview(f.payload));
    conn.pending.delete(pendingId);
  }
  conn.unsubscribedEarly.clear();
  return true;
}

/** One hostile connection's life, by mode; true when the hub closed it (its close code is then checked), false when we did. */
async function runConnection(ctx: WorkerContext, conn: FuzzConn, gen: FrameGenerator, rng: Prng, mode: Mode, budget: Budget, barrierTopic: string): Promise<boolean> {
  const { stats } = ctx;
  const spent = (): boolean => budget.left <= 0;
  switch (mode) {
    case 'garbage': {
      // Up to 10 malformed frames among valid ones, then malformed frames until the 4400.
      let malformed = 0;
      while (malformed < 10 && !spent()) {
        const frames: FuzzFrame[] = [];
        for (let n = rng.range(1, 24); n > 0; n--) {
          if (malformed < 10 && rng.chance(0.6)) {
            frames.push(gen.malformed());
            malformed++;
          } else frames.push(gen.ok());
        }
        if (!(await chunk(conn, gen, frames, stats))) return true;
      }
      if (spent()) return false;
      if (!(await drain(conn, gen, barrierTopic, stats))) return true;
      for (let i = 0; i < 40; i++) if (!(await chunk(conn, gen, [gen.malformed()], stats))) return true;
      stats.problem('garbage: 50 malformed frames and still open (§8: repeated malformed frames close with 4400)', '');
      await conn.closeGracefully();
      return false;
    }
    case 'semantic': {
      // Valid requests and well-formed ones the hub must refuse, a few malformed and
      // gray ones, then errors until the 4008.
      const target = rng.range(100, 400);
      let sent = 0;
      let errors = 0;
      let malformed = 0;
      while (sent < target && !spent()) {
        const frames: FuzzFrame[] = [];
        for (let n = rng.range(1, 32); n > 0; n--) {
          const r = rng.float();
          if (r < 0.45 && errors < 150) {
            frames.push(gen.semantic());
            errors++;
          } else if (r < 0.5 && malformed < 6) {
            frames.push(gen.malformed());
            malformed++;
            errors++;
          } else if (r < 0.58 && malformed < 6 && errors < 150) {
            const f = gen.gray();
            if (f.expect.kind === 'any' && f.expect.mayBeMalformed) malformed++;
            errors++;
            frames.push(f);
          } else frames.push(gen.ok());
        }
        sent += frames.length;
        if (!(await chunk(conn, gen, frames, stats))) return true;
      }
      if (spent()) return false;
      if (!(await drain(conn, gen, barrierTopic, stats))) return true;
      for (let i = 0; i < 60; i++) {
        const frames: FuzzFrame[] = [];
        for (let n = 0; n < 16; n++) frames.push(gen.semantic());
        if (!(await chunk(conn, gen, frames, stats))) return true;
      }
      stats.problem('semantic: over 1,000 error replies and still open (§8: too many errors close with 4008)', '');
      await conn.closeGracefully();
      return false;
    }
    default: {
      // A few ordinary frames, then one frame that must end the connection.
      const frames: FuzzFrame[] = [];
      let malformed = 0;
      for (let n = rng.range(0, 20); n > 0; n--) {
        const r = rng.int(10);
        if (r < 2 && malformed < 3) {
          frames.push(gen.malformed());
          malformed++;
        } else if (r < 5) frames.push(gen.semantic());
        else frames.push(gen.ok());
      }
      if (frames.length > 0 && !(await chunk(conn, gen, frames, stats))) return true;
      if (spent()) return false;
      if (!(await drain(conn, gen, barrierTopic, stats))) return true;
      const fatal = mode === 'binary' ? gen.binary() : mode === 'utf8' ? gen.invalidUtf8() : gen.oversize();
      if (!conn.send(fatal)) return true;
      const marker = gen.marker();
      conn.send(marker);
      const id = marker.replyId as number;
      if (!(await conn.waitFor(() => conn.closed !== undefined || !conn.pending.has(id)))) {
        stats.problem(`${fatal.label}: neither a close nor a reply to the ping after it within ${ANSWER_WAIT_MS} ms (hub hung?)`, preview(fatal.payload));
        conn.terminate();
        return true;
      }
      if (!conn.closed) {
        stats.problem(`${fatal.label}: the connection stayed open`, preview(fatal.payload));
        await conn.closeGracefully();
        return false;
      }
      return true;
    }
  }
}

async function worker(ctx: WorkerContext, index: number, frames: number): Promise<void> {
  const rng = new Prng(deriveSeed(ctx.seed, index));
  const budget: Budget = { left: frames };
  const { stats } = ctx;
  let failures = 0;
  for (let n = 0; budget.left > 0; n++) {
    const mode = pickMode(rng);
    const gen = new FrameGenerator(rng, LIMITS, `w${index}c${n}`);
    let conn: FuzzConn;
    try {
      conn = await FuzzConn.open(ctx.url, stats, budget, ctx.progress);
      failures = 0;
    } catch (error) {
      stats.problem('a hostile connection could not be opened', (error as Error).message);
      if (++failures >= MAX_CONNECT_FAILURES) return;
      continue;
    }
    inc(stats.connectionsByMode, mode);
    const serverClosed = await runConnection(ctx, conn, gen, rng, mode, budget, `fzb.w${index}`);
    if (!serverClosed) {
      await conn.closeGracefully();
      inc(stats.closesByCode, 'ours');
      continue;
    }
    await conn.waitFor(() => conn.closed !== undefined);
    const code = conn.closed?.code ?? -1;
    inc(stats.closesByCode, String(code));
    const expected = expectedCloses(mode, ctx.transport);
    if (!expected.includes(code)) {
      stats.problem(`${mode} connection closed with ${code}, expected ${expected.join(' or ')}`, `reason ${JSON.stringify(conn.closed?.reason ?? '')}`);
    }
    if (code >= 4000 && !Object.hasOwn(CLOSE_CODES, code)) stats.problem(`close code ${code} is not in PROTOCOL.md §8`, '');
  }
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** Answers the hub's heartbeat pings, so a quiet honest connection is never closed for silence. */
function answerPings(c: RawClient): void {
  c.ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
    if (!isBinary && data.toString() === '{"op":"ping"}') c.send({ op: 'pong' });
  });
}

function errorsIn(c: RawClient): Frame[] {
  return c.frames.filter((f) => f.op === 'error' || (f.op === 'reply' && f.error !== undefined));
}

TRANSPORTS.forEach((transport, transportIndex) => {
  describe(`fuzzing the hub over ${transport}`, () => {
    const seed = deriveSeed(SEED, 1000 + transportIndex);
    const stats = new FuzzStats();
    const honestTopic = `honest.feed-${seed}`;
    let hub: HubProcess;
    let sub: RawClient;
    let pub: RawClient;
    let rssBefore = 0;
    let honestReplies: Frame[] | undefined;
    let publishedDuringFuzz = 0;
    let durationMs = 0;
    const clients: RawClient[] = [];

    before(async () => {
      hub = await startHub({
        transport,
        args: ['--storage', 'memory', '--no-demo', '--max-payload', String(MAX_PAYLOAD), '--max-messages', '256', '--max-bytes', '256KiB'],
      });
    });
    after(async () => {
      for (const c of clients) c.terminate();
      if (!hub) return;
      await hub.stop();
      removeDir(hub.dataDir);
    });

    it(`answers ${FRAMES_PER_TRANSPORT.toLocaleString('en')} hostile frames as PROTOCOL.md says, closes by §8, never 'internal'`, async () => {
      console.log(`[fuzz ${transport}] seed ${SEED} (transport seed ${seed}); repeat with TIDINGS_FUZZ_SEED=${SEED}`);
      sub = await RawClient.connect(hub.url);
      pub = await RawClient.connect(hub.url);
      clients.push(sub, pub);
      answerPings(sub);
      answerPings(pub);
      const subReply = await sub.request({ op: 'subscribe', topic: honestTopic });
      assert.equal(subReply.error, undefined, JSON.stringify(subReply));
      assert.equal(subReply.head, 0);
      rssBefore = rssOf(hub.child.pid as number);

      const progress = new Progress();
      const ctx: WorkerContext = { transport, url: hub.url, seed, stats, progress };
      const started = performance.now();
      let fuzzing = true;
      // The honest publisher: one publish per FRAMES/(HONEST×1.1) fuzz frames, each awaited, so they interleave with the fuzz.
      const publisher = (async () => {
        const replies: Frame[] = [];
        for (let i = 1; i <= HONEST_MESSAGES; i++) {
          await progress.until(Math.floor((i * FRAMES_PER_TRANSPORT) / (HONEST_MESSAGES * 1.1)));
          replies.push(await pub.request({ op: 'publish', topic: honestTopic, data: { i, note: 'honest' }, key: `honest-${i}` }, 30_000));
          if (fuzzing) publishedDuringFuzz++;
        }
        return replies;
      })();
      publisher.catch(() => {}); // awaited below, once the workers are done

      const perWorker = Math.ceil(FRAMES_PER_TRANSPORT / WORKERS);
      try {
        await Promise.all(range(0, WORKERS - 1).map((w) => worker(ctx, w, Math.min(perWorker, FRAMES_PER_TRANSPORT - w * perWorker))));
      } finally {
        fuzzing = false;
        progress.finish();
      }
      honestReplies = await publisher;
      durationMs = performance.now() - started;

      console.log(
        `[fuzz ${transport}] frames sent ${stats.framesSent} (${mib(stats.bytesSent)}) by kind ${formatCounts(stats.framesByWire)} ` +
          `in ${(durationMs / 1000).toFixed(1)} s over ${[...stats.connectionsByMode.values()].reduce((a, b) => a + b, 0)} hostile connections ${formatCounts(stats.connectionsByMode)}\n` +
          `[fuzz ${transport}] frames received ${stats.framesReceived} (messages ${stats.messagesReceived}, pings ${stats.pingsReceived}); ` +
          `errors by code ${formatCounts(stats.errorsByCode)}\n` +
          `[fuzz ${transport}] closes by code ${formatCounts(stats.closesByCode)}; honest publishes during the fuzz ${publishedDuringFuzz}/${HONEST_MESSAGES}; ` +
          `internal ${stats.internal.length}; problems ${stats.problemCount}`,
      );
      console.log(`[fuzz ${transport}] answers where the spec allows success or a client error: ${formatCounts(stats.grayAnswers)}`);
      if (stats.internal.length > 0) {
        console.log(
          `[fuzz ${transport}] 'internal' answers by frame kind ${formatCounts(stats.internalByKind)}; ` +
            `nested publish data: deepest stored ${stats.deepestStored}, shallowest answered 'internal' ${stats.shallowestInternal}; first ones:\n` +
            stats.internal.slice(0, 3).map((l) => `  ${l}`).join('\n'),
        );
        const logged = hub.lines.filter((l) => l.includes('"msg":"internal error"'));
        if (logged[0]) console.log(`[fuzz ${transport}] the hub logged ${logged.length} internal errors, the first: ${logged[0].slice(0, 600)}`);
      }
      if (stats.problemCount > 0) console.log(`[fuzz ${transport}] problems:\n${stats.describeProblems()}`);

      assert.ok(stats.framesSent >= FRAMES_PER_TRANSPORT, `only ${stats.framesSent} of ${FRAMES_PER_TRANSPORT} frames were sent`);
      for (const code of ['4400', '4008']) assert.ok((stats.closesByCode.get(code) ?? 0) > 0, `no connection was closed with ${code}`);
      assert.ok((stats.closesByCode.get(transport === 'ws' ? '1009' : '1006') ?? 0) > 0, 'no connection was closed for an oversize frame');
      assert.deepEqual(stats.internal, [], `the hub answered 'internal' (a bug) ${stats.internal.length} times; first: ${stats.internal[0] ?? ''}`);
      assert.equal(stats.problemCount, 0, `answers that break PROTOCOL.md:\n${stats.describeProblems()}`);
    });

    it('delivers every honest message meanwhile: in order, contiguous offsets, none missing', async () => {
      assert.ok(honestReplies, 'the fuzz run did not finish');
      const errors = honestReplies.filter((r) => r.error !== undefined);
      assert.deepEqual(errors, [], 'the honest publisher got errors');
      assert.deepEqual(honestReplies.map((r) => r.offset), range(1, HONEST_MESSAGES));
      const got = await sub.waitForMessages(honestTopic, HONEST_MESSAGES, 30_000);
      await sub.request({ op: 'ping' });
      assert.deepEqual(offsetsOf(sub.messages(honestTopic)), range(1, HONEST_MESSAGES));
      assert.deepEqual(got.map((m) => (m.data as { i: number }).i), range(1, HONEST_MESSAGES));
      assert.deepEqual(errorsIn(sub), [], 'the honest subscriber got error frames');
      assert.deepEqual(errorsIn(pub), [], 'the honest publisher got error frames');
      console.log(`[fuzz ${transport}] honest: ${honestReplies.length} publishes acked (${publishedDuringFuzz} during the fuzz), ${got.length} messages delivered, offsets 1…${HONEST_MESSAGES} in order`);
      assert.equal(sub.ws.readyState, WebSocket.OPEN, 'the honest subscriber was disconnected');
      assert.equal(pub.ws.readyState, WebSocket.OPEN, 'the honest publisher was disconnected');
    });

    it('serves a fresh connection normally afterwards (hello, subscribe, publish; nothing polluted)', async () => {
      const c = await RawClient.connect(hub.url);
      clients.push(c);
      const hello = await c.request({ op: 'hello', protocol: 1, client: 'fuzz-after/1' });
      for (const key of ['heartbeat', 'id', 'limits', 'op', 'protocol', 'session']) assert.ok(Object.hasOwn(hello, key), key);
      assert.equal(hello.protocol, 1);
      const limits = hello.limits as Record<string, unknown>;
      assert.deepEqual([limits.maxPayload, limits.maxSubscriptions], [MAX_PAYLOAD, 1000]);
      assert.ok(!JSON.stringify(hello).includes('polluted'), JSON.stringify(hello));
      const topic = `after.fuzz-${seed}`;
      const s = await c.request({ op: 'subscribe', topic, from: { earliest: true } });
      assert.deepEqual(Object.keys(s).sort(), ['earliest', 'epoch', 'head', 'id', 'op', 'reset', 'topic', 'truncated']);
      assert.deepEqual([s.topic, s.head, s.earliest, s.truncated, s.reset], [topic, 0, 1, false, false]);
      // `from` whose only field sits under an own `__proto__` key has the wrong shape: were
      // Object.prototype polluted with `earliest`, this would pass.
      const canary = await c.request(JSON.parse(`{"op":"subscribe","topic":"after.canary-${seed}","from":{"__proto__":{"earliest":true}}}`) as Record<string, unknown>);
      assert.equal((canary.error as { code: string } | undefined)?.code, 'bad_request', JSON.stringify(canary));
      const dataText = '{"constructor":{"prototype":{"polluted":1}},"__proto__":{"op":"subscribe","polluted":1},"n":1}';
      const published = await c.request({ op: 'publish', topic, data: JSON.parse(dataText) as unknown });
      assert.deepEqual(Object.keys(published).sort(), ['epoch', 'id', 'offset', 'op', 'topic']);
      assert.deepEqual([published.topic, published.offset, published.epoch], [topic, 1, s.epoch]);
      const [message] = await c.waitForMessages(topic, 1);
      assert.ok(message);
      assert.equal(JSON.stringify(message.data), dataText);
      assert.deepEqual(Object.keys(message).sort(), ['data', 'offset', 'op', 'time', 'topic']);
      assert.equal((await c.request({ op: 'ping' })).error, undefined);
      assert.equal((await c.request({ op: 'unsubscribe', topic })).error, undefined);
      assert.deepEqual(errorsIn(c).map((f) => f.id), [canary.id]);
    });

    it('stays up, answers /healthz, and keeps its memory bounded', async () => {
      assert.equal(hub.child.exitCode, null, 'the hub exited');
      assert.equal(hub.child.signalCode, null, 'the hub was killed');
      const res = await fetch(`${hub.httpUrl}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: 'ok' });
      const rssAfter = rssOf(hub.child.pid as number);
      console.log(
        `[fuzz ${transport}] hub RSS before ${mib(rssBefore)}, after ${mib(rssAfter)} (growth ${mib(rssAfter - rssBefore)}, bound ${mib(RSS_GROWTH_LIMIT_BYTES)}); ` +
          `fuzz duration ${(durationMs / 1000).toFixed(1)} s`,
      );
      assert.ok(rssBefore > 0);
      assert.ok(rssAfter - rssBefore < RSS_GROWTH_LIMIT_BYTES, `RSS grew by ${mib(rssAfter - rssBefore)}`);
      const outOfOrder = hub.lines.filter((l) => l.includes('"msg":"delivery out of order"'));
      assert.deepEqual(outOfOrder, []);
    });
  });
});
