/** The `ws` adapter: Node's http server plus `ws` in noServer mode on /ws. */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { NodeExchange } from './node-http.js';
import { listenFailure } from './port-holder.js';
import {
  WS_PATH, type Connection, type SendResult, type TextFrame, type TransportOptions, type TransportServer,
} from './connection.js';

const ORIGIN_REFUSED = 'this Origin may not open a WebSocket here (see --allowed-origins)';

/** Bytes are sent as a text frame too: they are a frame's UTF-8, encoded once for many receivers. */
const TEXT = { binary: false } as const;

class WsConnection implements Connection {
  readonly transport = 'ws' as const;
  readonly remoteAddress: string;
  readonly #ws: WebSocket;
  readonly #socket: Duplex;

  constructor(ws: WebSocket, req: IncomingMessage) {
    this.#ws = ws;
    this.#socket = req.socket;
    this.remoteAddress = req.socket.remoteAddress ?? '';
  }

  get bufferedBytes(): number {
    return this.#ws.bufferedAmount;
  }

  send(frame: TextFrame): SendResult {
    if (this.#ws.readyState !== this.#ws.OPEN) return 'dropped';
    this.#ws.send(frame, TEXT);
    return this.#socket.writableNeedDrain ? 'backpressure' : 'ok';
  }

  cork(fn: () => void): void {
    this.#socket.cork();
    try {
      fn();
    } finally {
      this.#socket.uncork();
    }
  }

  close(code: number, reason: string): void {
    this.#ws.close(code, reason);
  }

  terminate(): void {
    this.#ws.terminate();
  }

  pauseReading(): void {
    this.#ws.pause();
  }

  resumeReading(): void {
    this.#ws.resume();
  }
}

export class WsTransport implements TransportServer {
  readonly name = 'ws' as const;
  readonly #opts: TransportOptions;
  readonly #http: Server;
  readonly #wss: WebSocketServer;

  constructor(opts: TransportOptions) {
    this.#opts = opts;
    // ws holds inflated messages to maxPayload too, so a compressed bomb ends at the limit (1009).
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxFrameBytes,
      perMessageDeflate: opts.compression && { threshold: 1024, concurrencyLimit: 4 },
    });
    this.#http = createServer({
      maxHeaderSize: opts.maxHeaderBytes,
      headersTimeout: opts.handshakeTimeoutMs,
      requestTimeout: 0,
      // Node checks headersTimeout only this often (30 s by default).
      connectionsCheckingInterval: Math.min(1000, opts.handshakeTimeoutMs),
    }, (req, res) => opts.http(new NodeExchange(req, res)));
    this.#http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.#upgrade(req, socket, head));
  }

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    if (!this.#opts.originAllowed(req.headers.origin, req.headers.host)) {
      socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${ORIGIN_REFUSED.length}\r\n\r\n${ORIGIN_REFUSED}`);
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new WsConnection(ws, req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const events = this.#opts.handler.onOpen(conn, { url: req.url ?? '/', query: url.searchParams, headers });
      ws.on('message', (data: RawData, isBinary: boolean) => {
        if (isBinary) events.onBinary();
        else events.onText(data.toString());
      });
      req.socket.on('drain', () => events.onDrain());
      ws.on('close', (code: number, reason: Buffer) => events.onClose(code, reason.toString()));
      // Errors (bad frames, oversize) are followed by a close; the close carries them.
      ws.on('error', () => {});
    });
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const { host, port } = this.#opts;
      this.#http.once('error', (error: NodeJS.ErrnoException) => reject(listenFailure(host, port, error.code)));
      this.#http.listen(this.#opts.port, this.#opts.host, () => {
        const address = this.#http.address();
        resolve(typeof address === 'object' && address ? address.port : this.#opts.port);
      });
    });
  }

  stopAccepting(): void {
    this.#http.close();
  }

  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
  }
}
