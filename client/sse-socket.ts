/**
 * The fallback transport for networks that break WebSockets: it looks like a
 * WebSocket to the client, and speaks the hub's HTTP API underneath. Each
 * subscription is a Server-Sent Events stream; each request is a fetch. Any
 * failure closes the whole thing, and the client reconnects and resumes as
 * after a dropped WebSocket, from each topic's position.
 */
import { OPEN, type SocketFactory, type SocketLike } from './socket.js';

/** The part of the browser's EventSource this uses. */
export interface EventSourceLike {
  addEventListener(type: string, listener: (event: { data?: unknown }) => void): void;
  close(): void;
}
export type EventSourceFactory = new (url: string) => object;
export type Fetch = (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal }) => Promise<{ status: number; json(): Promise<unknown> }>;

/** Wildcards over SSE: the hub's event streams follow one exact topic each. */
export const SSE_WILDCARD_REFUSED = 'wildcard subscriptions are per WebSocket only: over Server-Sent Events, subscribe to each exact topic, or use a WebSocket';

const CLOSED = 3;
/** No frames to time out on: a stream's failure shows as an error event instead. */
const NO_HEARTBEAT = 2 ** 30;

/** The hub's HTTP address for its WebSocket address (`ws://host/ws` → `http://host`). */
export function httpBase(url: string): string {
  return url.replace(/^ws/, 'http').replace(/\/ws\/?(\?.*)?$/, '');
}

/** A WebSocket-like class for `url` (`ws://host/ws` → `http://host`). */
export function sseSocketClass(ES: EventSourceFactory, fetcher: Fetch, token: () => string | undefined): SocketFactory {
  return class SseSocket implements SocketLike {
    readyState = 0;
    onopen: ((event: unknown) => void) | null = null;
    onmessage: ((event: { data: unknown }) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    onerror: ((event: unknown) => void) | null = null;
    readonly #base: string;
    readonly #streams = new Map<string, EventSourceLike>();

    constructor(url: string) {
      this.#base = httpBase(url);
      // Reachable at all? Then "open", as a WebSocket would be.
      fetcher(`${this.#base}/healthz`).then(
        (res) => (res.status === 200 ? this.#open() : this.#end(1006, `hub answered ${res.status}`)),
        (error: unknown) => this.#end(1006, `cannot reach ${this.#base}: ${String(error)}`),
      );
    }

    #open(): void {
      if (this.readyState !== 0) return;
      this.readyState = OPEN;
      this.onopen?.({});
    }

    #deliver(frame: unknown): void {
      if (this.readyState === OPEN) this.onmessage?.({ data: typeof frame === 'string' ? frame : JSON.stringify(frame) });
    }

    send(text: string): void {
      const req = JSON.parse(text) as { op: string; id?: number; topic?: string; from?: Record<string, unknown>; data?: unknown; key?: string };
      const reply = (fields: object): void => this.#deliver({ op: 'reply', id: req.id, ...fields });
      const topic = encodeURIComponent(req.topic ?? '');
      if (req.op === 'hello') reply({ session: 'sse', protocol: 1, heartbeat: NO_HEARTBEAT });
      else if (req.op === 'subscribe') this.#subscribe(req.topic ?? '', topic, req.id, req.from);
      else if (req.op === 'unsubscribe') {
        this.#streams.get(req.topic ?? '')?.close();
        this.#streams.delete(req.topic ?? '');
        reply({});
      } else if (req.op === 'publish') {
        const auth = token();
        fetcher(`${this.#base}/v1/topics/${topic}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(auth && { authorization: `Bearer ${auth}` }) },
          body: JSON.stringify({ data: req.data, key: req.key }),
        }).then(
          async (res) => req.id !== undefined && reply((await res.json()) as object),
          () => this.#end(1006, 'publish request failed'),
        );
      }
    }

    #subscribe(name: string, topic: string, id: number | undefined, from: Record<string, unknown> = {}): void {
      if (/[*>]/.test(name)) {
        this.#deliver({ op: 'reply', id, error: { code: 'bad_request', message: SSE_WILDCARD_REFUSED } });
        return;
      }
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(from)) query.set(k, String(v));
      const auth = token();
      if (auth) query.set('token', auth);
      const stream = new ES(`${this.#base}/v1/topics/${topic}/events?${query}`) as EventSourceLike;
      this.#streams.set(name, stream);
      const withId = (data: unknown): string => String(data).replace(/^\{"op":"reply","id":\d+/, `{"op":"reply","id":${id ?? 0}`);
      stream.addEventListener('subscribed', (e) => this.#deliver(withId(e.data)));
      stream.addEventListener('message', (e) => this.#deliver(e.data));
      stream.addEventListener('close', (e) => {
        const { code, reason } = JSON.parse(String(e.data)) as { code: number; reason: string };
        this.#end(code, reason);
      });
      stream.addEventListener('error', (e) => {
        if (e.data === undefined) return this.#end(1006, 'event stream failed'); // the connection, not the hub
        stream.close();
        this.#streams.delete(name);
        this.#deliver(withId(e.data));
      });
    }

    close(code = 1000, reason = ''): void {
      this.#end(code, reason);
    }

    #end(code: number, reason: string): void {
      if (this.readyState === CLOSED) return;
      this.readyState = CLOSED;
      for (const stream of this.#streams.values()) stream.close();
      this.#streams.clear();
      queueMicrotask(() => this.onclose?.({ code, reason }));
    }
  };
}
