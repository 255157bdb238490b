/**
 * Which transport the next connection uses, under `transport: 'auto'`. A hub that
 * is down refuses WebSockets and HTTP alike, and falling back then would leave the
 * client on Server-Sent Events (no wildcards) long after the hub is back. So the
 * client falls back only when a WebSocket fails while plain HTTP to the same hub
 * works, and while on SSE it keeps trying a WebSocket in the background.
 */
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { ClientOptions } from './options.js';
import type { SocketFactory, SocketLike } from './socket.js';
import { httpBase, sseSocketClass, type EventSourceFactory, type Fetch } from './sse-socket.js';

export type Transport = 'websocket' | 'sse';

/** Background WebSocket attempts while on SSE: the first within 1 s, then at most every 30 s. */
export const DEFAULT_PROBE_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000, factor: 2 };
export const WILDCARD_NEEDS_WEBSOCKET = "wildcard subscriptions are per WebSocket only, and this client has none (transport: 'sse', or no WebSocket here): subscribe to each exact topic, or give the client a WebSocket";
/** A `/readyz` that has not answered by then counts as failed. */
const READY_TIMEOUT_MS = 5000;

export class TransportPicker {
  readonly #url: string;
  /** Undefined when there is no WebSocket here, or under `transport: 'sse'`. */
  readonly #Socket: SocketFactory | undefined;
  /** Undefined when there is no EventSource or fetch here, or under `transport: 'websocket'`. */
  readonly #SseSocket: SocketFactory | undefined;
  readonly #fetch: Fetch | undefined;
  readonly #probeBackoff: BackoffOptions;
  /** The last attempt's transport, and whether its socket opened. */
  #last: Transport = 'websocket';
  #lastOpened = true;
  /** `/readyz` answered 200 after a failed WebSocket, before the attempt that just failed too. */
  #httpWorked = false;
  #probeTimer: ReturnType<typeof setTimeout> | undefined;
  #probeSocket: SocketLike | undefined;
  #probes = 0;

  /** Throws a TypeError when neither transport can run here. */
  constructor(url: string, opts: ClientOptions, token: () => string | undefined) {
    this.#url = url;
    const choice = opts.transport ?? 'auto';
    const g = globalThis as { WebSocket?: SocketFactory; EventSource?: EventSourceFactory; fetch?: Fetch };
    this.#Socket = choice === 'sse' ? undefined : opts.WebSocket ?? g.WebSocket;
    const ES = choice === 'websocket' ? undefined : opts.EventSource ?? g.EventSource;
    this.#fetch = ES && g.fetch ? g.fetch.bind(globalThis) : undefined;
    this.#SseSocket = ES && this.#fetch ? sseSocketClass(ES, this.#fetch, token) : undefined;
    if (!this.#Socket && !this.#SseSocket) {
      throw new TypeError(choice === 'sse'
        ? 'no EventSource here: pass one as the EventSource option'
        : 'no WebSocket here: pass one as the WebSocket option (in Node: import WebSocket from "ws")');
    }
    this.#probeBackoff = { ...DEFAULT_PROBE_BACKOFF, ...opts.probeBackoff };
  }

  /** Whether a WebSocket can ever be used: wildcards need one. */
  get hasWebSocket(): boolean {
    return this.#Socket !== undefined;
  }

  get #hasSse(): boolean {
    return this.#SseSocket !== undefined;
  }

  /** A new socket over `transport` (a WebSocket, or the SSE stand-in for one); may throw. */
  open(transport: Transport): SocketLike {
    return new (transport === 'sse' ? this.#SseSocket! : this.#Socket!)(this.#url) as SocketLike;
  }

  /** Why the client is connected over `to` now, for the `transport` event. */
  reason(from: Transport | undefined, to: Transport): string {
    if (to === 'sse' && this.hasWebSocket) return 'a WebSocket could not open while HTTP to the hub works';
    return from ? 'a WebSocket opens again' : 'first connection';
  }

  /** The first attempt's transport. */
  first(): Transport {
    this.#httpWorked = false;
    return this.hasWebSocket ? 'websocket' : 'sse';
  }

  /**
   * The next attempt's transport. After a WebSocket that never opened it asks
   * `/readyz` (not `/healthz`: a hub shutting down still answers that on a
   * kept-alive connection): if HTTP fails too, or the hub is starting or
   * stopping, the WebSocket is tried again; if the hub is ready, the WebSocket
   * is tried once more, and only if that one fails too does the client fall
   * back (so a hub coming back between the two checks does not send it to SSE).
   */
  async next(): Promise<Transport> {
    if (!this.hasWebSocket) return 'sse';
    if (!this.#hasSse || this.#last === 'sse' || this.#lastOpened) {
      this.#httpWorked = false;
      return 'websocket';
    }
    if (this.#httpWorked) {
      this.#httpWorked = false;
      return 'sse';
    }
    this.#httpWorked = await this.#ready();
    return 'websocket';
  }

  /** An attempt starts over `transport`. */
  attempt(transport: Transport): void {
    this.#last = transport;
    this.#lastOpened = false;
  }

  /** The attempt's socket opened. */
  opened(): void {
    this.#lastOpened = true;
  }

  async #ready(): Promise<boolean> {
    const signal = (AbortSignal as { timeout?: (ms: number) => AbortSignal }).timeout?.(READY_TIMEOUT_MS);
    try {
      const res = await this.#fetch!(`${httpBase(this.#url)}/readyz`, signal ? { signal } : undefined);
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /**
   * While connected over SSE: tries a WebSocket now and then, with backoff, and
   * hands the first one that opens to `onOpen` (which then owns it).
   */
  probe(onOpen: (socket: SocketLike) => void): void {
    this.stop();
    this.#probes = 0;
    this.#scheduleProbe(onOpen);
  }

  #scheduleProbe(onOpen: (socket: SocketLike) => void): void {
    if (!this.#Socket) return;
    this.#probeTimer = setTimeout(() => {
      this.#probeTimer = undefined;
      let socket: SocketLike;
      try {
        socket = this.open('websocket');
      } catch {
        this.#scheduleProbe(onOpen);
        return;
      }
      this.#probeSocket = socket;
      socket.onopen = () => {
        this.#probeSocket = undefined;
        socket.onopen = socket.onclose = null;
        onOpen(socket);
      };
      socket.onclose = () => {
        socket.onopen = socket.onclose = null;
        this.#probeSocket = undefined;
        this.#scheduleProbe(onOpen);
      };
      socket.onerror = () => {};
    }, backoffDelay(this.#probes++, this.#probeBackoff));
  }

  /** No more background attempts; one under way is closed. */
  stop(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
    const socket = this.#probeSocket;
    this.#probeSocket = undefined;
    if (!socket) return;
    socket.onopen = socket.onclose = null;
    socket.close(1000, 'no longer needed');
  }
}
