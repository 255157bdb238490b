/**
 * The HTTP API of PROTOCOL.md §9 over real hub processes, once per transport:
 * publish, history, the topic list, Server-Sent Events, health and the odd routes.
 */
import assert from 'node:assert/strict';
import { get as httpGet, type ClientRequest, type IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { TRANSPORTS, removeDir, startHub, tempDir, type HubProcess, type Transport } from '../helpers/hub-process.js';
import { RawClient, range, type MessageFrame } from '../helpers/raw-client.js';
import { freePort, within } from '../helpers/wait.js';

/** --max-payload of the main hub; the body limit is this plus 4 KiB. */
const MAX_PAYLOAD = 1000;
const MAX_BODY = MAX_PAYLOAD + 4096;
const WAIT_MS = 10_000;
const T = { timeout: 30_000 };

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Answer {
  status: number;
  type: string | null;
  text: string;
  body: Json;
}

async function call(url: string, init?: RequestInit): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(WAIT_MS) });
  const text = await res.text();
  let body: Json;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type'), text, body };
}

function publish(hub: HubProcess, topic: string, body: unknown): Promise<Answer> {
  return call(`${hub.httpUrl}/v1/topics/${topic}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function history(hub: HubProcess, topic: string, query = ''): Promise<Answer> {
  return call(`${hub.httpUrl}/v1/topics/${topic}/messages${query}`);
}

async function topicRow(hub: HubProcess, topic: string): Promise<Json> {
  const answer = await call(`${hub.httpUrl}/v1/topics?prefix=${encodeURIComponent(topic)}&limit=1000`);
  return (answer.body.topics as Json[]).find((t) => t.topic === topic);
}

/** Publishes `datas` over one WebSocket, all in flight at once; resolves with the replies' offsets. */
async function publishWs(client: RawClient, topic: string, datas: unknown[]): Promise<number[]> {
  const replies = await Promise.all(datas.map((data) => client.request({ op: 'publish', topic, data }, 20_000)));
  for (const r of replies) assert.equal(r.error, undefined, JSON.stringify(r));
  return replies.map((r) => r.offset as number);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
  json: Json;
}

/** A Server-Sent Events reader over node:http that parses the stream itself. */
class SseClient {
  readonly req: ClientRequest;
  readonly res: IncomingMessage;
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly events: SseEvent[] = [];
  /** Comment lines, without the leading ':' and one space. */
  readonly comments: string[] = [];
  retry: number | undefined;
  /** The raw body when the answer is not an event stream. */
  text = '';
  bytes = 0;
  ended = false;
  readonly done: Promise<void>;
  #buffer = '';
  readonly #listeners = new Set<() => void>();

  constructor(req: ClientRequest, res: IncomingMessage) {
    this.req = req;
    this.res = res;
    this.status = res.statusCode ?? 0;
    this.headers = res.headers;
    req.on('error', () => {});
    res.on('error', () => {});
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.#onData(chunk));
    this.done = new Promise((resolve) => {
      res.once('close', () => {
        this.ended = true;
        resolve();
        this.#notify();
      });
    });
  }

  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = httpGet(url, { headers: { accept: 'text/event-stream', ...headers }, agent: false });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`no answer to GET ${url} within ${WAIT_MS} ms`));
      }, WAIT_MS);
      req.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.once('response', (res) => {
        clearTimeout(timer);
        resolve(new SseClient(req, res));
      });
    });
  }

  #onData(chunk: string): void {
    this.bytes += Buffer.byteLength(chunk);
    if (this.status !== 200) {
      this.text += chunk;
      return;
    }
    this.#buffer += chunk;
    let end;
    while ((end = this.#buffer.indexOf('\n\n')) >= 0) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      this.#onBlock(block);
    }
    this.#notify();
  }

  #onBlock(block: string): void {
    let id: string | undefined;
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments.push(line.slice(1).replace(/^ /, ''));
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry') this.retry = Number(value);
    }
    if (data.length === 0) return;
    const text = data.join('\n');
    let json: Json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    this.events.push({ id, event, data: text, json });
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** `message` events as §4 frames, with their SSE id. */
  messages(): Array<MessageFrame & { sseId: string | undefined }> {
    return this.events.filter((e) => e.event === 'message').map((e) => ({ ...(e.json as MessageFrame), sseId: e.id }));
  }

  ids(): number[] {
    return this.events.filter((e) => e.event === 'message').map((e) => Number(e.id));
  }

  lastId(): number {
    const ids = this.ids();
    return ids.length === 0 ? 0 : (ids[ids.length - 1] as number);
  }

  waitUntil<V>(check: () => V | undefined | false, what: string | (() => string), timeoutMs = WAIT_MS): Promise<V> {
    const describe = (): string => `${typeof what === 'string' ? what : what()} (have ${this.events.length} events, last id ${this.lastId()}, ended ${this.ended})`;
    return new Promise((resolve, reject) => {
      const now = check();
      if (now !== undefined && now !== false) return resolve(now);
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`));
      }, timeoutMs);
      const listener = (): void => {
        const value = check();
        if (value === undefined || value === false) return;
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(value);
      };
      this.#listeners.add(listener);
    });
  }

  waitForEvent(event: string, timeoutMs = WAIT_MS): Promise<SseEvent> {
    return this.waitUntil(() => this.events.find((e) => e.event === event), `an "${event}" event`, timeoutMs);
  }

  waitForId(id: number, timeoutMs = WAIT_MS): Promise<number[]> {
    return this.waitUntil(() => (this.lastId() >= id ? this.ids() : undefined), `message id ${id}`, timeoutMs);
  }

  close(): void {
    this.req.destroy();
  }
}

