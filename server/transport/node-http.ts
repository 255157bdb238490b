/** `HttpExchange` over Node's http server (the `ws` engine's port). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpExchange, HttpStream } from './connection.js';

export class NodeExchange implements HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly remoteAddress: string;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  /** The body was left unread: the connection must not be reused. */
  #closeAfter = false;

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#req = req;
    this.#res = res;
    this.method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    this.path = q < 0 ? url : url.slice(0, q);
    this.query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
    this.remoteAddress = req.socket.remoteAddress ?? '';
  }

  get aborted(): boolean {
    return this.#res.destroyed && !this.#res.writableFinished;
  }

  header(name: string): string | undefined {
    const value = this.#req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  readBody(limit: number): Promise<Buffer | undefined> {
    const req = this.#req;
    if (Number(req.headers['content-length']) > limit) {
      this.#closeAfter = true;
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > limit) {
          req.off('data', onData);
          req.pause();
          this.#closeAfter = true;
          resolve(undefined);
        } else chunks.push(chunk);
      };
      req.on('data', onData);
      req.once('end', () => resolve(Buffer.concat(chunks, size)));
      req.once('error', () => resolve(undefined));
    });
  }

  respond(status: number, headers: Record<string, string>, body: string | Buffer): void {
    const res = this.#res;
    if (res.headersSent || res.destroyed) return;
    const all: Record<string, string | number> = { ...headers, 'content-length': Buffer.byteLength(body) };
    if (this.#closeAfter) all.connection = 'close';
    res.writeHead(status, all);
    res.end(this.method === 'HEAD' ? undefined : body);
    if (!this.#closeAfter) this.#req.resume(); // an unread body must not stall the next request
  }

  stream(status: number, headers: Record<string, string>): HttpStream {
    this.#res.writeHead(status, headers);
    this.#res.flushHeaders();
    return new NodeStream(this.#res);
  }
}

class NodeStream implements HttpStream {
  readonly #res: ServerResponse;
  onDrain: (() => void) | undefined;
  onClose: (() => void) | undefined;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.on('drain', () => this.onDrain?.());
    res.once('close', () => this.onClose?.());
  }

  write(chunk: string): boolean {
    if (this.#res.destroyed || this.#res.writableEnded) return false;
    return this.#res.write(chunk);
  }

  get bufferedBytes(): number {
    return this.#res.writableLength;
  }

  end(): void {
    this.#res.end();
  }

  destroy(): void {
    this.#res.destroy();
  }
}
