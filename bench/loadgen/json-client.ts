/** A client of Tidings' JSON protocol (and of the raw peers that speak its subset). */
import type { BenchClient, ClientOptions } from './client.js';
import { LeanClient } from './lean-client.js';
import { LeanSocket } from './lean-socket.js';

const MESSAGE_PREFIX = Buffer.from('{"op":"message"');
const REPLY_PREFIX = '{"op":"reply","id":';

interface Waiter {
  /** Subscribe replies are parsed for their fields; publish acks need only their id. */
  wantsFields: boolean;
  resolve(reply: Record<string, unknown>): void;
  reject(error: Error): void;
}

export class JsonClient extends LeanClient implements BenchClient {
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #waiters = new Map<number, Waiter>();
  #nextId = 1;

  private constructor(ws: LeanSocket) {
    super(ws);
    ws.onControl = (text) => this.#onControl(text);
    ws.start();
    this.closed = ws.closed.then((e) => {
      const error = new Error(`connection closed (${e.code}) with requests in flight`);
      for (const w of this.#waiters.values()) w.reject(error);
      this.#waiters.clear();
      return e;
    });
  }

  static async connect(url: string, opts: ClientOptions): Promise<JsonClient> {
    const target = opts.token ? `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(opts.token)}` : url;
    return new JsonClient(await LeanSocket.connect(target, { ...opts, messagePrefix: MESSAGE_PREFIX }));
  }

  #onControl(text: string): void {
    // Fast path for a plain success reply, so acks do not cost a JSON parse each.
    if (text.startsWith(REPLY_PREFIX) && !text.includes('"error"')) {
      const id = parseInt(text.slice(REPLY_PREFIX.length), 10);
      const waiter = this.#waiters.get(id);
      if (waiter && !waiter.wantsFields) {
        this.#waiters.delete(id);
        waiter.resolve({ op: 'reply', id });
        return;
      }
    }
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (frame.op === 'ping') return this.ws.send('{"op":"pong"}');
    if (frame.op !== 'reply' || typeof frame.id !== 'number') return;
    const waiter = this.#waiters.get(frame.id);
    if (!waiter) return;
    this.#waiters.delete(frame.id);
    const error = frame.error as { code?: string; message?: string } | undefined;
    if (error) waiter.reject(new Error(`${String(error.code)}: ${String(error.message)}`));
    else waiter.resolve(frame);
  }

  #request(frame: string, id: number, wantsFields = true): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      this.#waiters.set(id, { wantsFields, resolve, reject });
      this.ws.send(frame);
    });
  }

  subscribe(topic: string, from?: object): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    const fromPart = from ? `,"from":${JSON.stringify(from)}` : '';
    return this.#request(`{"op":"subscribe","id":${id},"topic":${JSON.stringify(topic)}${fromPart}}`, id);
  }

  async publish(topic: string, data: string): Promise<void> {
    const id = this.#nextId++;
    await this.#request(`{"op":"publish","id":${id},"topic":${JSON.stringify(topic)},"data":${data}}`, id, false);
  }

  send(topic: string, data: string): void {
    this.ws.send(`{"op":"publish","topic":${JSON.stringify(topic)},"data":${data}}`);
  }
}