interface RawAnswer {
  text: string;
  /** The server closed the connection within the wait. */
  closed: boolean;
}

/**
 * A raw TCP connection whose answer resolves once the server closes it, once
 * `enough` holds for the text so far, or after `waitMs` with what arrived.
 */
function rawSocket(port: number, waitMs: number, enough: (text: string) => boolean = () => false): { socket: Socket; done: Promise<RawAnswer>; text(): string; settled(): boolean } {
  const socket = netConnect(port, '127.0.0.1');
  let text = '';
  let settled = false;
  const done = new Promise<RawAnswer>((resolve) => {
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      text += d;
      if (enough(text)) finish(false);
    });
    socket.on('error', () => {});
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
  });
  return { socket, done, text: () => text, settled: () => settled };
}

/** A raw TCP exchange: `drive` writes what it likes. */
function rawExchange(port: number, drive: (write: (s: string) => boolean, answered: () => boolean) => void, waitMs = 5000): Promise<RawAnswer> {
  const raw = rawSocket(port, waitMs);
  raw.socket.on('connect', () => drive((s) => !raw.socket.destroyed && raw.socket.write(s), () => raw.text().length > 0 || raw.settled()));
  return raw.done;
}

/** Waits for the answer to a raw exchange until `enough` holds for its text (or the wait ends). */
function rawUntil(port: number, request: string, enough: (text: string) => boolean, waitMs = 3000): Promise<RawAnswer> {
  const raw = rawSocket(port, waitMs, enough);
  raw.socket.on('connect', () => raw.socket.write(request));
  return raw.done;
}

function errorOf(answer: Answer): { code: string; message: string } {
  assert.match(answer.type ?? '', /^application\/json/, `content-type of ${answer.text}`);
  assert.equal(typeof answer.body?.error?.message, 'string', answer.text);
  return answer.body.error;
}

