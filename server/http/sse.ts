/**
 * Server-Sent Events (PROTOCOL.md §9): one topic as an event stream. The stream
 * is a hub connection like any WebSocket, subscribed once and never read from,
 * so it gets the same replay-then-live hand-over (no gap, no duplicate), the
 * same slow-consumer close and the same pings, here as comment lines.
 */
import type { Grants } from '../auth/grants.js';
import type { Hub } from '../hub/hub.js';
import type { Connection, HttpExchange, HttpStream, SendResult, TextFrame } from '../transport/connection.js';
import { countParam } from './api.js';
import { permit } from './auth.js';
import { sendError } from './reply.js';
import { checkPattern, checkTopic, isWildcard } from '../../shared/topics.js';

const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  // Proxies such as nginx must not hold events back.
  'x-accel-buffering': 'no',
};
/** How soon an EventSource reconnects after the stream ends (ms). */
const RETRY_MS = 1000;
const OFFSET = /"offset":(\d+)/;

class SseConnection implements Connection {
  readonly transport = 'sse' as const;
  readonly listenOnly = true;
  readonly remoteAddress: string;
  readonly #stream: HttpStream;
  #closed = false;

  constructor(stream: HttpStream, remoteAddress: string) {
    this.#stream = stream;
    this.remoteAddress = remoteAddress;
  }

  get bufferedBytes(): number {
    return this.#stream.bufferedBytes;
  }

  /** Turns the hub's frames into events: messages (id = offset), the subscribe answer, errors, pings. */
  send(frame: TextFrame): SendResult {
    if (this.#closed) return 'dropped';
    const text = typeof frame === 'string' ? frame : frame.toString('utf8');
    let chunk: string;
    if (text.startsWith('{"op":"message"')) chunk = `id: ${OFFSET.exec(text)?.[1] ?? ''}\nevent: message\ndata: ${text}\n\n`;
    else if (text.startsWith('{"op":"ping"')) chunk = ': ping\n\n';
    else if (text.startsWith('{"op":"reply"') && !text.includes('"error":')) chunk = `event: subscribed\ndata: ${text}\n\n`;
    else if (text.startsWith('{"op":"reply"')) {
      // The subscription was refused: the stream has nothing more to carry.
      this.#stream.write(`event: error\ndata: ${text}\n\n`);
      this.#closed = true;
      this.#stream.end();
      return 'ok';
    } else if (text.startsWith('{"op":"error"')) chunk = `event: error\ndata: ${text}\n\n`;
    else if (text.startsWith('{"op":"ended"')) {
      // The stream's one subscription ended (PROTOCOL.md §4): so does the stream; the
      // EventSource comes back with Last-Event-ID and the answer says what was lost.
      const { reason } = JSON.parse(text) as { reason: string };
      this.close(1001, `the subscription ended (${reason}): resume to continue`);
      return 'ok';
    } else return 'ok';
    return this.#stream.write(chunk) ? 'ok' : 'backpressure';
  }

  cork(fn: () => void): void {
    fn();
  }

  /** Says why in a last event, then ends the stream; an EventSource reconnects and resumes. */
  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.#stream.write(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
    this.#closed = true;
    this.#stream.end();
  }

  terminate(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stream.destroy();
  }
}

export function eventsRoute(hub: Hub, ex: HttpExchange, rawTopic: string | undefined, grants: Grants): void {
  const topic = rawTopic ?? '';
  if (isWildcard(topic) && checkPattern(topic).ok) {
    return sendError(ex, 'invalid_topic', `wildcard subscriptions (${topic.slice(0, 100)}) are per WebSocket only: an event stream follows one exact topic, so open one per topic, or subscribe to the pattern over the WebSocket (/ws)`);
  }
  const check = checkTopic(topic);
  if (!check.ok) return sendError(ex, 'invalid_topic', check.reason);
  if (!permit(ex, grants.canSubscribe(topic), `reading ${topic}`)) return;
  if (ex.method === 'HEAD') return ex.respond(200, SSE_HEADERS, '');
  const from = fromOf(ex);
  if (from === null) return;
  const stream = ex.stream(200, SSE_HEADERS);
  stream.write(`retry: ${RETRY_MS}\n\n`);
  const conn = new SseConnection(stream, ex.remoteAddress);
  const events = hub.onOpen(conn, { url: ex.path, query: ex.query, headers: {} }, grants);
  stream.onDrain = () => events.onDrain();
  stream.onClose = () => {
    conn.terminate();
    events.onClose(1001, 'event stream closed');
  };
  events.onText(JSON.stringify({ op: 'subscribe', id: 1, topic, ...(from && { from }) }));
}

/**
 * Where the stream starts, as a subscribe `from` (PROTOCOL.md §3): Last-Event-ID
 * (how a browser's EventSource resumes) or `?after=`, with `?epoch=` to have a
 * recreated log reported; `?last=N` and `?earliest` as on the WebSocket; else
 * live. Null after answering 400.
 */
function fromOf(ex: HttpExchange): object | undefined | null {
  const lastEventId = ex.header('last-event-id');
  const epoch = ex.query.get('epoch') || undefined;
  if (lastEventId !== undefined && lastEventId !== '') {
    const after = /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined;
    if (after === undefined) {
      sendError(ex, 'bad_request', 'Last-Event-ID must be an offset');
      return null;
    }
    return { after, ...(epoch && { epoch }) };
  }
  if (ex.query.has('after')) {
    const after = countParam(ex, 'after', 0);
    return after === undefined ? null : { after, ...(epoch && { epoch }) };
  }
  if (ex.query.has('last')) {
    const last = countParam(ex, 'last', 0);
    return last === undefined ? null : { last };
  }
  if (ex.query.has('earliest')) return { earliest: true };
  return undefined;
}
