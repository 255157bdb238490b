/**
 * CORS for origins the operator allowed (--allowed-origins): browsers on another
 * origin may then call the topic API and open event streams. Same-origin pages
 * need none of it.
 */
import type { HttpExchange, HttpStream } from '../transport/connection.js';

const PREFLIGHT = {
  'access-control-allow-methods': 'GET, POST',
  'access-control-allow-headers': 'authorization, content-type, last-event-id',
  'access-control-max-age': '600',
};

/** An exchange whose answers carry the CORS headers for `origin`. */
class CorsExchange implements HttpExchange {
  readonly #ex: HttpExchange;
  readonly #headers: Record<string, string>;

  constructor(ex: HttpExchange, origin: string) {
    this.#ex = ex;
    this.#headers = { 'access-control-allow-origin': origin, vary: 'origin' };
  }

  get method(): string { return this.#ex.method; }
  get path(): string { return this.#ex.path; }
  get query(): URLSearchParams { return this.#ex.query; }
  get remoteAddress(): string { return this.#ex.remoteAddress; }
  get aborted(): boolean { return this.#ex.aborted; }
  header(name: string): string | undefined { return this.#ex.header(name); }
  readBody(limit: number): Promise<Buffer | undefined> { return this.#ex.readBody(limit); }

  respond(status: number, headers: Record<string, string>, body: string | Buffer): void {
    this.#ex.respond(status, { ...headers, ...this.#headers }, body);
  }

  stream(status: number, headers: Record<string, string>): HttpStream {
    return this.#ex.stream(status, { ...headers, ...this.#headers });
  }
}

export function withCors(ex: HttpExchange, origin: string): HttpExchange {
  return new CorsExchange(ex, origin);
}

/** Answers an OPTIONS preflight from an allowed origin. */
export function preflight(ex: HttpExchange, origin: string): void {
  ex.respond(204, { ...PREFLIGHT, 'access-control-allow-origin': origin, vary: 'origin' }, '');
}