function describeTransport(transport: Transport): void {
  describe(`HTTP API over ${transport}`, () => {
    /** The main hub. */
    let hub: HubProcess;
    /** Fast heartbeat, small slow-consumer limit, 5 messages retained per topic. */
    let aux: HubProcess;
    const clients: RawClient[] = [];
    const streams: SseClient[] = [];
    const connect = async (target: HubProcess = hub): Promise<RawClient> => {
      const c = await RawClient.connect(target.url);
      clients.push(c);
      return c;
    };
    const sse = async (target: HubProcess, path: string, headers: Record<string, string> = {}): Promise<SseClient> => {
      const s = await SseClient.open(`${target.httpUrl}${path}`, headers);
      streams.push(s);
      return s;
    };

    before(async () => {
      [hub, aux] = await Promise.all([
        startHub({ transport, args: ['--no-demo', '--max-payload', String(MAX_PAYLOAD)] }),
        startHub({ transport, args: ['--no-demo', '--heartbeat', '200', '--max-buffered', '64KiB', '--max-messages', '5'] }),
      ]);
    });
    after(async () => {
      for (const c of clients) c.terminate();
      for (const s of streams) s.close();
      await Promise.all([hub?.stop(), aux?.stop()]);
      if (hub) removeDir(hub.dataDir);
      if (aux) removeDir(aux.dataDir);
    });

    describe('publish', () => {
      it('answers 201 {topic,offset,epoch}, and a WebSocket subscriber gets the same offsets', T, async () => {
        const ws = await connect();
        const sub = await ws.request({ op: 'subscribe', topic: 'pub.basic' });
        const answers = [];
        for (const n of [1, 2, 3]) answers.push(await publish(hub, 'pub.basic', { data: { n } }));
        for (const a of answers) {
          assert.equal(a.status, 201, a.text);
          assert.match(a.type ?? '', /^application\/json/);
          assert.deepEqual(Object.keys(a.body).sort(), ['epoch', 'offset', 'topic']);
        }
        assert.deepEqual(answers.map((a) => a.body.offset), [1, 2, 3]);
        assert.ok(answers.every((a) => a.body.topic === 'pub.basic' && a.body.epoch === sub.epoch));
        const got = await ws.waitForMessages('pub.basic', 3);
        assert.deepEqual(got.map((m) => [m.offset, m.data]), [[1, { n: 1 }], [2, { n: 2 }], [3, { n: 3 }]]);
      });

      it('answers a repeated key with 200, duplicate:true and the first offset, storing it once', T, async () => {
        const first = await publish(hub, 'pub.key', { data: 'a', key: 'k-1' });
        const again = await publish(hub, 'pub.key', { data: 'b', key: 'k-1' });
        const other = await publish(hub, 'pub.key', { data: 'c', key: 'k-2' });
        assert.equal(first.status, 201);
        assert.equal(first.body.duplicate, undefined);
        assert.equal(again.status, 200, again.text);
        assert.deepEqual(again.body, { topic: 'pub.key', offset: 1, epoch: first.body.epoch, duplicate: true });
        assert.deepEqual([other.status, other.body.offset], [201, 2]);
        const h = await history(hub, 'pub.key');
        assert.deepEqual(h.body.messages.map((m: Json) => [m.offset, m.data]), [[1, 'a'], [2, 'c']]);
      });

      it('takes any JSON value as data and serves it back exactly', T, async () => {
        const values: unknown[] = [{ a: { b: [1, 'two', null, true] } }, 'text with "quotes", \\, ünïcödé and 🎉', 0, -12.5, 1e21, null, [], [1, [2, [3]]], {}, false, ''];
        for (const [i, data] of values.entries()) {
          const a = await publish(hub, 'pub.types', { data });
          assert.deepEqual([a.status, a.body.offset], [201, i + 1], a.text);
        }
        const h = await history(hub, 'pub.types');
        assert.deepEqual(h.body.messages.map((m: Json) => m.data), values);
      });

      it('answers 400 bad_request for a missing data, a body that is not JSON or not an object, and a bad key', T, async () => {
        const bodies = ['{}', '{"key":"k"}', '{"data":1', 'not json', '', '[1,2]', '"data"', 'null',
          JSON.stringify({ data: 1, key: 'k'.repeat(129) }), JSON.stringify({ data: 1, key: '' }), JSON.stringify({ data: 1, key: 5 })];
        for (const body of bodies) {
          const a = await publish(hub, 'pub.bad', body);
          assert.equal(a.status, 400, `${body}: ${a.text}`);
          assert.equal(errorOf(a).code, 'bad_request', body);
        }
        const ok = await publish(hub, 'pub.bad', { data: 1, key: 'k'.repeat(128) });
        assert.deepEqual([ok.status, ok.body.offset], [201, 1], 'a 128-character key is accepted, and nothing refused was stored');
      });

      it('answers 400 invalid_topic for reserved, malformed and too long topics', T, async () => {
        for (const topic of ['$reserved', '_hidden', 'a..b', '.a', 'a.', 'a%20b', 'a*', 'a.%3E', 'a'.repeat(256)]) {
          const a = await publish(hub, topic, { data: 1 });
          assert.equal(a.status, 400, `${topic}: ${a.text}`);
          assert.equal(errorOf(a).code, 'invalid_topic', topic);
          const h = await history(hub, topic);
          assert.deepEqual([h.status, errorOf(h).code], [400, 'invalid_topic'], `history of ${topic}`);
        }
        const longest = await publish(hub, 'a'.repeat(255), { data: 1 });
        assert.equal(longest.status, 201, 'a 255-byte topic is valid');
      });

      it('answers 400 invalid_topic for a topic longer than 1024 characters too', T, async () => {
        const topic = 'a'.repeat(2000);
        for (const a of [await publish(hub, topic, { data: 1 }), await history(hub, topic)]) {
          assert.equal(a.status, 400, a.text.slice(0, 200));
          assert.equal(errorOf(a).code, 'invalid_topic');
        }
      });

      it('decodes a percent-encoded topic', T, async () => {
        const a = await publish(hub, 'pct%2Elobby', { data: 'x' });
        assert.deepEqual([a.status, a.body.topic, a.body.offset], [201, 'pct.lobby', 1], a.text);
        const h = await history(hub, 'pct.lobby');
        assert.deepEqual(h.body.messages.map((m: Json) => m.data), ['x']);
        const h2 = await history(hub, 'pct%2elobby');
        assert.equal(h2.body.topic, 'pct.lobby');
      });

      it('accepts data of exactly --max-payload bytes and answers 413 too_large one byte over', T, async () => {
        const exact = 'x'.repeat(MAX_PAYLOAD - 2); // the JSON quotes make it MAX_PAYLOAD bytes
        const ok = await publish(hub, 'pub.size', { data: exact });
        assert.equal(ok.status, 201, ok.text);
        const over = await publish(hub, 'pub.size', { data: exact + 'x' });
        assert.equal(over.status, 413, over.text);
        assert.equal(errorOf(over).code, 'too_large');
        // Padding outside data counts against the body limit only.
        const padded = await publish(hub, 'pub.size', JSON.stringify({ data: 1, pad: ' '.repeat(3000) }));
        assert.equal(padded.status, 201, padded.text);
        const body = await publish(hub, 'pub.size', JSON.stringify({ data: 1, pad: ' '.repeat(MAX_BODY) }));
        assert.deepEqual([body.status, errorOf(body).code], [413, 'too_large']);
        assert.equal((await history(hub, 'pub.size')).body.head, 2);
      });

      it('answers a Content-Length over the limit with 413 and closes, without reading the body', T, async () => {
        const answer = await rawExchange(hub.port, (write) => {
          write(`POST /v1/topics/pub.huge/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${50 * 1024 * 1024}\r\n\r\n{"data":"${'x'.repeat(2000)}`);
        });
        assert.match(answer.text, /^HTTP\/1\.1 413 /, answer.text);
        assert.match(answer.text, /"code":"too_large"/);
        assert.ok(answer.closed, `the server closes the connection (got ${JSON.stringify(answer.text)})`);
        assert.equal((await history(hub, 'pub.huge')).body.head, 0);
      });

      it('answers a chunked body that grows past the limit with 413 and closes', T, async () => {
        let sent = 0;
        const answer = await rawExchange(hub.port, (write, answered) => {
          write('POST /v1/topics/pub.chunked/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
          const chunk = `{"data":"${'y'.repeat(990)}`;
          const timer = setInterval(() => {
            if (answered() || sent > 1000 * 1000) return clearInterval(timer);
            write(`${Buffer.byteLength(chunk).toString(16)}\r\n${chunk}\r\n`);
            sent += chunk.length;
          }, 2);
        });
        assert.match(answer.text, /^HTTP\/1\.1 413 /, answer.text);
        assert.match(answer.text, /"code":"too_large"/);
        assert.ok(answer.closed, 'the server closes the connection');
        assert.ok(sent < 500_000, `answered long before the 1 MB the client could send (sent ${sent})`);
        // A small chunked body is fine.
        const ok = await rawUntil(hub.port, `POST /v1/topics/pub.chunked/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n5\r\n{"dat\r\n8\r\na":true}\r\n0\r\n\r\n`, () => false);
        assert.match(ok.text, /^HTTP\/1\.1 201 /, ok.text);
        assert.match(ok.text, /"offset":1/);
      });
    });

    describe('history', () => {
      it('pages with after and limit, oldest first, with the bounds', T, async () => {
        const ws = await connect();
        const datas = range(1, 25).map((n) => (n % 3 === 0 ? { n, nested: { list: [n, `s${n}`] } } : n % 3 === 1 ? `m${n}` : n));
        const offsets = await publishWs(ws, 'hist.page', datas);
        assert.deepEqual(offsets, range(1, 25));
        const epoch = (await publish(hub, 'hist.page', { data: 'last' })).body.epoch;
        const pages: Json[] = [];
        for (let afterOffset = 0; ; afterOffset += 10) {
          const a = await history(hub, 'hist.page', `?after=${afterOffset}&limit=10`);
          assert.equal(a.status, 200, a.text);
          assert.deepEqual([a.body.topic, a.body.epoch, a.body.earliest, a.body.head, a.body.truncated], ['hist.page', epoch, 1, 26, false]);
          if (a.body.messages.length === 0) break;
          pages.push(a.body.messages.map((m: Json) => m.offset));
          for (const m of a.body.messages) {
            assert.deepEqual(Object.keys(m), ['offset', 'time', 'data']);
            assert.ok(m.time > 1.7e12);
            assert.deepEqual(m.data, m.offset === 26 ? 'last' : datas[m.offset - 1]);
          }
        }
        assert.deepEqual(pages, [range(1, 10), range(11, 20), range(21, 26)]);
        const whole = await history(hub, 'hist.page');
        assert.deepEqual(whole.body.messages.map((m: Json) => m.offset), range(1, 26), 'no query: from the start, up to 100');
        const tail = await history(hub, 'hist.page', '?after=24');
        assert.deepEqual(tail.body.messages.map((m: Json) => m.offset), [25, 26]);
        const beyond = await history(hub, 'hist.page', '?after=99');
        assert.deepEqual([beyond.status, beyond.body.head, beyond.body.messages], [200, 26, []]);
      });

      it('clamps limit to 1000; limit=0 answers the bounds only', T, async () => {
        const ws = await connect();
        const offsets = await publishWs(ws, 'hist.clamp', range(1, 1100));
        assert.equal(offsets[offsets.length - 1], 1100);
        const big = await history(hub, 'hist.clamp', '?limit=5000');
        assert.equal(big.status, 200);
        assert.deepEqual(big.body.messages.map((m: Json) => m.offset), range(1, 1000));
        assert.deepEqual(big.body.messages.map((m: Json) => m.data), range(1, 1000));
        const rest = await history(hub, 'hist.clamp', '?after=1000&limit=1000000');
        assert.deepEqual(rest.body.messages.map((m: Json) => m.offset), range(1001, 1100));
        const dflt = await history(hub, 'hist.clamp');
        assert.equal(dflt.body.messages.length, 100, 'the default limit is 100');
        const none = await history(hub, 'hist.clamp', '?after=3&limit=0');
        assert.deepEqual([none.status, none.body.earliest, none.body.head, none.body.messages], [200, 1, 1100, []]);
      });

      it('answers 400 bad_request for an after or limit that is not a whole number', T, async () => {
        await publish(hub, 'hist.bad', { data: 1 });
        for (const q of ['after=-1', 'after=abc', 'after=1.5', 'after=1e3', 'after=0x10', 'limit=-1', 'limit=abc', 'limit=1.5', 'limit=%201', `after=${'9'.repeat(20)}`]) {
          const a = await history(hub, 'hist.bad', `?${q}`);
          assert.equal(a.status, 400, `${q}: ${a.text}`);
          assert.equal(errorOf(a).code, 'bad_request', q);
        }
        const fine = await history(hub, 'hist.bad', '?after=&limit=');
        assert.equal(fine.status, 200, 'empty values mean the defaults');
      });

      it('answers an unknown topic with 200, head 0 and no messages', T, async () => {
        const a = await history(hub, 'hist.never');
        assert.equal(a.status, 200, a.text);
        assert.deepEqual([a.body.topic, a.body.head, a.body.earliest, a.body.truncated, a.body.messages], ['hist.never', 0, 1, false, []]);
        assert.equal(typeof a.body.epoch, 'string');
      });

      it('says truncated:true when after is older than what is retained', T, async () => {
        for (let n = 1; n <= 10; n++) assert.equal((await publish(aux, 'hist.trunc', { data: n })).status, 201);
        const a = await history(aux, 'hist.trunc', '?after=1');
        assert.equal(a.status, 200, a.text);
        assert.deepEqual([a.body.truncated, a.body.earliest, a.body.head], [true, 6, 10]);
        assert.deepEqual(a.body.messages.map((m: Json) => [m.offset, m.data]), range(6, 10).map((n) => [n, n]));
        const edge = await history(aux, 'hist.trunc', '?after=5');
        assert.deepEqual([edge.body.truncated, edge.body.messages.length], [false, 5], 'after = earliest - 1 loses nothing');
        const lost = await history(aux, 'hist.trunc', '?after=4');
        assert.equal(lost.body.truncated, true, 'message 5 is gone');
      });
    });

    describe('topics', () => {
      it('lists topics by prefix, in name order, with epoch, earliest and head', T, async () => {
        const epochs: Record<string, string> = {};
        for (const [topic, count] of [['list.c', 3], ['list.a', 1], ['list.b', 2], ['listx', 1]] as const) {
          for (let i = 0; i < count; i++) epochs[topic] = (await publish(hub, topic, { data: i })).body.epoch;
        }
        const a = await call(`${hub.httpUrl}/v1/topics?prefix=list.`);
        assert.equal(a.status, 200, a.text);
        assert.match(a.type ?? '', /^application\/json/);
        assert.deepEqual(a.body, {
          topics: [
            { topic: 'list.a', epoch: epochs['list.a'], earliest: 1, head: 1, subscribers: 0 },
            { topic: 'list.b', epoch: epochs['list.b'], earliest: 1, head: 2, subscribers: 0 },
            { topic: 'list.c', epoch: epochs['list.c'], earliest: 1, head: 3, subscribers: 0 },
          ],
        });
        const two = await call(`${hub.httpUrl}/v1/topics?prefix=list&limit=2`);
        assert.deepEqual(two.body.topics.map((t: Json) => t.topic), ['list.a', 'list.b']);
        const none = await call(`${hub.httpUrl}/v1/topics?prefix=list.&limit=0`);
        assert.deepEqual(none.body, { topics: [] });
        const all = await call(`${hub.httpUrl}/v1/topics`);
        assert.ok(all.body.topics.some((t: Json) => t.topic === 'listx'));
        // Retention shows in earliest.
        const trunc = await topicRow(aux, 'hist.trunc');
        assert.deepEqual([trunc?.earliest, trunc?.head], [6, 10]);
      });

      it('clamps limit to 1000, defaults to 100, and refuses a bad limit or prefix', T, async () => {
        const ws = await connect();
        const replies = await Promise.all(range(0, 1000).map((n) => ws.request({ op: 'publish', topic: `many.${String(n).padStart(4, '0')}`, data: n }, 20_000)));
        assert.ok(replies.every((r) => r.offset === 1));
        const clamped = await call(`${hub.httpUrl}/v1/topics?prefix=many.&limit=5000`);
        assert.equal(clamped.body.topics.length, 1000);
        assert.equal(clamped.body.topics[999].topic, 'many.0999');
        const dflt = await call(`${hub.httpUrl}/v1/topics?prefix=many.`);
        assert.equal(dflt.body.topics.length, 100);
        for (const q of ['limit=-1', 'limit=abc', 'limit=2.5', `prefix=${'p'.repeat(256)}`]) {
          const a = await call(`${hub.httpUrl}/v1/topics?${q}`);
          assert.equal(a.status, 400, `${q}: ${a.text}`);
          assert.equal(errorOf(a).code, 'bad_request');
        }
      });

      it('counts WebSocket (exact and wildcard) and SSE subscribers as they come and go', T, async () => {
        await publish(hub, 'cnt.a', { data: 1 });
        await publish(hub, 'cnt.b', { data: 1 });
        const count = async (topic: string): Promise<number> => (await topicRow(hub, topic))?.subscribers;
        const settle = async (topic: string, n: number): Promise<void> => {
          const deadline = Date.now() + WAIT_MS;
          let last;
          while (Date.now() < deadline) {
            last = await count(topic);
            if (last === n) return;
            await sleep(20);
          }
          assert.fail(`expected ${n} subscribers on ${topic}, have ${last}`);
        };
        assert.equal(await count('cnt.a'), 0);
        const exact = await connect();
        await exact.request({ op: 'subscribe', topic: 'cnt.a' });
        await settle('cnt.a', 1);
        const wild = await connect();
        await wild.request({ op: 'subscribe', topic: 'cnt.*' });
        await settle('cnt.a', 2);
        await settle('cnt.b', 1);
        const stream = await sse(hub, '/v1/topics/cnt.a/events');
        await stream.waitForEvent('subscribed');
        await settle('cnt.a', 3);
        exact.close();
        await settle('cnt.a', 2);
        await wild.request({ op: 'unsubscribe', topic: 'cnt.*' });
        await settle('cnt.a', 1);
        await settle('cnt.b', 0);
        stream.close();
        await settle('cnt.a', 0);
      });
    });

    describe('Server-Sent Events', () => {
      it('is live only without after or Last-Event-ID, after a subscribed event with epoch and head', T, async () => {
        let epoch = '';
        for (let n = 1; n <= 3; n++) epoch = (await publish(hub, 'sse.live', { data: n })).body.epoch;
        const stream = await sse(hub, '/v1/topics/sse.live/events');
        assert.equal(stream.status, 200);
        assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
        assert.match(String(stream.headers['cache-control']), /no-cache/);
        const subscribed = await stream.waitForEvent('subscribed');
        assert.equal(stream.events[0], subscribed, 'subscribed is the first event');
        assert.equal(subscribed.id, undefined);
        assert.equal(subscribed.json.topic, 'sse.live');
        assert.deepEqual([subscribed.json.epoch, subscribed.json.head, subscribed.json.earliest], [epoch, 3, 1]);
        assert.ok(typeof stream.retry === 'number' && stream.retry > 0, 'a retry field tells EventSource when to reconnect');
        await publish(hub, 'sse.live', { data: { n: 4 } });
        await publish(hub, 'sse.live', { data: 'five' });
        await stream.waitForId(5);
        const got = stream.messages();
        assert.deepEqual(got.map((m) => [m.sseId, m.op, m.topic, m.offset, m.data]), [['4', 'message', 'sse.live', 4, { n: 4 }], ['5', 'message', 'sse.live', 5, 'five']]);
        assert.ok(got.every((m) => typeof m.time === 'number'));
        assert.equal(stream.ended, false);
      });

      it('replays after ?after=N, then goes live with no gap and no duplicate while publishing goes on', T, async () => {
        const ws = await connect();
        // A backlog larger than the socket buffers of the loopback, so the replay must wait for the reader.
        const backlog = 6000;
        const pad = 'p'.repeat(950);
        await publishWs(ws, 'sse.replay', range(1, backlog).map((n) => ({ n, pad })));
        const stream = await sse(hub, '/v1/topics/sse.replay/events?after=10');
        stream.res.pause();
        // 500 more, published in small batches while the reader holds the replay back, then reads again.
        let seenAtFirstLive = -1;
        for (let from = backlog + 1; from <= backlog + 500; from += 20) {
          await publishWs(ws, 'sse.replay', range(from, from + 19).map((n) => ({ n, pad })));
          if (from === backlog + 1) seenAtFirstLive = stream.lastId();
          if (from === backlog + 201) stream.res.resume();
        }
        const ids = await stream.waitForId(backlog + 500, 20_000);
        assert.ok(seenAtFirstLive < backlog, `live publishes began before the replay reached the reader's end (it had ${seenAtFirstLive})`);
        const subscribed = stream.events[0] as SseEvent;
        assert.equal(subscribed.event, 'subscribed');
        assert.deepEqual([subscribed.json.head, subscribed.json.truncated, subscribed.json.reset], [backlog, false, false]);
        assert.deepEqual(ids, range(11, backlog + 500));
        assert.ok(stream.messages().every((m) => m.offset === Number(m.sseId) && (m.data as { n: number }).n === m.offset));
        await sleep(100);
        assert.equal(stream.ids().length, backlog + 490, 'nothing more arrives');
      });

      it('resumes after Last-Event-ID, which wins over ?after', T, async () => {
        for (let n = 1; n <= 8; n++) await publish(hub, 'sse.resume', { data: n });
        const stream = await sse(hub, '/v1/topics/sse.resume/events?after=1', { 'Last-Event-ID': '5' });
        await stream.waitForId(8);
        await publish(hub, 'sse.resume', { data: 9 });
        assert.deepEqual(await stream.waitForId(9), [6, 7, 8, 9]);
        const byAfter = await sse(hub, '/v1/topics/sse.resume/events?after=7');
        assert.deepEqual(await byAfter.waitForId(9), [8, 9]);
        const fromZero = await sse(hub, '/v1/topics/sse.resume/events', { 'Last-Event-ID': '0' });
        assert.deepEqual(await fromZero.waitForId(9), range(1, 9));
      });

      it('answers a bad topic, Last-Event-ID or after with a 400 JSON error and no stream', T, async () => {
        const cases: Array<[string, Record<string, string>, string]> = [
          ['/v1/topics/a..b/events', {}, 'invalid_topic'],
          ['/v1/topics/$sys/events', {}, 'invalid_topic'],
          [`/v1/topics/${'t'.repeat(256)}/events`, {}, 'invalid_topic'],
          ['/v1/topics/sse.bad/events', { 'Last-Event-ID': 'abc' }, 'bad_request'],
          ['/v1/topics/sse.bad/events', { 'Last-Event-ID': '-1' }, 'bad_request'],
          ['/v1/topics/sse.bad/events', { 'Last-Event-ID': '1.5' }, 'bad_request'],
          ['/v1/topics/sse.bad/events?after=-2', {}, 'bad_request'],
          ['/v1/topics/sse.bad/events?after=x', {}, 'bad_request'],
        ];
        for (const [path, headers, code] of cases) {
          const s = await sse(hub, path, headers);
          await within(s.done, WAIT_MS, `the end of the answer to ${path}`);
          assert.equal(s.status, 400, `${path} ${JSON.stringify(headers)}: ${s.text}`);
          assert.match(String(s.headers['content-type']), /^application\/json/);
          assert.equal(JSON.parse(s.text).error.code, code, path);
        }
      });

      it('answers HEAD with the headers only, completing the response and subscribing nothing', T, async () => {
        await publish(hub, 'sse.head', { data: 1 });
        const answer = await rawUntil(hub.port,
          'HEAD /v1/topics/sse.head/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
          (text) => text.includes('{"status":"ok"}'));
        const split = answer.text.indexOf('\r\n\r\n');
        assert.match(answer.text, /^HTTP\/1\.1 200 /, answer.text);
        assert.match(answer.text.slice(0, split), /content-type: text\/event-stream/i);
        const rest = answer.text.slice(split + 4);
        assert.match(rest, /^HTTP\/1\.1 200 [^]*\{"status":"ok"\}$/, `the next answer follows the HEAD headers at once (got ${JSON.stringify(rest.slice(0, 200))})`);
        assert.equal((await topicRow(hub, 'sse.head')).subscribers, 0);
      });

      it('sends ": ping" comments at the heartbeat and never closes a silent stream', T, async () => {
        const stream = await sse(aux, '/v1/topics/sse.ping/events');
        await stream.waitForEvent('subscribed');
        await sleep(1000);
        assert.equal(stream.ended, false, 'open after 5 x heartbeat of silence from the client');
        const pings = stream.comments.filter((c) => c === 'ping').length;
        assert.ok(pings >= 3, `pings in 1 s at a 200 ms heartbeat: ${pings}`);
        assert.equal(stream.events.length, 1, 'pings are comments, not events');
        await publish(aux, 'sse.ping', { data: 'still here' });
        const [id] = await stream.waitForId(1);
        assert.equal(id, 1);
      });

      it('ends the stream of a reader that stops reading, rather than buffering without bound', T, async () => {
        const stream = await sse(aux, '/v1/topics/sse.slow/events');
        await stream.waitForEvent('subscribed');
        stream.res.pause();
        const ws = await connect(aux);
        const data = 'z'.repeat(30_000);
        const batch = (): Promise<number[]> => publishWs(ws, 'sse.slow', Array.from({ length: 32 }, () => data));
        let published = 0;
        let headAtDrop = 0;
        // Kernel socket buffers take a few MB first; then the hub must give up on the reader.
        while (published < 32 * 1024 * 1024 && ((await topicRow(aux, 'sse.slow'))?.subscribers ?? 0) > 0) {
          headAtDrop = (await batch()).at(-1) as number;
          published += 32 * data.length;
        }
        assert.equal((await topicRow(aux, 'sse.slow')).subscribers, 0, `the hub dropped the slow stream (after ${published} bytes published)`);
        // Nothing published after the drop is queued for the dropped reader.
        for (let i = 0; i < 3; i++) await batch();
        stream.res.resume();
        await within(stream.done, 5000, 'the stream to end once read again');
        assert.ok(stream.lastId() <= headAtDrop, `the stream ended at ${stream.lastId()}, not after the ${headAtDrop} published before the drop`);
        assert.ok(stream.bytes <= published + 64 * 1024, `read ${stream.bytes} bytes of the ${published} published before the drop`);
        const close = stream.events.find((e) => e.event === 'close');
        if (close) assert.equal(close.json.code, 4009, close.data);
        const ids = stream.ids();
        assert.deepEqual(ids, range(1, ids.length), 'what did arrive has no gap');
        // It resumes where it stopped.
        const again = await sse(aux, '/v1/topics/sse.slow/events', { 'Last-Event-ID': String(stream.lastId()) });
        const subscribed = await again.waitForEvent('subscribed');
        assert.ok(subscribed.json.head > stream.lastId());
        again.close();
      });

      it('resumes with Last-Event-ID after the hub is killed and restarted, with no gap and no duplicate', T, async () => {
        const port = await freePort();
        const dataDir = tempDir();
        const args = ['--no-demo', '--port', String(port)];
        let own = await startHub({ transport, dataDir, args });
        try {
          for (let n = 1; n <= 20; n++) await publish(own, 'sse.restart', { data: n });
          const first = await SseClient.open(`${own.httpUrl}/v1/topics/sse.restart/events?after=0`);
          const epoch = (await first.waitForEvent('subscribed')).json.epoch;
          await first.waitForId(20);
          // 40 more go out while the stream reads; the hub dies while some are unanswered.
          const ws = await RawClient.connect(own.url);
          for (const n of range(21, 60)) ws.send({ op: 'publish', id: n, topic: 'sse.restart', data: n });
          await first.waitForId(30);
          await own.kill9();
          await within(first.done, 5000, 'the stream to end when the hub dies');
          ws.terminate();
          const acked = ws.frames.filter((f) => f.op === 'reply' && typeof f.offset === 'number').length;
          const seen = first.ids();
          assert.deepEqual(seen, range(1, seen.length));
          own = await startHub({ transport, dataDir, args });
          assert.equal(own.port, port);
          for (let n = 0; n < 5; n++) await publish(own, 'sse.restart', { data: `after-${n}` });
          const head = (await history(own, 'sse.restart', '?limit=0')).body.head as number;
          assert.ok(head >= 20 + acked + 5, `every acknowledged message survived (head ${head}, acked ${acked} of 40 live)`);
          const second = await SseClient.open(`${own.httpUrl}/v1/topics/sse.restart/events`, { 'Last-Event-ID': String(first.lastId()) });
          const subscribed = await second.waitForEvent('subscribed');
          assert.deepEqual([subscribed.json.epoch, subscribed.json.reset, subscribed.json.head], [epoch, false, head]);
          await publish(own, 'sse.restart', { data: 'live' });
          const resumed = await second.waitForId(head + 1);
          assert.deepEqual([...seen, ...resumed], range(1, head + 1));
          second.close();
        } finally {
          await own.stop();
          removeDir(dataDir);
        }
      });
    });

    describe('other routes', () => {
      it('answers an unknown route 404 and a wrong method 405, with bad_request bodies', T, async () => {
        for (const path of ['/nope', '/v1', '/v1/topics/a/b/c', '/v2/topics', '/v1/topics/a/other']) {
          const a = await call(`${hub.httpUrl}${path}`);
          assert.equal(a.status, 404, `${path}: ${a.text}`);
          assert.equal(errorOf(a).code, 'bad_request');
        }
        for (const [method, path] of [['PUT', '/v1/topics/x/messages'], ['DELETE', '/v1/topics/x/messages'], ['DELETE', '/healthz'], ['POST', '/v1/topics'], ['POST', '/v1/topics/x/events'], ['PATCH', '/readyz']] as const) {
          const a = await call(`${hub.httpUrl}${path}`, { method });
          assert.equal(a.status, 405, `${method} ${path}: ${a.text}`);
          assert.equal(errorOf(a).code, 'bad_request');
        }
      });

      it('answers /healthz and /readyz', T, async () => {
        const health = await call(`${hub.httpUrl}/healthz`);
        assert.deepEqual([health.status, health.body], [200, { status: 'ok' }]);
        const ready = await call(`${hub.httpUrl}/readyz`);
        assert.deepEqual([ready.status, ready.body], [200, { status: 'ready' }]);
      });

      it('answers HEAD /healthz with the headers only, keeping the connection usable', T, async () => {
        const alone = await rawExchange(hub.port, (write) => write('HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 2000);
        assert.ok(alone.closed, `answered and closed (got ${JSON.stringify(alone.text)})`);
        assert.match(alone.text, /^HTTP\/1\.1 200 [^]*\r\n\r\n$/, 'the headers and nothing after them');
        // On one kept-alive connection, the next answer follows HEAD's headers at once.
        const raw = await rawUntil(hub.port, 'HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
          (text) => text.includes('{"status":"ready"}'));
        const what = `the HEAD answer then the GET answer on one connection (got ${JSON.stringify(raw.text)}, closed by the server: ${raw.closed})`;
        assert.match(raw.text, /^HTTP\/1\.1 200 /, what);
        assert.match(raw.text.slice(raw.text.indexOf('\r\n\r\n') + 4), /^HTTP\/1\.1 200 [^]*\{"status":"ready"\}$/, what);
      });

      it('serves the browser client at /tidings.min.js', T, async () => {
        const a = await call(`${hub.httpUrl}/tidings.min.js`);
        assert.equal(a.status, 200);
        assert.match(a.type ?? '', /^(text|application)\/javascript/);
        assert.ok(a.text.length > 1000);
      });
    });
  });
}

for (const transport of TRANSPORTS) describeTransport(transport);
