/** A client of Tidings' JSON protocol (and of the raw peers that speak its subset). */
import WebSocket from 'ws';
import { countMessage, type BenchClient, type ClientOptions, type MessageListener } from './client.js';

/** `{"op":"message"` — a frame is a message when it starts with this. */
const MESSAGE_PREFIX = Buffer.from('{"op":"message"');

interface Waiter {
  resolve(reply: Record<string, unknown>): void;
  reject(error: Error): void;
}

export class JsonClient implements BenchClient {
  received = 0;
  onMessage: MessageListener | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: WebSocket;
  readonly #waiters = new Map<number, Waiter>();
  #nextId = 1;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        const error = new Error(`connection closed (${code}) with requests in flight`);
        for (const w of this.#waiters.values()) w.reject(error);
        this.#waiters.clear();
        resolve({ code, reason: reason.toString() });
      });
    });
    ws.on('message', (data: Buffer) => {
      if (data.length > MESSAGE_PREFIX.length && data.compare(MESSAGE_PREFIX, 0, MESSAGE_PREFIX.length, 0, MESSAGE_PREFIX.length) === 0) {
        this.received++;
        countMessage();
        this.onMessage?.(data.toString());
        return;
      }
      this.#onControl(data.toString());
    });
  }

  static connect(url: string, opts: ClientOptions): Promise<JsonClient> {
    const target = opts.token ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(opts.token)}` : url;
    const ws = new WebSocket(target, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: opts.timeoutMs ?? 10_000,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new JsonClient(ws)));
      ws.once('error', reject);
    });
  }

  #onControl(text: string): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (frame.op === 'ping') return this.#ws.send('{"op":"pong"}');
    if (frame.op !== 'reply' || typeof frame.id !== 'number') return;
    const waiter = this.#waiters.get(frame.id);
    if (!waiter) return;
    this.#waiters.delete(frame.id);
    if (frame.error) waiter.reject(new Error(`${String((frame.error as { code?: string }).code)}: ${String((frame.error as { message?: string }).message)}`));
    else waiter.resolve(frame);
  }

  #request(frame: string, id: number): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.#waiters.set(id, { resolve, reject });
      this.#ws.send(frame);
    });
  }

  subscribe(topic: string, from?: object): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const fromPart = from ? `,"from":${JSON.stringify(from)}` : '';
    return this.#request(`{"op":"subscribe","id":${id},"topic":${JSON.stringify(topic)}${fromPart}}`, id);
  }

  async publish(topic: string, data: string): Promise<void> {
    const id = this.#nextId++;
    await this.#request(`{"op":"publish","id":${id},"topic":${JSON.stringify(topic)},"data":${data}}`, id);
  }

  send(topic: string, data: string): void {
    this.#ws.send(`{"op":"publish","topic":${JSON.stringify(topic)},"data":${data}}`);
  }

  get buffered(): number {
    return this.#ws.bufferedAmount;
  }

  close(): void {
    this.#ws.terminate();
  }
}
