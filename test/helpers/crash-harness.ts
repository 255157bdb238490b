/**
 * Bookkeeping for the process-crash test (test/load/crash.test.ts): a real
 * `tidings serve` child is killed with SIGKILL again and again on one data
 * folder and one port, while publishers publish and subscribers resume, and a
 * ledger records everything every client saw so the guarantees of PROTOCOL.md
 * §2, §3, §5 and §6 can be checked at the end:
 *
 * - lost: an acked publish (topic, offset, data) missing from the final history,
 *   or held under another epoch;
 * - duplicated: one key stored at two offsets, or a subscriber given one offset
 *   twice under one epoch;
 * - reordered: on one publisher connection, to one topic, acked offsets not
 *   increasing in the order the publishes were sent (deliberate dedupe probes
 *   excepted, see below); also a subscriber given an offset below one it had;
 * - conflicting offsets: one (topic, epoch, offset) seen with two data values
 *   anywhere (acks, subscriber messages, history);
 * - silent gaps: a subscriber's offsets skipping a number with no reset or
 *   truncated reply explaining it, a subscriber still short of the head at the
 *   end, or a hole in the final history;
 * - resets / epoch changes: a kill -9 keeps the boot id, so no epoch may change.
 *
 * Clients behave like real ones: each keeps reconnecting to the same URL on its
 * own; publishers send every publish with a unique key and, after a reconnect,
 * send again the ones left unanswered, with the same key; subscribers resume
 * every topic with `from: { after, epoch }`. After each reconnect a publisher
 * also re-sends a few publishes that were already acked ("probes"): the hub must
 * answer `duplicate: true` with the offset and epoch of the first ack.
 */
import { get as httpGet } from 'node:http';
import WebSocket from 'ws';
import { removeDir, startHub, tempDir, type HubProcess, type Transport } from './hub-process.js';
import { freePort, until, within } from './wait.js';
import { seeded } from './seeded.js';

export { seeded };

type Frame = Record<string, unknown> & { op: string };

export interface CrashOptions {
  /** Names the run in printed lines, e.g. "fsync=always transport=auto". */
  label: string;
  fsync: 'always' | 'interval';
  /** WebSocket engine; undefined leaves the hub's default (auto). */
  transport?: Transport;
  kills: number;
  seed: number;
  topics?: number;
  publishers?: number;
  subscribers?: number;
  /** Publishes a second, over all publishers. */
  rate?: number;
  /** Publishing time before each kill, picked at random in [min, max] ms. */
  runMs?: [number, number];
  /** Acked publishes each publisher re-sends after a reconnect. */
  probes?: number;
  /** Largest burst each publisher sends right before a kill, on top of the rate. */
  burst?: number;
  /** More `tidings serve` flags (e.g. to check that the checks catch a hub that loses messages). */
  extraArgs?: string[];
  /** Progress lines (one every few kills). */
  log?: (line: string) => void;
}

export interface CrashReport {
  label: string;
  seed: number;
  kills: number;
  acked: number;
  lost: number;
  duplicated: number;
  reordered: number;
  conflicting: number;
  silentGaps: number;
  resets: number;
  epochChanges: number;
  truncated: number;
  dedupeMismatches: number;
  /** Error replies or frames, messages before their subscribe reply, hub error logs. */
  errors: number;
  /** Publishes never acked despite retries (the harness must drain them all). */
  unacked: number;
  published: number;
  delivered: number;
  historyMessages: number;
  retried: number;
  /** Retries answered `duplicate: true`: stored before the kill, but the ack never came. */
  retriedStored: number;
  probes: number;
  inFlightAtKills: number;
  killsWithInFlight: number;
  /** Mean time from a kill until every client is back and resubscribed, ms. */
  recoveryMs: number;
  /** Publishes per second while publishing. */
  rate: number;
  durationMs: number;
  /** The first problems found, for the assertion messages. */
  details: string[];
}

