/**
 * One client connection: its subscriptions, an ordered outbox of frames, the
 * heartbeat clock, and the error budgets that end abusive connections.
 */
import { nanoid } from 'nanoid';
import type { Logger } from 'pino';
import { CLOSE, type WireError } from '../../shared/errors.js';
import type { Connection, TextFrame } from '../transport/connection.js';
import { encodeErrorFrame, encodeErrorReply, encodeReply } from '../protocol/codec.js';
import { ErrorBudget } from './error-budget.js';
import type { Grants } from '../auth/grants.js';
import type { Outbox } from './outbox.js';
import type { HubStats } from './stats.js';
import type { Subscription } from './subscription.js';
import { TokenBucket } from './token-bucket.js';

/** Malformed frames (bad JSON or shape, unknown op) tolerated per window before 4400. */
const MAX_MALFORMED_FRAMES = 10;
/** Error replies of any kind tolerated per window before 4008. */
const MAX_ERRORS = 200;
const ERROR_WINDOW_MS = 10_000;
/**
 * Frames queued in one turn of the event loop may exceed the slow-consumer limit
 * (a burst), since the limit applies to what the transport could not write; this
 * multiple of it bounds the queue's memory all the same.
 */
const MAX_QUEUED_FACTOR = 16;
/** A closed connection that has not finished its close handshake by then is dropped. */
const CLOSE_GRACE_MS = 10_000;

export interface SessionLimits {
  /** Bytes queued for a client (outbox and transport) past which it is closed with 4009. */
  maxBufferedBytes: number;
  /** Per second; 0 for no limit. */
  maxPublishRate: number;
  maxFrameRate: number;
}

/** Frames held while a token is checked, past which the connection is closed (4008). */
const MAX_HELD_FRAMES = 256;

/**
 * Idle connections are most of a hub's memory, so what a session needs only
 * sometimes (its id, logger, error budgets, drain waiters) is made when first used.
 */
export class Session {
  readonly conn: Connection;
  readonly subs = new Map<string, Subscription>();
  /** Delivery stamp: a message matching several subscriptions is sent once. */
  stamp = 0;
  closed = false;
  lastReceivedAt: number;
  lastSentAt: number;
  pingedAt = 0;
  readonly openedAt: number;
  /** What the client may do; undefined until a valid token arrived (auth on). */
  grants: Grants | undefined;
  /** Frames that arrived while a token was being checked, handled in order once it is. */
  held: string[] | undefined;
  /**
   * Called once when the hub closes the session: its subscriptions go at once, not
   * when the transport reports the socket gone (a slow consumer's socket may take
   * the close grace period to go).
   */
  onClosing: (() => void) | undefined;
  readonly #outbox: Outbox;
  readonly #limits: SessionLimits;
  readonly #stats: HubStats;
  readonly #parentLog: Logger;
  readonly #number: number;
  #id: string | undefined;
  #log: Logger | undefined;
  #frames: TextFrame[] = [];
  #queuedBytes = 0;
  #drainWaiters: Array<() => void> | undefined;
  #malformed: ErrorBudget | undefined;
  #errors: ErrorBudget | undefined;
  #readingPaused = false;
  #frameRate: TokenBucket | undefined;
  #publishRate: TokenBucket | undefined;

  /** `number` tells connections apart in logs. */
  constructor(conn: Connection, log: Logger, number: number, outbox: Outbox, limits: SessionLimits, stats: HubStats) {
    this.conn = conn;
    this.#stats = stats;
    this.#parentLog = log;
    this.#number = number;
    this.#outbox = outbox;
    this.#limits = limits;
    this.openedAt = this.lastReceivedAt = this.lastSentAt = Date.now();
  }

