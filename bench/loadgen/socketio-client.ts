/**
 * A Socket.IO 4 client spoken directly over a WebSocket (Engine.IO v4 framing),
 * so that it costs the load generator what the JSON client does: message frames
 * are counted, never parsed. Only what the benchmark needs: connect to the main
 * namespace, emit with an ack, answer pings.
 */
import type { BenchClient, ClientOptions } from './client.js';
import { LeanClient } from './lean-client.js';
import { LeanSocket } from './lean-socket.js';

const MESSAGE_PREFIX = Buffer.from('42["message"');

export class SocketIoClient extends LeanClient implements BenchClient {
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #acks = new Map<number, { resolve(args: unknown[]): void; reject(e: Error): void }>();
  #nextId = 1;

  private constructor(ws: LeanSocket) {
    super(ws);
    this.closed = ws.closed.then((e) => {
      for (const a of this.#acks.values()) a.reject(new Error(`connection closed (${e.code}) with acks pending`));
      this.#acks.clear();
      return e;
    });
  }

  static async connect(url: string, opts: ClientOptions): Promise<SocketIoClient> {
    const base = url.replace(/\/+$/, '');
    const token = opts.token ? `&token=${encodeURIComponent(opts.token)}` : '';
    const ws = await LeanSocket.connect(`${base}/socket.io/?EIO=4&transport=websocket${token}`, { ...opts, messagePrefix: MESSAGE_PREFIX });
    const client = new SocketIoClient(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('Socket.IO did not accept the namespace connection')), opts.timeoutMs ?? 10_000);
      ws.onControl = (text) => {
        if (text === '2') ws.send('3'); // Engine.IO ping → pong
        else if (text.startsWith('0')) ws.send('40'); // Engine.IO open → connect to namespace "/"
        else if (text.startsWith('40')) {
          clearTimeout(timer);
          resolve(client);
        } else if (text.startsWith('43')) client.#onAck(text);
        else if (text.startsWith('44')) reject(new Error(`Socket.IO refused the connection: ${text.slice(2)}`));
      };
      ws.start();
    });
  }

  #onAck(text: string): void {
    const bracket = text.indexOf('[');
    const id = Number(text.slice(2, bracket));
    const ack = this.#acks.get(id);
    if (!ack) return;
    this.#acks.delete(id);
    ack.resolve(JSON.parse(text.slice(bracket)) as unknown[]);
  }

  #emit(args: string): Promise<unknown[]> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#acks.set(id, { resolve, reject });
      this.ws.send(`42${id}${args}`);
    });
  }

  async subscribe(topic: string): Promise<Record<string, unknown>> {
    await this.#emit(`["subscribe",${JSON.stringify(topic)}]`);
    return {};
  }

  async publish(topic: string, data: string): Promise<void> {
    await this.#emit(`["publish",{"topic":${JSON.stringify(topic)},"data":${data}}]`);
  }

  send(topic: string, data: string): void {
    this.ws.send(`42["publish",{"topic":${JSON.stringify(topic)},"data":${data}}]`);
  }
}
