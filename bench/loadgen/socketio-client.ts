/**
 * A Socket.IO 4 client spoken directly over a WebSocket (Engine.IO v4 framing),
 * so that it costs the load generator what the JSON client does: message frames
 * are counted, never parsed. Only what the benchmark needs: connect to the main
 * namespace, emit with an ack, answer pings.
 */
import WebSocket from 'ws';
import { countMessage, type BenchClient, type ClientOptions, type MessageListener } from './client.js';

const MESSAGE_PREFIX = Buffer.from('42["message"');

export class SocketIoClient implements BenchClient {
  received = 0;
  onMessage: MessageListener | undefined;
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #ws: WebSocket;
  readonly #acks = new Map<number, { resolve(args: unknown[]): void; reject(e: Error): void }>();
  #nextId = 1;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        for (const a of this.#acks.values()) a.reject(new Error(`connection closed (${code}) with acks pending`));
        this.#acks.clear();
        resolve({ code, reason: reason.toString() });
      });
    });
  }

  static connect(url: string, opts: ClientOptions): Promise<SocketIoClient> {
    const base = url.replace(/\/+$/, '');
    const token = opts.token ? `&token=${encodeURIComponent(opts.token)}` : '';
    const ws = new WebSocket(`${base}/socket.io/?EIO=4&transport=websocket${token}`, {
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: opts.timeoutMs ?? 10_000,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    const client = new SocketIoClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('error', reject);
      ws.on('message', (data: Buffer) => {
        if (data.length > MESSAGE_PREFIX.length && data.compare(MESSAGE_PREFIX, 0, MESSAGE_PREFIX.length, 0, MESSAGE_PREFIX.length) === 0) {
          client.received++;
          countMessage();
          client.onMessage?.(data.toString());
          return;
        }
        const text = data.toString();
        if (text === '2') ws.send('3'); // Engine.IO ping → pong
        else if (text.startsWith('0')) ws.send('40'); // Engine.IO open → connect to namespace "/"
        else if (text.startsWith('40')) resolve(client);
        else if (text.startsWith('43')) client.#onAck(text);
        else if (text.startsWith('44')) reject(new Error(`Socket.IO refused the connection: ${text.slice(2)}`));
      });
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
      this.#ws.send(`42${id}${args}`);
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
    this.#ws.send(`42["publish",{"topic":${JSON.stringify(topic)},"data":${data}}]`);
  }

  get buffered(): number {
    return this.#ws.bufferedAmount;
  }

  close(): void {
    this.#ws.terminate();
  }
}
