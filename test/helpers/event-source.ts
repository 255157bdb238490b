/**
 * A small EventSource over node:http, for the client's SSE transport in Node 20
 * (which has none). It does what the transport relies on: named events with
 * their data, and one plain `error` event when the stream cannot start or ends.
 * It does not reconnect by itself: the client does.
 */
import { get, type ClientRequest } from 'node:http';

type Listener = (event: { data?: unknown }) => void;

export class NodeEventSource {
  readonly url: string;
  /** 0 connecting, 1 open, 2 closed, as in the browser's. */
  readyState = 0;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #req: ClientRequest;

  constructor(url: string) {
    this.url = url;
    this.#req = get(url, { headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
      if (res.statusCode !== 200 || !String(res.headers['content-type']).startsWith('text/event-stream')) {
        res.resume();
        return this.#fail();
      }
      this.readyState = 1;
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk.replace(/\r\n?/g, '\n');
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.#onBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
      });
      res.on('close', () => this.#fail());
      res.on('error', () => this.#fail());
    });
    this.#req.on('error', () => this.#fail());
  }

  addEventListener(type: string, listener: Listener): void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  close(): void {
    this.readyState = 2;
    this.#req.destroy();
  }

  #onBlock(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (data.length > 0) this.#dispatch(event, { data: data.join('\n') });
  }

  #fail(): void {
    if (this.readyState === 2) return;
    this.readyState = 2;
    this.#dispatch('error', {});
  }

  #dispatch(type: string, event: { data?: unknown }): void {
    if (this.readyState === 2 && type !== 'error') return;
    for (const listener of [...(this.#listeners.get(type) ?? [])]) listener(event);
  }
}
