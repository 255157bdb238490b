/**
 * `HttpExchange` over uWebSockets.js. The request is readable only inside the
 * handler, so its line and headers are copied at once; body chunks are buffers
 * valid only during their callback, so they are copied as they come.
 */
import { STATUS_CODES } from 'node:http';
import type { HttpRequest as UwsRequest, HttpResponse as UwsResponse } from 'uWebSockets.js';
import type { HttpExchange, HttpStream } from './connection.js';

const decoder = new TextDecoder();

export class UwsExchange implements HttpExchange {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly remoteAddress: string;
  aborted = false;
  readonly #res: UwsResponse;
  readonly #headers = new Map<string, string>();
  /** The body so far; undefined once it passed the most any route takes. */
  #chunks: Buffer[] | undefined = [];
  #size = 0;
  #bodyDone = false;
  #bodyWaiter: { limit: number; resolve(body: Buffer | undefined): void } | undefined;
  #answered = false;
  #closeAfter = false;
  #stream: UwsStream | undefined;

  /** `maxBody`: the most any route reads; a longer body is dropped as it arrives. */
  constructor(res: UwsResponse, req: UwsRequest, maxBody: number) {
    this.#res = res;
    this.method = req.getMethod().toUpperCase();
    this.path = req.getUrl();
    this.query = new URLSearchParams(req.getQuery() ?? '');
    req.forEach((key, value) => this.#headers.set(key, value));
    this.remoteAddress = decoder.decode(res.getRemoteAddressAsText());
    res.onAborted(() => {
      this.aborted = true;
      this.#finishBody(undefined);
      this.#stream?.closed();
    });
    if (this.method === 'GET' || this.method === 'HEAD') this.#bodyDone = true;
    else res.onData((chunk, isLast) => this.#onData(chunk, isLast, maxBody));
  }

  header(name: string): string | undefined {
    return this.#headers.get(name);
  }

  #onData(chunk: ArrayBuffer, isLast: boolean, maxBody: number): void {
    if (this.#chunks) {
      this.#size += chunk.byteLength;
      if (this.#size > Math.min(maxBody, this.#bodyWaiter?.limit ?? maxBody)) {
        this.#chunks = undefined;
        this.#finishBody(undefined);
      } else this.#chunks.push(Buffer.from(chunk.slice(0)));
    }
    if (isLast) this.#finishBody(this.#chunks ? Buffer.concat(this.#chunks, this.#size) : undefined);
  }

  #finishBody(body: Buffer | undefined): void {
    if (this.#bodyDone && body !== undefined) return;
    this.#bodyDone = true;
    if (body === undefined) {
      this.#chunks = undefined;
      this.#closeAfter = true;
    }
    const waiter = this.#bodyWaiter;
    this.#bodyWaiter = undefined;
    waiter?.resolve(body && body.length <= waiter.limit ? body : undefined);
  }

  readBody(limit: number): Promise<Buffer | undefined> {
    if (Number(this.#headers.get('content-length')) > limit) {
      this.#closeAfter = true;
      return Promise.resolve(undefined);
    }
    if (this.#bodyDone) {
      const body = this.#chunks ? Buffer.concat(this.#chunks, this.#size) : undefined;
      return Promise.resolve(body && body.length <= limit ? body : undefined);
    }
    if (this.#size > limit) {
      this.#finishBody(undefined);
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => (this.#bodyWaiter = { limit, resolve }));
  }

  respond(status: number, headers: Record<string, string>, body: string | Buffer): void {
    if (this.aborted || this.#answered) return;
    this.#answered = true;
    const res = this.#res;
    res.cork(() => {
      res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`);
      for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
      // endWithoutBody with a length leaves uWS waiting for that many bytes: the connection hangs.
      if (this.method === 'HEAD') res.endWithoutBody();
      else res.end(body, this.#closeAfter);
    });
  }

  stream(status: number, headers: Record<string, string>): HttpStream {
    this.#answered = true;
    const res = this.#res;
    res.cork(() => {
      res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`);
      for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    });
    this.#stream = new UwsStream(res);
    return this.#stream;
  }
}

class UwsStream implements HttpStream {
  readonly #res: UwsResponse;
  #ended = false;
  /** Bytes written since uWS last reported backpressure and before it drained. */
  #backlog = 0;
  onDrain: (() => void) | undefined;
  onClose: (() => void) | undefined;

  constructor(res: UwsResponse) {
    this.#res = res;
    res.onWritable(() => {
      this.#backlog = 0;
      this.onDrain?.();
      return true;
    });
  }

  write(chunk: string): boolean {
    if (this.#ended) return false;
    let ok = true;
    this.#res.cork(() => {
      ok = this.#res.write(chunk);
    });
    if (!ok || this.#backlog > 0) this.#backlog += chunk.length;
    return ok;
  }

  get bufferedBytes(): number {
    return this.#backlog;
  }

  end(): void {
    if (this.#ended) return;
    this.#res.cork(() => this.#res.end());
    this.closed();
  }

  destroy(): void {
    if (this.#ended) return;
    this.#res.close();
    this.closed();
  }

  /** The response is over (ended here, or the client went away). */
  closed(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.onClose?.();
  }
}
