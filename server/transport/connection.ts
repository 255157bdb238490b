/**
 * What the hub sees of a transport: connections in, frames and closes out.
 * Adapters (uws.ts, ws.ts) implement it; the hub never imports them.
 */

export type TransportName = 'uws' | 'ws';
/** What carries a connection: a WebSocket engine, or Server-Sent Events over HTTP. */
export type ConnectionKind = TransportName | 'sse';

/**
 * A text frame: a string, or its UTF-8 bytes when one frame goes to many
 * receivers, so it is encoded once rather than once per receiver.
 */
export type TextFrame = string | Buffer;

/** `backpressure`: queued in the transport; `dropped`: the transport refused it. */
export type SendResult = 'ok' | 'backpressure' | 'dropped';

export interface Connection {
  readonly transport: ConnectionKind;
  /**
   * The peer sends nothing (SSE): it gets pings but is never closed for silence;
   * a dead reader shows as backpressure instead.
   */
  readonly listenOnly?: boolean;
  readonly remoteAddress: string;
  /** Bytes accepted by `send` but not yet written to the socket. */
  readonly bufferedBytes: number;
  send(frame: TextFrame): SendResult;
  /** Runs `fn` with the socket corked, so its sends leave in as few writes as possible. */
  cork(fn: () => void): void;
  /** Closes with a close frame sent after what is already queued. */
  close(code: number, reason: string): void;
  /** Drops the socket at once, without a close handshake. */
  terminate(): void;
  /**
   * Stops reading the client's frames until `resumeReading`, so TCP pushes back
   * on a client that sends requests faster than it reads their replies. Optional:
   * an engine without it reads on.
   */
  pauseReading?(): void;
  resumeReading?(): void;
}

export interface UpgradeInfo {
  url: string;
  query: URLSearchParams;
  headers: Record<string, string>;
}

/** Callbacks of one connection into the hub. */
export interface ConnectionEvents {
  onText(text: string): void;
  onBinary(): void;
  onDrain(): void;
  onClose(code: number, reason: string): void;
}

export interface ConnectionHandler {
  onOpen(conn: Connection, info: UpgradeInfo): ConnectionEvents;
}

/**
 * One plain HTTP request and its answer, the same on both engines. The request
 * line and headers are read up front; the body only when asked for, with a limit.
 */
export interface HttpExchange {
  readonly method: string;
  /** Still percent-encoded, without the query. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly remoteAddress: string;
  /** A header by lowercase name. */
  header(name: string): string | undefined;
  /**
   * The whole body, or `undefined` as soon as it passes `limit` bytes: the rest
   * is not read, and the connection is closed after the answer.
   */
  readBody(limit: number): Promise<Buffer | undefined>;
  /** Answers at once; ignored once the client is gone. */
  respond(status: number, headers: Record<string, string>, body: string | Buffer): void;
  /** Starts an answer whose body is written over time (Server-Sent Events). */
  stream(status: number, headers: Record<string, string>): HttpStream;
  /** Set once the client went away before the answer was complete. */
  readonly aborted: boolean;
}

export interface HttpStream {
  /** False when the bytes were queued rather than written: wait for `onDrain`. */
  write(chunk: string): boolean;
  /** Bytes written but not yet taken by the socket. */
  readonly bufferedBytes: number;
  /** Ends the body; the client sees a clean end of stream. */
  end(): void;
  /** Drops the connection at once. */
  destroy(): void;
  onDrain: (() => void) | undefined;
  /** The client went away, or `end`/`destroy` was called. Called once. */
  onClose: (() => void) | undefined;
}

/** Plain HTTP on the hub's port: the API of PROTOCOL.md §9, health, metrics, the demo. */
export type HttpHandler = (exchange: HttpExchange) => void;

export interface TransportOptions {
  host: string;
  port: number;
  /** Frames longer than this close the connection (1009, or a drop on uWS). */
  maxFrameBytes: number;
  /** permessage-deflate; inflated frames are held to `maxFrameBytes` as well. */
  compression: boolean;
  /** Longest request head the ws engine reads (uWS has its own, fixed). */
  maxHeaderBytes: number;
  /** Time to receive a request's head. */
  handshakeTimeoutMs: number;
  /** Whether a WebSocket upgrade with this Origin (and Host) may proceed; a refusal is answered 403. */
  originAllowed(origin: string | undefined, host: string | undefined): boolean;
  handler: ConnectionHandler;
  http: HttpHandler;
}

export interface TransportServer {
  readonly name: TransportName;
  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number>;
  /** Stops accepting connections; open ones are left to the hub. */
  stopAccepting(): void;
  /** Releases everything; connections still open are dropped. */
  close(): Promise<void>;
}

/** The WebSocket endpoint of PROTOCOL.md §1. */
export const WS_PATH = '/ws';