  /** Counts a frame against the frame rate; false once over it. */
  frameAllowed(now: number): boolean {
    const rate = this.#limits.maxFrameRate;
    return rate === 0 || (this.#frameRate ??= new TokenBucket(rate, now)).take(now);
  }

  /** Counts a publish against the publish rate; false once over it. */
  publishAllowed(now: number): boolean {
    const rate = this.#limits.maxPublishRate;
    return rate === 0 || (this.#publishRate ??= new TokenBucket(rate, now)).take(now);
  }

  /** Keeps a frame for later; false when too many are waiting already. */
  hold(text: string): boolean {
    const held = (this.held ??= []);
    if (held.length >= MAX_HELD_FRAMES) return false;
    held.push(text);
    return true;
  }

  /** Shown to the client in the hello reply and in logs. */
  get id(): string {
    return (this.#id ??= nanoid());
  }

  get log(): Logger {
    return (this.#log ??= this.#parentLog.child({ conn: this.#number, session: this.id }));
  }

  /** Queues a frame; it leaves with the next outbox flush, in order. */
  push(frame: TextFrame): void {
    if (this.closed) return;
    if (this.#frames.length === 0) this.#outbox.mark(this);
    this.#frames.push(frame);
    this.#queuedBytes += frame.length;
    if (this.#queuedBytes > this.#limits.maxBufferedBytes * MAX_QUEUED_FACTOR) this.#slowConsumer();
  }

  flush(): void {
    const frames = this.#frames;
    const bytes = this.#queuedBytes;
    this.#frames = [];
    this.#queuedBytes = 0;
    if (this.closed || frames.length === 0) return;
    this.#stats.sentBytes += bytes;
    // Judged on what the client left unread from earlier flushes: a burst this flush
    // made itself (thousands of replies to pipelined publishes) is not a slow reader.
    const unread = this.conn.bufferedBytes;
    let dropped = false;
    this.conn.cork(() => {
      for (const frame of frames) if (this.conn.send(frame) === 'dropped') dropped = true;
    });
    this.lastSentAt = Date.now();
    const limit = this.#limits.maxBufferedBytes;
    if (dropped || unread > limit || this.conn.bufferedBytes > limit * MAX_QUEUED_FACTOR) return this.#slowConsumer();
    // Over the limit after this write: read no more requests until the client has
    // taken it, so one that pipelines thousands of publishes is slowed, not cut off.
    if (this.conn.bufferedBytes > limit && this.conn.pauseReading && !this.#readingPaused) {
      this.#readingPaused = true;
      this.conn.pauseReading();
    }
  }

  /** Bytes waiting to reach the client: queued here plus buffered in the transport. */
  get backlogBytes(): number {
    return this.#queuedBytes + this.conn.bufferedBytes;
  }

  /** Resolves once the backlog is at most `lowWater` bytes, or the session closed. */
  async room(outbox: Outbox, lowWater: number): Promise<void> {
    await outbox.flushed();
    while (!this.closed && this.backlogBytes > lowWater) {
      await new Promise<void>((resolve) => (this.#drainWaiters ??= []).push(resolve));
    }
  }

  /** The transport wrote out some of its buffer. */
  drained(): void {
    if (this.#readingPaused && !this.closed && this.conn.bufferedBytes <= this.#limits.maxBufferedBytes) {
      this.#readingPaused = false;
      this.conn.resumeReading?.();
    }
    const waiters = this.#drainWaiters;
    if (!waiters) return;
    this.#drainWaiters = undefined;
    for (const resolve of waiters) resolve();
  }

  reply(id: number | undefined, fields?: object): void {
    if (id !== undefined) this.push(encodeReply(id, fields));
  }

  /** Answers a failed request: a reply when it had an id, else an error frame. */
  fail(id: number | undefined, error: WireError, malformed = false): void {
    if (this.closed) return;
    this.push(id === undefined ? encodeErrorFrame(error) : encodeErrorReply(id, error));
    this.#stats.errors[error.code]++;
    const now = Date.now();
    if (malformed && !(this.#malformed ??= new ErrorBudget(MAX_MALFORMED_FRAMES, ERROR_WINDOW_MS)).spend(now)) {
      this.close(CLOSE.PROTOCOL_VIOLATION, 'too many malformed frames');
    } else if (!(this.#errors ??= new ErrorBudget(MAX_ERRORS, ERROR_WINDOW_MS)).spend(now)) {
      this.close(CLOSE.POLICY, 'too many errors');
    }
  }

  #slowConsumer(): void {
    this.#frames = [];
    this.#queuedBytes = 0;
    this.log.info({ buffered: this.conn.bufferedBytes }, 'closing slow consumer');
    this.close(CLOSE.SLOW_CONSUMER, 'slow consumer: send buffer over its limit');
  }

  /** Sends what is queued (unless dropped by a slow-consumer close), then closes. */
  close(code: number, reason: string): void {
    if (this.closed) return;
    this.flush();
    if (this.closed) return; // the flush found a slow consumer and closed already
    this.closed = true;
    if (code === CLOSE.SLOW_CONSUMER) this.#stats.slowConsumerCloses++;
    this.onClosing?.();
    this.conn.close(code, reason);
    this.drained();
    setTimeout(() => this.conn.terminate(), CLOSE_GRACE_MS).unref();
  }

  /** The transport reported the connection gone. */
  ended(): void {
    this.closed = true;
    this.#frames = [];
    this.drained();
  }
}
