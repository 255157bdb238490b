/**
 * One load-generator connection, whatever the system under test speaks. The
 * `json` dialect is Tidings' protocol (the raw uWS and ws peers speak its
 * subset); `socketio` is Socket.IO 4 over a plain WebSocket. Both count message
 * frames without parsing them, so the client's cost per delivery is the same
 * for every system measured.
 */
import { JsonClient } from './json-client.js';
import { SocketIoClient } from './socketio-client.js';

export type Dialect = 'json' | 'socketio';

export interface ClientOptions {
  /** Source address to connect from, to go past one address's ephemeral ports. */
  localAddress?: string;
  /** Appended as `?token=` (Tidings with auth on). */
  token?: string;
  timeoutMs?: number;
}

/**
 * Message frames received by every client of this process, and a hook run on
 * each: cheaper than summing thousands of per-client counters.
 */
export const totals = { messages: 0, onMessage: undefined as (() => void) | undefined };

export function countMessage(): void {
  totals.messages++;
  totals.onMessage?.();
}

/** What a benchmark sees of a message: its raw frame text. */
export type MessageListener = (frame: string) => void;

export interface BenchClient {
  /** Message frames received so far. */
  readonly received: number;
  /** Called for each message frame, when set (latency and catch-up jobs). */
  onMessage: MessageListener | undefined;
  /** Resolves with the subscribe reply (Tidings: `head`, `epoch`…). */
  subscribe(topic: string, from?: object): Promise<Record<string, unknown>>;
  /** Resolves once the server acknowledged it. */
  publish(topic: string, data: string): Promise<void>;
  /** Fire-and-forget. */
  send(topic: string, data: string): void;
  /** Bytes the socket could not hand to the kernel yet. */
  readonly buffered: number;
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export function connectClient(dialect: Dialect, url: string, opts: ClientOptions = {}): Promise<BenchClient> {
  return dialect === 'socketio' ? SocketIoClient.connect(url, opts) : JsonClient.connect(url, opts);
}

/** Opens `count` clients, `concurrency` handshakes at a time; `onEach` sees progress. */
export async function connectMany(
  dialect: Dialect,
  url: string,
  count: number,
  opts: ClientOptions & { concurrency?: number; localAddresses?: string[]; onEach?: (done: number) => void } = {},
): Promise<BenchClient[]> {
  const clients: BenchClient[] = new Array(count);
  const concurrency = opts.concurrency ?? 200;
  const addresses = opts.localAddresses ?? [];
  let next = 0;
  let done = 0;
  async function lane(): Promise<void> {
    while (next < count) {
      const i = next++;
      const localAddress = addresses.length ? addresses[i % addresses.length] : opts.localAddress;
      clients[i] = await connectClient(dialect, url, { ...opts, localAddress });
      opts.onEach?.(++done);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return clients;
}

/** Subscribes every client, `concurrency` requests in flight. */
export async function subscribeAll(clients: BenchClient[], topicOf: (i: number) => string, concurrency = 500): Promise<void> {
  let next = 0;
  async function lane(): Promise<void> {
    while (next < clients.length) {
      const i = next++;
      await clients[i]!.subscribe(topicOf(i));
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, clients.length) }, lane));
}
