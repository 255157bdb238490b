/** A plain `ws` client speaking raw JSON frames, with bounded waits that say what they waited for. */
import WebSocket from 'ws';

export type Frame = Record<string, unknown> & { op: string };
export interface MessageFrame extends Frame {
  op: 'message';
  topic: string;
  offset: number;
  time: number;
  data: unknown;
}

const DEFAULT_WAIT_MS = 10_000;

export class RawClient {
  readonly ws: WebSocket;
  /** Every frame received, in order. */
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #nextId = 1;
  #listeners = new Set<() => void>();
  /** Replies by id, so thousands of requests in flight cost no scans. */
  readonly #replies = new Map<number, Frame>();
  readonly #replyWaiters = new Map<number, (reply: Frame) => void>();

  private constructor(ws: WebSocket) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        this.#notify();
      });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      if (frame.op === 'reply' && typeof frame.id === 'number') {
        const waiter = this.#replyWaiters.get(frame.id);
        if (waiter) {
          this.#replyWaiters.delete(frame.id);
          waiter(frame);
        } else this.#replies.set(frame.id, frame);
      }
      this.#notify();
    });
    ws.on('error', () => {});
  }

  static connect(url: string, timeoutMs = DEFAULT_WAIT_MS): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new RawClient(ws);
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no WebSocket open on ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Sends an object as JSON, or a string as is. */
  send(frame: object | string): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Sends a request with a fresh id and resolves with its reply frame. */
  async request(frame: Record<string, unknown>, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    const id = (frame.id as number | undefined) ?? this.#nextId++;
    const reply = new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#replyWaiters.delete(id);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for reply to ${String(frame.op)} id ${id}`));
      }, timeoutMs);
      this.#replyWaiters.set(id, (f) => {
        clearTimeout(timer);
        resolve(f);
      });
    });
    this.send({ ...frame, id });
    return reply;
  }

  /** The first frame received (already, or later) matching `pred`. */
  waitFor(pred: (f: Frame) => boolean, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<Frame> {
    return this.waitUntil(() => this.frames.find(pred), what, timeoutMs);
  }

  /** Resolves with `check()`'s first non-undefined value, re-checked on every frame and close. */
  waitUntil<T>(check: () => T | undefined, what: string, timeoutMs = DEFAULT_WAIT_MS): Promise<T> {
    return new Promise((resolve, reject) => {
      const now = check();
      if (now !== undefined) return resolve(now);
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const listener = (): void => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(value);
      };
      this.#listeners.add(listener);
    });
  }

  messages(topic?: string): MessageFrame[] {
    return this.frames.filter((f): f is MessageFrame => f.op === 'message' && (topic === undefined || f.topic === topic));
  }

  /** Waits until at least `count` messages of `topic` have arrived. */
  waitForMessages(topic: string, count: number, timeoutMs = DEFAULT_WAIT_MS): Promise<MessageFrame[]> {
    return this.waitUntil(() => {
      const got = this.messages(topic);
      return got.length >= count ? got : undefined;
    }, `${count} messages on ${topic} (have ${this.messages(topic).length})`, timeoutMs);
  }

  /** Stops reading from the socket, so the server's send buffer fills up. */
  pause(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  resume(): void {
    (this.ws as unknown as { _socket: { resume(): void } })._socket.resume();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Asserts-friendly: the offsets of messages as an array. */
export function offsetsOf(messages: MessageFrame[]): number[] {
  return messages.map((m) => m.offset);
}

/** [from, from+1, …, to]. */
export function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i <= to; i++) out.push(i);
  return out;
}
