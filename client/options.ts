/** The client's options, state and events: what an application configures and listens to. */
import type { TidingsError } from '../shared/errors.js';
import type { BackoffOptions } from './backoff.js';
import type { OffsetStore } from './offset-store.js';
import type { SocketFactory } from './socket.js';
import type { EventSourceFactory } from './sse-socket.js';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected';

export interface StateChange {
  from: ConnectionState;
  to: ConnectionState;
  reason: string;
}

export interface ClientEvents extends Record<string, unknown> {
  state: StateChange;
  /** Errors that no promise carries: error frames, failed resubscribes. */
  error: TidingsError;
}

/** `auto`: WebSocket, and Server-Sent Events plus HTTP for an attempt after a WebSocket that never opened. */
export type TransportChoice = 'auto' | 'websocket' | 'sse';

export interface ClientOptions {
  /** WebSocket constructor; defaults to `globalThis.WebSocket` (Node users pass `ws`). */
  WebSocket?: SocketFactory;
  /** Default `auto`; `sse` needs an EventSource. */
  transport?: TransportChoice;
  /** EventSource constructor for the SSE transport; defaults to `globalThis.EventSource`. */
  EventSource?: EventSourceFactory;
  /** Sent with `hello`. */
  token?: string;
  /**
   * Gives a fresh token: called shortly before the current one expires (its `exp`),
   * to renew it on the open connection, and after the hub refused or expired it (4001).
   */
  refreshToken?: () => Promise<string>;
  backoff?: Partial<BackoffOptions>;
  /** Keeps each topic's position; `from: 'resume'` starts from it (default: in memory, for this client's life). */
  offsetStore?: OffsetStore;
  /** Publishes that may wait for a connection or a reply (default 1000). */
  maxQueuedPublishes?: number;
  /** Connect at once (default true); otherwise call `connect()`. */
  autoConnect?: boolean;
}
