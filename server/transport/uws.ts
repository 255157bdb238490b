/**
 * The uWebSockets.js adapter. Frames arrive as ArrayBuffers valid only until the
 * handler returns, so they are turned into strings before anything else runs.
 */
import type { HttpRequest as UwsRequest, HttpResponse as UwsResponse, TemplatedApp, WebSocket, us_listen_socket } from 'uWebSockets.js';
import type { UwsModule } from './load-uws.js';
import { UwsExchange } from './uws-http.js';
import { listenFailure, probeListen } from './port-holder.js';
import {
  WS_PATH, type Connection, type ConnectionEvents, type SendResult, type TextFrame, type TransportOptions, type TransportServer,
} from './connection.js';

/**
 * uWS's own backpressure cap, above which it drops sends. The hub closes slow
 * consumers (4009) far below it, so uWS never skips a receiver on its own.
 */
const UWS_MAX_BACKPRESSURE_BYTES = 256 * 1024 * 1024;
/** LIBUS_LISTEN_EXCLUSIVE_PORT: listen without SO_REUSEPORT. */
const LISTEN_EXCLUSIVE_PORT = 1;

/** The (host, port, options) form of listen, which uWS has but does not declare. */
interface ExclusiveListen {
  listen(host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void): unknown;
}

interface SocketData {
  conn?: UwsConnection;
  events?: ConnectionEvents;
  url: string;
  query: string;
  headers: Record<string, string>;
}

// Keeps a leading byte-order mark, as ws does, so both engines answer such a frame alike (bad_request).
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const ORIGIN_REFUSED = 'this Origin may not open a WebSocket here (see --allowed-origins)';
const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

class UwsConnection implements Connection {
  readonly transport = 'uws' as const;
  readonly remoteAddress: string;
  readonly #ws: WebSocket<SocketData>;
  closed = false;

  constructor(ws: WebSocket<SocketData>) {
    this.#ws = ws;
    this.remoteAddress = decoder.decode(ws.getRemoteAddressAsText());
  }

  get bufferedBytes(): number {
    return this.closed ? 0 : this.#ws.getBufferedAmount();
  }

  send(frame: TextFrame): SendResult {
    if (this.closed) return 'dropped';
    const status = this.#ws.send(frame, false, false);
    return status === 1 ? 'ok' : status === 0 ? 'backpressure' : 'dropped';
  }

  cork(fn: () => void): void {
    if (this.closed) fn();
    else this.#ws.cork(fn);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.#ws.end(code, reason);
  }

  terminate(): void {
    if (this.closed) return;
    this.closed = true;
    this.#ws.close();
  }
}

export class UwsTransport implements TransportServer {
  readonly name = 'uws' as const;
  readonly #opts: TransportOptions;
  readonly #uws: UwsModule;
  readonly #app: TemplatedApp;
  readonly #sockets = new Set<UwsConnection>();
  #listenSocket: us_listen_socket | undefined;

  constructor(uws: UwsModule, opts: TransportOptions) {
    this.#uws = uws;
    this.#opts = opts;
    this.#app = uws.App();
    this.#app.ws<SocketData>(WS_PATH, {
      maxPayloadLength: opts.maxFrameBytes,
      // uWS inflates at most maxPayloadLength bytes of a compressed frame, so a bomb is cut there.
      compression: opts.compression ? uws.SHARED_COMPRESSOR | uws.SHARED_DECOMPRESSOR : uws.DISABLED,
      maxBackpressure: UWS_MAX_BACKPRESSURE_BYTES,
      closeOnBackpressureLimit: 0,
      idleTimeout: 0,
      sendPingsAutomatically: false,
      upgrade: (res, req, context) => this.#upgrade(res, req, context),
      open: (ws) => this.#open(ws),
      message: (ws, message, isBinary) => {
        const events = ws.getUserData().events;
        if (!events) return;
        if (isBinary) events.onBinary();
        else events.onText(decoder.decode(message));
      },
      drain: (ws) => ws.getUserData().events?.onDrain(),
      close: (ws, code, message) => {
        const data = ws.getUserData();
        if (data.conn) {
          data.conn.closed = true;
          this.#sockets.delete(data.conn);
        }
        data.events?.onClose(code, decoder.decode(message));
      },
    });
    this.#app.any('/*', (res, req) => this.#http(res, req));
  }

  #upgrade(res: UwsResponse, req: UwsRequest, context: unknown): void {
    const origin = req.getHeader('origin');
    if (!this.#opts.originAllowed(origin === '' ? undefined : origin, req.getHeader('host'))) {
      res.cork(() => res.writeStatus('403 Forbidden').writeHeader('content-type', 'text/plain').end(ORIGIN_REFUSED));
      return;
    }
    const headers: Record<string, string> = {};
    req.forEach((key, value) => {
      headers[key] = value;
    });
    const data: SocketData = { url: req.getUrl(), query: req.getQuery() ?? '', headers };
    res.upgrade(
      data,
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context as never,
    );
  }

  #open(ws: WebSocket<SocketData>): void {
    const data = ws.getUserData();
    const conn = new UwsConnection(ws);
    data.conn = conn;
    this.#sockets.add(conn);
    data.events = this.#opts.handler.onOpen(conn, {
      url: data.url,
      query: new URLSearchParams(data.query),
      headers: data.headers,
    });
    // Needed only to open the connection: an idle connection should not carry its request.
    data.url = data.query = '';
    data.headers = NO_HEADERS;
  }

  #http(res: UwsResponse, req: UwsRequest): void {
    this.#opts.http(new UwsExchange(res, req, this.#opts.maxFrameBytes));
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const { host, port } = this.#opts;
      // Exclusive: by default uWS sets SO_REUSEPORT, and a second hub on a port in
      // use would start and silently take half of its connections.
      (this.#app as unknown as ExclusiveListen).listen(host, port, LISTEN_EXCLUSIVE_PORT, (socket) => {
        if (!socket) {
          void probeListen(host, port).then((code) => reject(listenFailure(host, port, code ?? 'EADDRINUSE')));
          return;
        }
        this.#listenSocket = socket;
        resolve(this.#uws.us_socket_local_port(socket as never));
      });
    });
  }

  stopAccepting(): void {
    if (this.#listenSocket) this.#uws.us_listen_socket_close(this.#listenSocket);
    this.#listenSocket = undefined;
  }

  async close(): Promise<void> {
    this.stopAccepting();
    for (const conn of [...this.#sockets]) conn.terminate();
    this.#sockets.clear();
  }
}
