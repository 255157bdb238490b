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

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

export interface HttpResponse {
  status: number;
  /** JSON, unless `contentType` is given: then the text or bytes as they are. */
  body: unknown;
  contentType?: string;
}

/** The bytes and content type a transport writes for a response. */
export function encodeHttpBody(out: HttpResponse): { type: string; body: string | Buffer } {
  if (out.contentType && (typeof out.body === 'string' || Buffer.isBuffer(out.body))) return { type: out.contentType, body: out.body };
  return { type: 'application/json', body: JSON.stringify(out.body) };
}

/** Plain HTTP requests on the hub's port (health checks now, the §9 API later). */
export type HttpHandler = (req: HttpRequest) => HttpResponse;

export interface TransportOptions {
  host: string;
  port: number;
  /** Frames longer than this close the connection (1009, or a drop on uWS). */
  maxFrameBytes: number;
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
