/** The client's options, state and events: what an application configures and listens to. */
import type { TidingsError } from '../shared/errors.js';
import type { BackoffOptions } from './backoff.js';
import type { OffsetStore } from './offset-store.js';
import type { SocketFactory } from './socket.js';
import type { EventSourceFactory } from './sse-socket.js';
import type { Transport } from './transport-picker.js';

export type ConnectionState = 'disconnected' | 'connecting' | 'connected';

export interface StateChange {
  from: ConnectionState;
  to: ConnectionState;
  reason: string;
}

/** The client got connected over another transport than its last connection's (the first one too). */
export interface TransportChange {
  from: Transport | undefined;
  to: Transport;
  reason: string;
}

export interface ClientEvents extends Record<string, unknown> {
  state: StateChange;
  transport: TransportChange;
  /** Errors that no promise carries: error frames, failed resubscribes. */
  error: TidingsError;
}

/**
 * `auto`: WebSocket; Server-Sent Events plus HTTP when a WebSocket cannot open
 * while HTTP to the hub works, and back to a WebSocket as soon as one opens.
 */
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
  /** Delays between background WebSocket attempts while on SSE (default 1 s, doubling, at most 30 s). */
  probeBackoff?: Partial<BackoffOptions>;
  /** Keeps each topic's position; `from: 'resume'` starts from it (default: in memory, for this client's life). */
  offsetStore?: OffsetStore;
  /** Publishes that may wait for a connection or a reply (default 1000). */
  maxQueuedPublishes?: number;
  /** Connect at once (default true); otherwise call `connect()`. */
  autoConnect?: boolean;
}