const MAX_DETAILS = 20;
/** Most unanswered publishes one publisher keeps on its connection. */
const MAX_IN_FLIGHT = 4000;
const TICK_MS = 5;
/** Bound on waiting for every client to be back after a restart, and for the final drain and catch-up. */
const READY_TIMEOUT_MS = 30_000;
const SETTLE_TIMEOUT_MS = 60_000;
const PAGE = 1000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One WebSocket connection: replies by id to callbacks; on close, every callback gets undefined, in send order. */
class Conn {
  readonly ws: WebSocket;
  readonly closed: Promise<void>;
  isOpen = true;
  onFrame: (frame: Frame) => void = () => {};
  #nextId = 1;
  readonly #waiting = new Map<number, (reply: Frame | undefined) => void>();

  private constructor(ws: WebSocket, onBadFrame: (text: string) => void) {
    this.ws = ws;
    this.closed = new Promise((resolve) => {
      ws.on('close', () => {
        this.isOpen = false;
        const waiting = [...this.#waiting.values()];
        this.#waiting.clear();
        for (const cb of waiting) cb(undefined);
        resolve();
      });
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) return onBadFrame('a binary frame');
      const text = data.toString();
      let frame: Frame;
      try {
        frame = JSON.parse(text) as Frame;
      } catch {
        return onBadFrame(`a frame that is not JSON: ${text.slice(0, 300)}`);
      }
      if (frame.op === 'reply' && typeof frame.id === 'number') {
        const cb = this.#waiting.get(frame.id);
        if (cb) {
          this.#waiting.delete(frame.id);
          cb(frame);
          return;
        }
      }
      if (frame.op === 'ping') return this.send({ op: 'pong' });
      this.onFrame(frame);
    });
    ws.on('error', () => {});
  }

  static open(url: string, timeoutMs: number, onBadFrame: (text: string) => void): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const conn = new Conn(ws, onBadFrame);
      const fail = (err: Error): void => {
        clearTimeout(timer);
        ws.terminate();
        reject(err);
      };
      const timer = setTimeout(() => fail(new Error(`no WebSocket open on ${url} within ${timeoutMs} ms`)), timeoutMs);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(conn);
      });
      ws.once('error', fail);
      ws.once('close', () => fail(new Error('closed before open')));
    });
  }

  send(frame: object): void {
    if (this.isOpen && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  /** Sends a request; `cb` gets its reply, or undefined if the connection closes first. */
  request(frame: Record<string, unknown>, cb: (reply: Frame | undefined) => void): void {
    if (!this.isOpen || this.ws.readyState !== WebSocket.OPEN) {
      queueMicrotask(() => cb(undefined));
      return;
    }
    const id = this.#nextId++;
    this.#waiting.set(id, cb);
    this.ws.send(JSON.stringify({ ...frame, id }));
  }

  terminate(): void {
    this.ws.terminate();
  }
}

/** Opens a connection, hands it to `onOpen`, waits for it to close, and again, while `running()`. */
async function keepConnected(url: string, ledger: Ledger, running: () => boolean, onOpen: (conn: Conn) => void): Promise<void> {
  // Backs off like a real client (25 ms doubling to 100 ms) while the hub is down or
  // starting (it closes connections with 1001 until its store is open); a connection
  // that lasted resets it.
  let failures = 0;
  const backOff = (): Promise<void> => sleep(Math.min(100, 25 * 2 ** failures++));
  while (running()) {
    let conn: Conn;
    try {
      conn = await Conn.open(url, 3000, (text) => ledger.error(`received ${text}`));
    } catch {
      await backOff();
      continue;
    }
    if (!running()) {
      conn.terminate();
      break;
    }
    const opened = performance.now();
    onOpen(conn);
    await conn.closed;
    if (performance.now() - opened >= 1000) failures = 0;
    else if (running()) await backOff();
  }
}

interface Ack {
  offset: number;
  epoch: string;
  duplicate: boolean;
}

interface Publish {
  p: number;
  n: number;
  topic: string;
  key: string;
  data: { p: number; n: number; key: string };
  /** JSON of `data`, as the hub gives it back. */
  json: string;
  ack?: Ack;
  /** Times sent again after a reconnect. */
  retries: number;
}

/** Acked offsets in the order sent, on one connection to one topic (NaN: no ack). */
type SendOrder = number[];

class Ledger {
  readonly report: CrashReport;
  /** topic \0 epoch \0 offset → data JSON, from every source. */
  readonly #slots = new Map<string, string>();
  readonly #conflictingSlots = new Set<string>();
  readonly epochs = new Map<string, Set<string>>();
  readonly publishes: Publish[] = [];
  readonly sendOrders: SendOrder[] = [];

  constructor(label: string, seed: number, kills: number) {
    this.report = {
      label, seed, kills, acked: 0, lost: 0, duplicated: 0, reordered: 0, conflicting: 0, silentGaps: 0, resets: 0,
      epochChanges: 0, truncated: 0, dedupeMismatches: 0, errors: 0, unacked: 0, published: 0, delivered: 0,
      historyMessages: 0, retried: 0, retriedStored: 0, probes: 0, inFlightAtKills: 0, killsWithInFlight: 0, recoveryMs: 0,
      rate: 0, durationMs: 0, details: [],
    };
  }

  detail(text: string): void {
    if (this.report.details.length < MAX_DETAILS) this.report.details.push(text);
  }

  /** One (topic, epoch, offset) seen holding `json`, by `source`. */
  observe(topic: string, epoch: string, offset: number, json: string, source: string): void {
    this.sawEpoch(topic, epoch);
    const slot = `${topic}\u0000${epoch}\u0000${offset}`;
    const known = this.#slots.get(slot);
    if (known === undefined) this.#slots.set(slot, json);
    else if (known !== json && !this.#conflictingSlots.has(slot)) {
      this.#conflictingSlots.add(slot);
      this.report.conflicting++;
      this.detail(`conflicting offset: ${topic} epoch ${epoch} offset ${offset} held ${known}, then ${json} (${source})`);
    }
  }

  sawEpoch(topic: string, epoch: string): void {
    let set = this.epochs.get(topic);
    if (!set) this.epochs.set(topic, (set = new Set()));
    set.add(epoch);
  }

  error(text: string): void {
    this.report.errors++;
    this.detail(text);
  }
}

class Publisher {
  readonly p: number;
  readonly #ledger: Ledger;
  readonly #topics: string[];
  readonly #rng: () => number;
  readonly #probes: number;
  next = 1;
  tokens = 0;
  inflight = 0;
  ready = false;
  conn: Conn | undefined;
  /** Unanswered publishes of closed connections, sent again on the next one. */
  retry: Publish[] = [];
  /** The newest acked publishes, for probes. */
  recent: Publish[] = [];
  /** This connection's send orders, by topic. */
  #orders = new Map<string, SendOrder>();

  constructor(p: number, ledger: Ledger, topics: string[], rng: () => number, probes: number) {
    this.p = p;
    this.#ledger = ledger;
    this.#topics = topics;
    this.#rng = rng;
    this.#probes = probes;
  }

  onOpen(conn: Conn): void {
    this.conn = conn;
    this.#orders = new Map();
    void conn.closed.then(() => {
      this.ready = false;
      this.conn = undefined;
    });
    for (const probe of this.recent.slice(-this.#probes)) this.#send(probe, true);
    const retry = this.retry.sort((a, b) => a.n - b.n);
    this.retry = [];
    for (const publish of retry) {
      publish.retries++;
      this.#ledger.report.retried++;
      this.#send(publish, false);
    }
    this.ready = conn.isOpen;
  }

  publishNew(): void {
    const n = this.next++;
    const key = `k${this.p}-${n}`;
    const topic = this.#topics[Math.floor(this.#rng() * this.#topics.length)] as string;
    const data = { p: this.p, n, key };
    const publish: Publish = { p: this.p, n, topic, key, data, json: JSON.stringify(data), retries: 0 };
    this.#ledger.publishes.push(publish);
    this.#ledger.report.published++;
    this.#send(publish, false);
  }

  #send(publish: Publish, probe: boolean): void {
    const conn = this.conn;
    if (!conn) {
      if (!probe) this.retry.push(publish);
      return;
    }
    let order: SendOrder | undefined;
    let index = 0;
    if (!probe) {
      order = this.#orders.get(publish.topic);
      if (!order) {
        this.#orders.set(publish.topic, (order = []));
        this.#ledger.sendOrders.push(order);
      }
      index = order.push(Number.NaN) - 1;
    } else this.#ledger.report.probes++;
    this.inflight++;
    conn.request({ op: 'publish', topic: publish.topic, data: publish.data, key: publish.key }, (reply) => {
      this.inflight--;
      if (!reply) {
        if (!probe) this.retry.push(publish);
        return;
      }
      if (reply.error) {
        this.#ledger.error(`publish ${publish.key} to ${publish.topic} answered ${JSON.stringify(reply.error)}`);
        return;
      }
      this.#acked(publish, reply, probe);
      if (order) order[index] = reply.offset as number;
    });
  }

  #acked(publish: Publish, reply: Frame, probe: boolean): void {
    const ledger = this.#ledger;
    const ack: Ack = { offset: reply.offset as number, epoch: reply.epoch as string, duplicate: reply.duplicate === true };
    if (typeof ack.offset !== 'number' || typeof ack.epoch !== 'string' || reply.topic !== publish.topic) {
      ledger.error(`publish ${publish.key}: malformed reply ${JSON.stringify(reply)}`);
      return;
    }
    ledger.observe(publish.topic, ack.epoch, ack.offset, publish.json, `ack of ${publish.key}`);
    if (publish.ack) {
      const first = publish.ack;
      if (!ack.duplicate || ack.offset !== first.offset || ack.epoch !== first.epoch) {
        ledger.report.dedupeMismatches++;
        ledger.detail(`dedupe: ${publish.key} on ${publish.topic} first acked at ${first.offset} (epoch ${first.epoch}), `
          + `sent again (${probe ? 'probe' : 'retry'}) and acked at ${ack.offset} (epoch ${ack.epoch}, duplicate ${ack.duplicate})`);
      }
      return;
    }
    if (probe) {
      ledger.error(`probe ${publish.key} had no ack before`);
      return;
    }
    publish.ack = ack;
    ledger.report.acked++;
    if (publish.retries > 0 && ack.duplicate) ledger.report.retriedStored++;
    this.recent.push(publish);
    if (this.recent.length > 4 * this.#probes + 8) this.recent.splice(0, this.recent.length - this.#probes);
  }

  get drained(): boolean {
    return this.ready && this.inflight === 0 && this.retry.length === 0;
  }
}

interface SubTopic {
  topic: string;
  epoch: string | undefined;
  /** Newest offset received in order: what a resume asks to start after. */
  last: number;
  expected: number;
  active: boolean;
  /** Offsets received under `epoch`. */
  seen: Set<number>;
}

class Subscriber {
  readonly s: number;
  readonly #ledger: Ledger;
  readonly topics: Map<string, SubTopic>;
  conn: Conn | undefined;

  constructor(s: number, ledger: Ledger, topics: string[]) {
    this.s = s;
    this.#ledger = ledger;
    this.topics = new Map(topics.map((topic) => [topic, { topic, epoch: undefined, last: 0, expected: 1, active: false, seen: new Set() }]));
  }

  get ready(): boolean {
    return this.conn !== undefined && [...this.topics.values()].every((t) => t.active);
  }

  onOpen(conn: Conn): void {
    this.conn = conn;
    conn.onFrame = (frame) => this.#onFrame(frame);
    void conn.closed.then(() => {
      this.conn = undefined;
      for (const st of this.topics.values()) st.active = false;
    });
    for (const st of this.topics.values()) {
      st.active = false;
      const after = st.last;
      const from = st.epoch === undefined ? { after } : { after, epoch: st.epoch };
      conn.request({ op: 'subscribe', topic: st.topic, from }, (reply) => this.#subscribed(st, after, reply));
    }
  }

  #subscribed(st: SubTopic, after: number, reply: Frame | undefined): void {
    const ledger = this.#ledger;
    if (!reply) return;
    if (reply.error) return ledger.error(`subscriber ${this.s}: subscribe ${st.topic} answered ${JSON.stringify(reply.error)}`);
    const epoch = reply.epoch as string;
    const earliest = reply.earliest as number;
    const head = reply.head as number;
    if (reply.reset === true) {
      ledger.report.resets++;
      ledger.detail(`reset: subscriber ${this.s} resumed ${st.topic} after ${after} epoch ${st.epoch}, `
        + `got epoch ${epoch} head ${head} earliest ${earliest}`);
      st.seen = new Set();
      st.expected = earliest;
    } else if (reply.truncated === true) {
      ledger.report.truncated++;
      ledger.detail(`truncated: subscriber ${this.s} resumed ${st.topic} after ${after}, earliest ${earliest}`);
      st.expected = earliest;
    } else {
      if (st.epoch !== undefined && epoch !== st.epoch) {
        ledger.report.epochChanges++;
        ledger.detail(`subscriber ${this.s}: ${st.topic} epoch ${st.epoch} became ${epoch} without reset`);
      }
      st.expected = after + 1;
    }
    ledger.sawEpoch(st.topic, epoch);
    st.epoch = epoch;
    st.last = st.expected - 1;
    st.active = true;
  }

  #onFrame(frame: Frame): void {
    const ledger = this.#ledger;
    if (frame.op === 'error') return ledger.error(`subscriber ${this.s}: error frame ${JSON.stringify(frame)}`);
    if (frame.op !== 'message') return;
    const st = this.topics.get(frame.topic as string);
    const offset = frame.offset as number;
    if (!st || !st.active || st.epoch === undefined) {
      return ledger.error(`subscriber ${this.s}: message ${String(frame.topic)}#${offset} before its subscribe reply`);
    }
    ledger.report.delivered++;
    ledger.observe(st.topic, st.epoch, offset, JSON.stringify(frame.data), `subscriber ${this.s}`);
    if (st.seen.has(offset)) {
      ledger.report.duplicated++;
      ledger.detail(`duplicate delivery: subscriber ${this.s} got ${st.topic}#${offset} twice (epoch ${st.epoch})`);
      return;
    }
    st.seen.add(offset);
    if (offset > st.expected) {
      ledger.report.silentGaps++;
      ledger.detail(`silent gap: subscriber ${this.s} on ${st.topic} expected ${st.expected}, got ${offset}`);
    } else if (offset < st.expected) {
      ledger.report.reordered++;
      ledger.detail(`out of order delivery: subscriber ${this.s} on ${st.topic} got ${offset} after ${st.expected - 1}`);
    }
    if (offset >= st.expected) {
      st.expected = offset + 1;
      st.last = offset;
    }
  }
}

/** GET over a fresh connection (agent: false), so no pooled socket stays open on the hub. */
function getJson(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`GET ${url}: ${res.statusCode} ${text.slice(0, 300)}`));
        resolve(JSON.parse(text) as Record<string, unknown>);
      });
      res.on('error', reject);
    });
    req.setTimeout(15_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

interface History {
  epoch: string;
  head: number;
  /** offset → data JSON */
  messages: Map<number, string>;
}

async function readHistory(httpUrl: string, topic: string, ledger: Ledger): Promise<History> {
  const history: History = { epoch: '', head: 0, messages: new Map() };
  let after = 0;
  for (;;) {
    const body = await getJson(`${httpUrl}/v1/topics/${encodeURIComponent(topic)}/messages?after=${after}&limit=${PAGE}`);
    const epoch = body.epoch as string;
    if (history.epoch && epoch !== history.epoch) {
      ledger.report.epochChanges++;
      ledger.detail(`history of ${topic}: epoch ${history.epoch} became ${epoch} between pages`);
    }
    history.epoch = epoch;
    history.head = body.head as number;
    if (body.truncated === true || (body.earliest as number) !== 1) {
      ledger.report.truncated++;
      ledger.detail(`history of ${topic}: truncated, earliest ${String(body.earliest)}`);
    }
    const page = body.messages as Array<{ offset: number; data: unknown }>;
    for (const m of page) {
      const json = JSON.stringify(m.data);
      history.messages.set(m.offset, json);
      ledger.observe(topic, epoch, m.offset, json, 'history');
    }
    const lastMessage = page.at(-1);
    if (!lastMessage) break;
    after = lastMessage.offset;
  }
  return history;
}

/** Hub log lines at level error or fatal. */
function hubErrors(hub: HubProcess, ledger: Ledger): void {
  for (const line of hub.lines) {
    if (/"level":(50|60)\b/.test(line)) ledger.error(`hub logged: ${line.slice(0, 400)}`);
  }
}

/** The checks that need the whole run: send orders, final history against acks. */
function finalChecks(ledger: Ledger, histories: Map<string, History>): void {
  const r = ledger.report;
  for (const order of ledger.sendOrders) {
    let max = 0;
    for (const offset of order) {
      if (Number.isNaN(offset)) continue;
      if (offset <= max) {
        r.reordered++;
        ledger.detail(`reordered: on one connection and topic, offset ${offset} acked after ${max} though sent later`);
      }
      max = Math.max(max, offset);
    }
  }
  for (const [topic, h] of histories) {
    const keyAt = new Map<string, number>();
    for (const [offset, json] of h.messages) {
      const key = (JSON.parse(json) as { key?: string }).key ?? json;
      const before = keyAt.get(key);
      if (before !== undefined) {
        r.duplicated++;
        ledger.detail(`duplicate: key ${key} stored at ${topic}#${before} and #${offset}`);
      } else keyAt.set(key, offset);
    }
    for (let offset = 1; offset <= h.head; offset++) {
      if (!h.messages.has(offset)) {
        r.silentGaps++;
        ledger.detail(`hole: history of ${topic} has no offset ${offset} (head ${h.head})`);
      }
    }
    if (h.messages.size > h.head) ledger.error(`history of ${topic}: ${h.messages.size} messages past head ${h.head}`);
  }
  for (const publish of ledger.publishes) {
    const ack = publish.ack;
    if (!ack) {
      r.unacked++;
      continue;
    }
    const h = histories.get(publish.topic);
    if (!h || h.epoch !== ack.epoch || h.messages.get(ack.offset) !== publish.json) {
      r.lost++;
      ledger.detail(`lost: ${publish.key} acked at ${publish.topic}#${ack.offset} epoch ${ack.epoch}; history (epoch ${h?.epoch}) `
        + `holds ${h?.messages.get(ack.offset) ?? 'nothing'} there`);
    }
  }
  for (const [topic, set] of ledger.epochs) {
    if (set.size > 1) {
      r.epochChanges += set.size - 1;
      ledger.detail(`${topic} was seen under ${set.size} epochs: ${[...set].join(', ')}`);
    }
  }
}

export async function runCrashScenario(opts: CrashOptions): Promise<CrashReport> {
  const started = performance.now();
  const log = opts.log ?? (() => {});
  const rng = seeded(opts.seed);
  const topics = Array.from({ length: opts.topics ?? 8 }, (_, i) => `crash.t${i}`);
  const ledger = new Ledger(opts.label, opts.seed, opts.kills);
  const pubCount = opts.publishers ?? 4;
  const ratePerPub = (opts.rate ?? 2000) / pubCount;
  const [minRun, maxRun] = opts.runMs ?? [500, 2000];
  const probes = opts.probes ?? 2;
  const burst = opts.burst ?? 50;
  const publishers = Array.from({ length: pubCount }, (_, p) => new Publisher(p, ledger, topics, seeded(opts.seed + 101 * (p + 1)), probes));
  const subscribers = Array.from({ length: opts.subscribers ?? 2 }, (_, s) => new Subscriber(s, ledger, topics));

  const port = await freePort();
  const dataDir = tempDir('tidings-crash-');
  // Retention far above what the run publishes, so nothing is ever truncated.
  const args = ['--no-demo', '--port', String(port), '--fsync', opts.fsync, '--max-messages', '10000000', '--max-bytes', '1GiB',
    '--max-publish-rate', '0', '--max-frame-rate', '0', ...(opts.extraArgs ?? [])];
  const start = (): Promise<HubProcess> => startHub({ ...(opts.transport && { transport: opts.transport }), dataDir, args });
  let hub: HubProcess | undefined;
  // Should this process die mid-run, the hub must not outlive it.
  const killHub = (): void => void hub?.child.kill('SIGKILL');
  process.once('exit', killHub);
  const url = `ws://127.0.0.1:${port}/ws`;
  const httpUrl = `http://127.0.0.1:${port}`;

  let running = true;
  let generating = true;
  /** Time publishers were generating with at least one connected, for the rate. */
  let publishingMs = 0;
  const loops = [
    ...subscribers.map((sub) => keepConnected(url, ledger, () => running, (c) => sub.onOpen(c))),
    ...publishers.map((pub) => keepConnected(url, ledger, () => running, (c) => pub.onOpen(c))),
  ];
  let lastTick = performance.now();
  const tick = (): void => {
    const now = performance.now();
    const dt = now - lastTick;
    lastTick = now;
    if (!generating) return;
    if (publishers.some((p) => p.ready)) publishingMs += dt;
    for (const pub of publishers) {
      pub.tokens = Math.min(pub.tokens + (dt * ratePerPub) / 1000, ratePerPub * 0.05);
      if (!pub.ready) continue;
      while (pub.tokens >= 1 && pub.inflight < MAX_IN_FLIGHT) {
        pub.tokens--;
        pub.publishNew();
      }
    }
  };
  const ticker = setInterval(tick, TICK_MS);
  const allReady = (what: string): Promise<true> => until(
    () => publishers.every((p) => p.ready) && subscribers.every((s) => s.ready),
    () => `${what}: every client reconnected and resubscribed (publishers ready ${publishers.filter((p) => p.ready).length}/`
      + `${publishers.length}, subscribers ${subscribers.filter((s) => s.ready).length}/${subscribers.length})`,
    READY_TIMEOUT_MS,
  );

  try {
    hub = await start();
    let killedAt = 0;
    let recoveryMs = 0;
    for (let kill = 1; kill <= opts.kills; kill++) {
      await allReady(`before kill ${kill}`);
      if (killedAt > 0) recoveryMs += performance.now() - killedAt;
      await sleep(minRun + rng() * (maxRun - minRun));
      // Kill right after a burst of publishes went out, so some are always in flight: at once,
      // or a few ms later while the hub is storing and answering them.
      tick();
      for (const pub of publishers) {
        if (!pub.ready) continue;
        for (let n = 1 + Math.floor(rng() * burst); n > 0; n--) pub.publishNew();
      }
      const delay = rng() < 0.75 ? 0 : 1 + Math.floor(rng() * 3);
      if (delay > 0) await sleep(delay);
      const inFlight = publishers.reduce((sum, p) => sum + p.inflight, 0);
      ledger.report.inFlightAtKills += inFlight;
      if (inFlight > 0) ledger.report.killsWithInFlight++;
      hub.child.kill('SIGKILL');
      killedAt = performance.now();
      await within(hub.exited, 10_000, 'the killed hub to exit');
      hubErrors(hub, ledger);
      hub = await start();
      if (kill % 10 === 0 || kill === opts.kills) {
        log(`[crash ${opts.label}] ${kill}/${opts.kills} kills, ${ledger.report.acked} acked, `
          + `${ledger.report.delivered} delivered, ${Math.round((performance.now() - started) / 1000)} s`);
      }
    }
    await allReady('after the last restart');
    recoveryMs += performance.now() - killedAt;
    ledger.report.recoveryMs = Math.round(recoveryMs / opts.kills);
    await sleep(minRun + rng() * (maxRun - minRun));
    generating = false;
    await until(() => publishers.every((p) => p.drained), () => {
      const left = publishers.map((p) => `${p.inflight} in flight/${p.retry.length} to retry`).join(', ');
      return `every publish to be acked (${left})`;
    }, SETTLE_TIMEOUT_MS);

    const heads = new Map<string, number>();
    for (const topic of topics) {
      heads.set(topic, (await getJson(`${httpUrl}/v1/topics/${encodeURIComponent(topic)}/messages?after=0&limit=0`)).head as number);
    }
    const caughtUp = (): boolean => subscribers.every((s) => [...s.topics.values()].every((st) => st.last >= (heads.get(st.topic) ?? 0)));
    await until(caughtUp, 'subscribers to catch up', SETTLE_TIMEOUT_MS).catch(() => {
      for (const s of subscribers) {
        for (const st of s.topics.values()) {
          const head = heads.get(st.topic) ?? 0;
          if (st.last >= head) continue;
          ledger.report.silentGaps++;
          ledger.detail(`subscriber ${s.s} stopped at ${st.topic}#${st.last} below head ${head}`);
        }
      }
    });

    const histories = new Map<string, History>();
    for (const topic of topics) histories.set(topic, await readHistory(httpUrl, topic, ledger));
    ledger.report.historyMessages = [...histories.values()].reduce((sum, h) => sum + h.messages.size, 0);
    finalChecks(ledger, histories);
  } finally {
    clearInterval(ticker);
    running = false;
    for (const c of [...publishers, ...subscribers]) c.conn?.terminate();
    await within(Promise.all(loops), 10_000, 'client loops to end').catch(() => {});
    if (hub) {
      const { code, signal } = await hub.stop();
      hubErrors(hub, ledger);
      if (code !== 0) ledger.error(`the last hub ended with code ${code}, signal ${signal} on SIGTERM`);
    }
    process.removeListener('exit', killHub);
    removeDir(dataDir);
  }
  ledger.report.rate = Math.round(ledger.report.published / (publishingMs / 1000));
  ledger.report.durationMs = Math.round(performance.now() - started);
  return ledger.report;
}

/** The line every run prints, with the figures the issue asks for. */
export function summaryLine(r: CrashReport): string {
  return `[crash ${r.label}] kills ${r.kills}, acked ${r.acked}, lost ${r.lost}, duplicated ${r.duplicated}, `
    + `reordered ${r.reordered}, conflicting offsets ${r.conflicting}, silent gaps ${r.silentGaps}, resets ${r.resets}`;
}

/** The supporting figures: what the run exercised and the other checks. */
export function detailLine(r: CrashReport): string {
  return `[crash ${r.label}] epoch changes ${r.epochChanges}, truncated ${r.truncated}, dedupe mismatches ${r.dedupeMismatches}, `
    + `errors ${r.errors}, unacked ${r.unacked}; published ${r.published} at ~${r.rate}/s, retried ${r.retried} `
    + `(${r.retriedStored} already stored), probes ${r.probes}, in flight at kills ${r.inFlightAtKills} `
    + `(${r.killsWithInFlight}/${r.kills} kills), back in ~${r.recoveryMs} ms, delivered ${r.delivered}, history ${r.historyMessages}, `
    + `${(r.durationMs / 1000).toFixed(1)} s, seed ${r.seed}`;
}
