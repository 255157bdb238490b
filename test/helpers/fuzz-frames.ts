/**
 * Hostile frames for the hub's fuzz test, from a seeded PRNG so a failing run can
 * be repeated with its seed. Every frame carries what PROTOCOL.md says the hub
 * must answer, so the test can check each answer, not only that the hub lives.
 *
 * Frames are built as JSON text by hand where JSON.stringify cannot write the
 * value (1e400, -0, 9007199254740993, duplicate keys, `__proto__` as a key).
 */
import type { ErrorCode } from '../../shared/errors.js';

// ---------------------------------------------------------------- PRNG

/** sfc32 seeded through splitmix32: fast, 32-bit state words, good enough for fuzzing. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    let s = seed >>> 0;
    const splitmix = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.#a = splitmix();
    this.#b = splitmix();
    this.#c = splitmix();
    this.#d = splitmix();
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A 32-bit unsigned integer. */
  next(): number {
    const t = (((this.#a + this.#b) >>> 0) + this.#d) >>> 0;
    this.#d = (this.#d + 1) >>> 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) >>> 0;
    this.#c = ((this.#c << 21) | (this.#c >>> 11)) >>> 0;
    this.#c = (this.#c + t) >>> 0;
    return t;
  }

  /** [0, 1). */
  float(): number {
    return this.next() / 4294967296;
  }

  /** [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** [lo, hi], both included. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/** A seed for one part of a run (a transport, a worker), derived from the run's seed. */
export function deriveSeed(seed: number, ...parts: number[]): number {
  let h = seed >>> 0;
  for (const p of parts) {
    h = Math.imul(h ^ (p + 0x9e3779b9 + (h << 6) + (h >>> 2)), 0x85ebca6b) >>> 0;
    h ^= h >>> 15;
  }
  return h >>> 0;
}

// ---------------------------------------------------------------- frames

/** What PROTOCOL.md requires of the hub for one frame. */
export type Expect =
  /** Success: a reply without `error` when the frame had an id, nothing otherwise. */
  | { kind: 'ok' }
  /** One error with one of `codes`: a reply when the frame had an id and an op, else an error frame. */
  | { kind: 'error'; codes: readonly ErrorCode[]; malformed: boolean }
  /** The spec leaves success or a client error open; never `internal`. Always sent with an id. */
  | { kind: 'any'; mayBeMalformed: boolean }
  /**
   * A sync op with an id that a hub may parse (a reply) or refuse as unparsable (an
   * error frame, bad_request): a byte order mark before the JSON (RFC 8259 §8.1 allows both).
   */
  | { kind: 'reply-or-error-frame' }
  /** The frame ends the connection (binary, invalid UTF-8, oversize). */
  | { kind: 'close'; fatal: 'binary' | 'utf8' | 'oversize' };

export interface FuzzFrame {
  /** `bytes-as-text`: raw bytes sent with the text opcode (invalid UTF-8). */
  wire: 'text' | 'binary' | 'bytes-as-text';
  payload: string | Buffer;
  /** Set when the hub must answer with a reply carrying this id; unset: an error frame (or nothing). */
  replyId: number | undefined;
  expect: Expect;
  /** What kind of frame this is, for the summary and for reports. */
  label: string;
  /** The topic of a subscribe or unsubscribe expected to succeed. */
  topic?: string;
}

export interface FuzzLimits {
  /** --max-payload: largest `data`, in bytes of its JSON. */
  maxPayload: number;
  /** The largest frame the hub takes: maxPayload + 4096. */
  maxFrame: number;
}

/** A raw JSON text value. */
type Raw = string;
const j = (value: unknown): Raw => JSON.stringify(value);
const obj = (fields: ReadonlyArray<readonly [string, Raw]>): Raw => `{${fields.map(([k, v]) => `${j(k)}:${v}`).join(',')}}`;

const BAD_ID_LITERALS: readonly Raw[] = [
  '0', '-1', '1.5', '"7"', '1e300', '-0', '9007199254740993', '9007199254740992', '1e400', '-1e400', 'null', 'true',
  'false', '[]', '{}', '""', '[1]', '{"id":1}', '0.0000001', '-9007199254740991', '1e-400',
];

const UNKNOWN_OPS: readonly string[] = [
  'PING', 'Ping', 'ping ', ' ping', 'ping\u0000', 'publish\n', 'reply', 'message', 'error', 'constructor', '__proto__',
  'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf', '', 'sub', 'subscribe2',
  'unsubscribe ', 'hello!', 'пинг', '🔥', '\ud800', 'x'.repeat(1000), 'op', 'publish.', 'ping\u200b',
];

const WRONG_OP_VALUES: readonly Raw[] = ['1', 'null', 'true', '[]', '["ping"]', '{}', '{"op":"ping"}', '1e400', '-0'];

/** Topics no client may use (PROTOCOL.md §5). For subscribe they are not valid patterns either. */
const INVALID_TOPICS: readonly string[] = [
  'a..b', '.a', 'a.', '.', '..', '', '$sys', '$sys.x', '_x', '_', 'x'.repeat(256), 'x'.repeat(300), 'a.'.repeat(128),
  'чат', 'chat.лобби', 'émoji.🔥', '../../etc/passwd', 'chat/../x', '%2e%2e', '%2e%2e/x', 'a b', 'a\tb', 'a\u0000b',
  'a\nb', 'a/b', 'a\\b', 'a.>.b', '>.a', 'a.>b', 'a*', 'a.*b', '**', 'a.**', '\ud800', '\u00a0', 'a,b', 'a#b', 'a?b',
  'a"b', "a'b", '{}', 'a.b.', '..a', '.>', '$', '_.a', '\uFEFFa',
];
/** Patterns valid for subscribe but not a topic one can publish to. */
const WILDCARD_PATTERNS: readonly string[] = ['fz.*', 'fz.>', '>', '*', '*.a', 'fz.*.x', '*.*', 'fz.*.>'];

const WRONG_STRING_VALUES: readonly Raw[] = ['1', 'null', 'true', '{}', '[]', '["fz.a"]', '1e400', '-0', '{"__proto__":"x"}'];

/** `from` values of the wrong shape (PROTOCOL.md §3): bad_request. */
const BAD_FROMS: readonly Raw[] = [
  'null', '[]', '"earliest"', '5', 'true', '{}', '{"after":-1}', '{"after":1.5}', '{"after":"5"}', '{"after":null}',
  '{"last":-1}', '{"last":"3"}', '{"last":2.5}', '{"earliest":false}', '{"earliest":1}', '{"earliest":"true"}',
  '{"epoch":"x"}', '{"after":1,"epoch":""}', `{"after":1,"epoch":${j('e'.repeat(65))}}`, '{"after":1,"epoch":5}',
  '{"__proto__":{"earliest":true}}', '{"constructor":{"earliest":true}}', '{"after":1e400}', '{"last":1e400}',
  '{"after":-1e400}', '[{"earliest":true}]', '{"after":[1]}', '{"prototype":{"after":1}}',
];
/**
 * `from` values of the right shape: the subscribe succeeds on a concrete topic. Those
 * that may replay a whole retained log are used on quiet topics only (QUIET_TOPICS).
 */
const GOOD_FROMS: readonly Raw[] = [
  '{"after":0}', '{"after":3}', '{"after":1000000}', '{"after":2,"epoch":"not-the-epoch"}', '{"last":0}', '{"last":5}',
  '{"earliest":true}', '{"after":0,"earliest":true}', '{"last":3,"__proto__":{"after":1}}',
  '{"earliest":true,"constructor":{"prototype":{"polluted":1}}}', '{"after":9007199254740991}',
];
/** `from` values that replay a few messages at most, for busy topics. */
const SHORT_FROMS: readonly Raw[] = ['{"last":0}', '{"last":1}', '{"last":5}', '{"last":3,"__proto__":{"after":1}}', '{"last":2,"constructor":{"prototype":{"polluted":1}}}'];
/** `from` values the spec is silent about (integers past 2^53, -0): any non-internal answer. */
const GRAY_FROMS: readonly Raw[] = [
  '{"after":1e300}', '{"last":1e300}', '{"after":9007199254740993}', '{"after":-0}', '{"last":-0}', '{"after":1e21}',
];

/** Data values, valid JSON all: stored and delivered (1e400 reads as Infinity and is stored as null). */
const DATA_VALUES: readonly Raw[] = [
  'null', '0', '-0', '1e400', '-1e400', '9007199254740993', '1e300', '-1', '1.5', '"7"', '""', 'true', '[]', '{}',
  '{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"prototype":{"polluted":1}}',
  '{"__proto__":null,"a":1}', '[{"__proto__":{"op":"subscribe"}}]', '"\\u0000\\ud800\\udfff\\uffff"', '"чат 🔥"',
  '{"op":"message","topic":"honest.x","offset":1}', '{"toString":1,"valueOf":"x","hasOwnProperty":null}',
  '"</script><script>alert(1)</script>"', '"\\ud800"', '"\\udfff\\ud800"', '{"a":{"b":{"c":{"d":[1,2,3]}}}}', '1e-400', '[[[[[[[[[[]]]]]]]]]]',
];

/** Extra fields the hub must ignore (PROTOCOL.md §1: unknown fields are ignored). */
const JUNK_FIELDS: ReadonlyArray<readonly [string, Raw]> = [
  ['__proto__', '{"op":"subscribe","polluted":1}'],
  ['__proto__', '{"id":1,"topic":"fz.hijack"}'],
  ['__proto__', 'null'],
  ['constructor', '{"prototype":{"polluted":1}}'],
  ['prototype', '{"polluted":1}'],
  ['polluted', 'true'],
  ['ключ', '"значение"'],
  ['', '1'],
  ['x', '1e400'],
  ['y', '-0'],
  ['z', '9007199254740993'],
  ['hasOwnProperty', '1'],
  ['toJSON', '"x"'],
  ['error', '{"code":"internal","message":"x"}'],
  ['offset', '-1'],
  ['session', 'null'],
  ['Op', '"subscribe"'],
  ['ID', '5'],
];

/** Topics fuzz connections publish to and subscribe to (never the honest clients' topics). */
const POOL_TOPICS: readonly string[] = [
  'fz.a', 'fz.b', 'fz.c.d', 'fz.A-Z_:~', 'fz.' + 'x'.repeat(252), 'a.'.repeat(127) + 'a', 'fz.0', 'fz.-', 'fz.~.:',
];
/**
 * Topics rarely published to: subscribes may replay their whole log, which stays
 * short, and a replay cannot fall behind retention (a legitimate 4009).
 */
const QUIET_TOPICS: readonly string[] = ['fz.q.0', 'fz.q.1', 'fz.q.2'];
/** Where large and deep data goes: never replayed to fuzz connections, to keep the run cheap. */
const HEAVY_TOPIC = 'fz.heavy';

/** `[[[...]]]` of a given depth. */
export function nestedArrays(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** `{"a":{"a":...1...}}` of a given depth, optionally with a prototype-ish key. */
export function nestedObjects(depth: number, key = 'a'): string {
  return `{${j(key)}:`.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Bytes per level of `nestedObjects` with this key. */
function objectLevelBytes(key: string): number {
  return j(key).length + 3;
}

/** `[{"a":[{"a":...}]}]`: arrays and objects alternating. */
function nestedMixed(depth: number): string {
  const half = Math.max(1, depth >> 1);
  return '[{"a":'.repeat(half) + 'null' + '}]'.repeat(half);
}

const HUGE_NEST = nestedArrays(100_000);
const HUGE_OBJ_NEST = nestedObjects(40_000, '__proto__');

export type FrameClass = 'ok' | 'semantic' | 'malformed' | 'gray';

/**
 * Frames for one connection. It remembers what the connection subscribed to, so
 * it knows when a subscribe is `already_subscribed` or an unsubscribe `not_subscribed`.
 */
export class FrameGenerator {
  readonly #rng: Prng;
  readonly #limits: FuzzLimits;
  /** Names subscribed (as the hub will see them once the frames sent so far are read). */
  readonly subs = new Set<string>();
  #nextId = 1;
  #uniqueTopic = 0;
  readonly #tag: string;

  /** `tag` tells this connection's unique topics apart from other connections'. */
  constructor(rng: Prng, limits: FuzzLimits, tag: string) {
    this.#rng = rng;
    this.#limits = limits;
    this.#tag = tag;
  }

  /** A fresh valid id, sometimes near 2^53 (still a safe integer). */
  #id(): number {
    const n = this.#nextId++;
    return this.#rng.chance(0.05) ? Number.MAX_SAFE_INTEGER - n : n;
  }

  /** An id field, or none: `[raw fields, the valid id or undefined]`. */
  #maybeId(pWith = 0.6): [Array<readonly [string, Raw]>, number | undefined] {
    if (!this.#rng.chance(pWith)) return [[], undefined];
    const id = this.#id();
    return [[['id', String(id)]], id];
  }

  /** Adds fields the hub must ignore; `pad`: maybe a nested array of up to 4 KB (not for frames near the limit). */
  #junk(fields: Array<readonly [string, Raw]>, pad = true): Array<readonly [string, Raw]> {
    const rng = this.#rng;
    const out = [...fields];
    const n = rng.chance(0.5) ? 0 : rng.range(1, 3);
    for (let i = 0; i < n; i++) out.splice(rng.int(out.length + 1), 0, rng.pick(JUNK_FIELDS));
    if (pad && rng.chance(0.03)) out.push(['pad', nestedArrays(rng.range(10, 2000))]);
    // Field order never matters; `op` need not come first.
    if (rng.chance(0.3)) out.reverse();
    return out;
  }

  #text(fields: Array<readonly [string, Raw]>, replyId: number | undefined, expect: Expect, label: string): FuzzFrame {
    return { wire: 'text', payload: obj(fields), replyId, expect, label };
  }

  #validTopic(): string {
    const rng = this.#rng;
    if (rng.chance(0.02)) return `fz.u.${this.#tag}-${this.#uniqueTopic++}`;
    return rng.pick(POOL_TOPICS);
  }

  #randomUnicode(maxLen: number): string {
    const rng = this.#rng;
    const len = rng.int(maxLen + 1);
    let s = '';
    for (let i = 0; i < len; i++) {
      const r = rng.int(10);
      let cp: number;
      if (r < 4) cp = rng.range(0x20, 0x7e);
      else if (r < 5) cp = rng.range(0, 0x1f);
      else if (r < 6) cp = rng.range(0x80, 0x7ff);
      else if (r < 7) cp = rng.range(0x800, 0xd7ff);
      else if (r < 8) cp = rng.range(0xe000, 0xffff);
      else if (r < 9) cp = rng.range(0x10000, 0x10ffff);
      else cp = rng.pick([0x7b, 0x7d, 0x5b, 0x5d, 0x22, 0x3a, 0x2c, 0x5c]); // {}[]":,\
      s += String.fromCodePoint(cp);
    }
    return s;
  }

  // ------------------------------------------------------------ ok

  /** A frame the hub must accept. */
  ok(): FuzzFrame {
    const rng = this.#rng;
    const r = rng.int(100);
    if (r < 20) {
      const op = rng.chance(0.7) ? 'ping' : 'pong';
      const [idf, id] = this.#maybeId(0.7);
      return this.#text(this.#junk([['op', j(op)], ...idf]), id, { kind: 'ok' }, `${op} (ok)`);
    }
    if (r < 26) {
      const id = this.#id();
      const fields: Array<readonly [string, Raw]> = [['op', '"hello"'], ['id', String(id)]];
      if (rng.chance(0.6)) fields.push(['protocol', '1']);
      if (rng.chance(0.3)) fields.push(['token', j(this.#randomUnicode(50))]);
      if (rng.chance(0.3)) fields.push(['client', j('fuzz/' + 'c'.repeat(rng.int(195)))]);
      if (rng.chance(0.3)) fields.push(['__proto__', '{"protocol":2}']);
      return this.#text(this.#junk(fields), id, { kind: 'ok' }, 'hello (ok)');
    }
    if (r < 60) return this.#okPublish();
    if (r < 78) {
      const sub = this.#okSubscribe();
      if (sub) return sub;
    }
    if (r < 88 && this.subs.size > 0) {
      const topic = rng.pick([...this.subs]);
      this.subs.delete(topic);
      const [idf, id] = this.#maybeId(0.8);
      const frame = this.#text(this.#junk([['op', '"unsubscribe"'], ['topic', j(topic)], ...idf]), id, { kind: 'ok' }, 'unsubscribe (ok)');
      frame.topic = topic;
      return frame;
    }
    if (r < 94) {
      // Tricks that still make a valid ping: a repeated key (the last wins), escapes.
      const id = this.#id();
      const text = rng.pick([
        `{"op":"nope","op":"ping","id":${id}}`,
        `{"op":"p\\u0069ng","id":${id}}`,
        `{"\\u006fp":"ping","\\u0069d":${id}}`,
        ` \t\r\n{"op":"ping","id":${id}}\n `,
        `{"op":"ping","id":${id},"id":${id}}`,
        `{"op":"ping","id":${id}.0}`,
        `{"op":"ping","id":${id}e0}`,
        `{"__proto__":{"op":"subscribe","topic":"fz.hijack"},"op":"ping","id":${id}}`,
      ]);
      return { wire: 'text', payload: text, replyId: id, expect: { kind: 'ok' }, label: 'ping, repeated key or escapes (ok)' };
    }
    if (r < 96) {
      // A frame of exactly the frame limit is taken.
      const id = this.#id();
      const head = `{"op":"ping","id":${id},"pad":"`;
      const pad = 'p'.repeat(this.#limits.maxFrame - head.length - 2);
      return { wire: 'text', payload: head + pad + '"}', replyId: id, expect: { kind: 'ok' }, label: 'ping of exactly the frame limit (ok)' };
    }
    return this.#okPublish();
  }

  #okPublish(): FuzzFrame {
    const rng = this.#rng;
    const [idf, id] = this.#maybeId(0.6);
    let topic = rng.chance(0.03) ? rng.pick(QUIET_TOPICS) : this.#validTopic();
    let data = rng.pick(DATA_VALUES);
    let label = 'publish (ok)';
    let heavy = false;
    const r = rng.int(100);
    if (r < 2) {
      // Exactly the payload limit is accepted (PROTOCOL.md §3).
      data = j('d'.repeat(this.#limits.maxPayload - 2));
      topic = HEAVY_TOPIC;
      heavy = true;
      label = 'publish data of exactly --max-payload (ok)';
    } else if (r < 5) {
      data = nestedArrays(rng.range(1, 500));
      topic = HEAVY_TOPIC;
      label = 'publish shallow nested data (ok)';
    } else if (r < 15) {
      data = j(this.#randomUnicode(100));
    }
    const fields: Array<readonly [string, Raw]> = [['op', '"publish"'], ...idf, ['topic', j(topic)], ['data', data]];
    if (rng.chance(0.3)) fields.push(['key', j(rng.chance(0.1) ? 'k'.repeat(128) : `k-${rng.int(50)}`)]);
    if (rng.chance(0.2)) fields.push(['__proto__', '{"op":"subscribe","topic":"fz.hijack"}']);
    return this.#text(this.#junk(fields, !heavy), id, { kind: 'ok' }, label);
  }

  #okSubscribe(): FuzzFrame | undefined {
    const rng = this.#rng;
    if (this.subs.size >= 40) return undefined;
    const r = rng.int(100);
    const wildcard = r < 25;
    const quiet = !wildcard && r < 50;
    const topic = wildcard ? rng.pick(WILDCARD_PATTERNS) : quiet ? rng.pick(QUIET_TOPICS) : this.#validTopic();
    if (this.subs.has(topic)) return undefined;
    this.subs.add(topic);
    const id = this.#id();
    const fields: Array<readonly [string, Raw]> = [['op', '"subscribe"'], ['id', String(id)], ['topic', j(topic)]];
    if (quiet && rng.chance(0.7)) fields.push(['from', rng.pick(GOOD_FROMS)]);
    else if (!wildcard && rng.chance(0.3)) fields.push(['from', rng.pick(SHORT_FROMS)]);
    const frame = this.#text(this.#junk(fields), id, { kind: 'ok' }, wildcard ? 'subscribe wildcard (ok)' : 'subscribe (ok)');
    frame.topic = topic;
    return frame;
  }

  // ------------------------------------------------------------ semantic errors

  /** A well-formed request the hub must refuse with a code other than bad_request-for-shape. */
  semantic(): FuzzFrame {
    const rng = this.#rng;
    const r = rng.int(100);
    const [idf, id] = this.#maybeId(0.6);
    const err = (codes: readonly ErrorCode[]): Expect => ({ kind: 'error', codes, malformed: false });
    if (r < 30) {
      const topic = rng.chance(0.85) ? rng.pick(INVALID_TOPICS) : rng.pick(WILDCARD_PATTERNS);
      return this.#text(this.#junk([['op', '"publish"'], ...idf, ['topic', j(topic)], ['data', rng.pick(DATA_VALUES)]]), id, err(['invalid_topic']), 'publish to an invalid topic');
    }
    if (r < 50) {
      const fields: Array<readonly [string, Raw]> = [['op', '"subscribe"'], ...idf, ['topic', j(rng.pick(INVALID_TOPICS))]];
      if (rng.chance(0.3)) fields.push(['from', rng.pick(GOOD_FROMS)]);
      return this.#text(this.#junk(fields), id, err(['invalid_topic']), 'subscribe to an invalid topic');
    }
    if (r < 58) {
      const fields: Array<readonly [string, Raw]> = [['op', '"subscribe"'], ...idf, ['topic', j(rng.pick(WILDCARD_PATTERNS))], ['from', rng.pick(GOOD_FROMS)]];
      return this.#text(this.#junk(fields), id, err(['bad_request']), 'subscribe wildcard with from');
    }
    if (r < 66 && this.subs.size > 0) {
      const topic = rng.pick([...this.subs]);
      const fields: Array<readonly [string, Raw]> = [['op', '"subscribe"'], ...idf, ['topic', j(topic)]];
      return this.#text(this.#junk(fields), id, err(['already_subscribed']), 'subscribe twice');
    }
    if (r < 80) {
      let topic = rng.pick([...INVALID_TOPICS, 'fz.never', 'x'.repeat(300), 'fz.b.c', '>', '*']);
      if (this.subs.has(topic)) topic = 'fz.never.subscribed';
      return this.#text(this.#junk([['op', '"unsubscribe"'], ...idf, ['topic', j(topic)]]), id, err(['not_subscribed']), 'unsubscribe of nothing');
    }
    if (r < 88) {
      const protocol = rng.pick(['0', '2', '-1', '100', '9007199254740991', '-9007199254740991']);
      return this.#text(this.#junk([['op', '"hello"'], ...idf, ['protocol', protocol]]), id, err(['unsupported_protocol']), 'hello with an unsupported protocol');
    }
    // Data just over the payload limit: too_large, the frame itself within the frame limit.
    const over = rng.range(1, 64);
    const data = rng.chance(0.5)
      ? j('o'.repeat(this.#limits.maxPayload - 2 + over))
      : j('é'.repeat(Math.ceil((this.#limits.maxPayload - 2 + over) / 2)));
    return this.#text([['op', '"publish"'], ...idf, ['topic', j(this.#validTopic())], ['data', data]], id, err(['too_large']), 'publish data just over --max-payload');
  }

  // ------------------------------------------------------------ malformed

  /** A frame that is not a well-formed request: bad_request or unknown_op, counted as malformed. */
  malformed(): FuzzFrame {
    const rng = this.#rng;
    const bad: Expect = { kind: 'error', codes: ['bad_request'], malformed: true };
    const frame = (payload: string, replyId: number | undefined, label: string, expect: Expect = bad): FuzzFrame =>
      ({ wire: 'text', payload, replyId, expect, label });
    const r = rng.int(100);
    if (r < 10) return frame(this.#randomUnicode(200), undefined, 'random text');
    if (r < 16) {
      const alphabet = '{}[]":,0123456789.eE+-truefalsn \\';
      let s = '';
      for (let i = rng.int(120); i > 0; i--) s += alphabet[rng.int(alphabet.length)];
      return frame(s, undefined, 'random JSON punctuation');
    }
    if (r < 24) {
      const top = rng.pick(['null', '[]', '"str"', '123', 'true', 'false', '1e400', '-0', '[{"op":"ping","id":1}]', '"{\\"op\\":\\"ping\\"}"', '', ' ', '\n']);
      return frame(top, undefined, 'a JSON value that is not an object');
    }
    if (r < 30) {
      const max = this.#limits.maxFrame;
      const kind = rng.int(3);
      const text = kind === 0
        ? nestedArrays(rng.range(100, Math.min(100_000, Math.floor(max / 2))))
        : kind === 1
          ? this.#deepObjects(100, max)
          : '['.repeat(rng.range(100, max - 1)); // unterminated
      return frame(text, undefined, ['deep nested arrays at top level', 'deep nested objects at top level (no op)', 'unterminated deep array'][kind] as string);
    }
    if (r < 36) {
      const valid = this.#wellFormedText();
      const cut = rng.range(0, valid.length - 1);
      return frame(valid.slice(0, cut), undefined, 'truncated JSON');
    }
    if (r < 38) {
      const valid = this.#wellFormedText();
      return frame(valid + rng.pick(['x', '}', ',', '{}', ']', '\u0000', 'null', '\uFEFF']), undefined, 'JSON with trailing garbage');
    }
    if (r < 40) {
      const id = this.#id();
      return { wire: 'text', payload: `\uFEFF{"op":"ping","id":${id}}`, replyId: id, expect: { kind: 'reply-or-error-frame' }, label: 'ping after a byte order mark' };
    }
    if (r < 52) {
      const op = rng.pick(['hello', 'subscribe', 'unsubscribe', 'publish', 'ping', 'pong']);
      const fields: Array<readonly [string, Raw]> = [['op', j(op)], ['id', rng.pick(BAD_ID_LITERALS)]];
      if (op === 'publish') fields.push(['topic', '"fz.a"'], ['data', '1']);
      if (op === 'subscribe' || op === 'unsubscribe') fields.push(['topic', '"fz.never"']);
      return frame(obj(this.#junk(fields)), undefined, `${op} with an invalid id`);
    }
    if (r < 60) {
      const [idf, id] = this.#maybeId(0.7);
      const text = rng.pick([
        obj([...idf]),
        obj([['op', rng.pick(WRONG_OP_VALUES)], ...idf]),
        obj([['OP', '"ping"'], ...idf]),
        obj([['__proto__', '{"op":"ping"}'], ...idf]),
        obj([['constructor', '{"prototype":{"polluted":1}}']]),
        obj([['__proto__', '{"op":"publish","topic":"fz.a","data":1}'], ...idf, ['topic', '"fz.a"']]),
        obj([['prototype', '{"op":"ping"}'], ...idf]),
      ]);
      // No op: an error frame even when the id is valid (PROTOCOL.md §2).
      void id;
      return frame(text, undefined, 'missing or non-string op');
    }
    if (r < 68) {
      const [idf, id] = this.#maybeId(0.6);
      const op = rng.pick(UNKNOWN_OPS);
      return frame(obj(this.#junk([['op', j(op)], ...idf, ['topic', '"fz.a"']])), id, 'unknown op', { kind: 'error', codes: ['unknown_op'], malformed: true });
    }
    if (r < 70) {
      const id = this.#id();
      return frame(`{"op":"ping","op":"nope","id":${id}}`, id, 'repeated op key, last one unknown', { kind: 'error', codes: ['unknown_op'], malformed: true });
    }
    // Wrong types for every field of every op.
    const [idf, id] = this.#maybeId(0.6);
    const which = rng.int(12);
    let fields: Array<readonly [string, Raw]>;
    let label: string;
    switch (which) {
      case 0:
        fields = [['op', '"hello"'], ...idf, ['protocol', rng.pick(['"1"', '1.5', 'null', 'true', '[]', '{}', '1e400', '"one"', '[1]'])]];
        label = 'hello.protocol of a wrong type';
        break;
      case 1:
        fields = [['op', '"hello"'], ...idf, ['token', rng.pick(['1', 'null', '{}', '[]', 'true'])]];
        label = 'hello.token of a wrong type';
        break;
      case 2:
        fields = [['op', '"hello"'], ...idf, ['client', rng.pick(['1', 'null', '{}', '[]', j('c'.repeat(201)), j('c'.repeat(5000))])]];
        label = 'hello.client of a wrong type or too long';
        break;
      case 3:
        fields = [['op', '"subscribe"'], ...idf, ['topic', rng.pick(WRONG_STRING_VALUES)]];
        label = 'subscribe.topic of a wrong type';
        break;
      case 4:
        fields = [['op', '"subscribe"'], ...idf];
        label = 'subscribe without topic';
        break;
      case 5:
        fields = [['op', '"subscribe"'], ...idf, ['topic', j(rng.pick([...POOL_TOPICS, ...WILDCARD_PATTERNS, ...INVALID_TOPICS]))], ['from', rng.pick(BAD_FROMS)]];
        label = 'subscribe.from of a wrong shape';
        break;
      case 6:
        fields = [['op', '"unsubscribe"'], ...idf, ...(rng.chance(0.8) ? [['topic', rng.pick(WRONG_STRING_VALUES)] as const] : [])];
        label = 'unsubscribe.topic of a wrong type or missing';
        break;
      case 7:
        fields = [['op', '"publish"'], ...idf, ['data', '1'], ...(rng.chance(0.8) ? [['topic', rng.pick(WRONG_STRING_VALUES)] as const] : [])];
        label = 'publish.topic of a wrong type or missing';
        break;
      case 8:
        fields = [['op', '"publish"'], ...idf, ['topic', '"fz.a"']];
        label = 'publish without data';
        break;
      case 9:
        fields = [['op', '"publish"'], ...idf, ['topic', '"fz.a"'], ['data', '1'], ['key', rng.pick(['1', 'null', '{}', '[]', 'true', '""', '1e400'])]];
        label = 'publish.key of a wrong type or empty';
        break;
      case 10:
        fields = [['op', '"publish"'], ...idf, ['topic', '"fz.a"'], ['data', '1'], ['key', j('k'.repeat(rng.pick([129, 130, 1000, 4000])))]];
        label = 'publish.key longer than 128 characters';
        break;
      default:
        fields = [['op', j(rng.pick(['ping', 'pong']))], ['id', rng.pick(['"1"', '1.5', '[1]', '{"valueOf":1}', '0'])]];
        label = 'ping/pong.id of a wrong type';
        return frame(obj(this.#junk(fields)), undefined, label);
    }
    return frame(obj(this.#junk(fields)), id, label);
  }

  /** Nested objects with a prototype-ish key, at least `minDepth` deep, at most `maxBytes` long. */
  #deepObjects(minDepth: number, maxBytes: number): string {
    const key = this.#rng.pick(['a', '__proto__', 'constructor', 'prototype']);
    return nestedObjects(this.#rng.range(minDepth, Math.floor((maxBytes - 1) / objectLevelBytes(key))), key);
  }

  /** The text of a well-formed request, to be damaged. */
  #wellFormedText(): string {
    return this.#rng.pick([
      '{"op":"ping","id":1}',
      '{"op":"publish","id":2,"topic":"fz.a","data":{"x":[1,2,3]},"key":"k"}',
      '{"op":"subscribe","id":3,"topic":"fz.b","from":{"earliest":true}}',
      '{"op":"hello","id":4,"protocol":1,"client":"fuzz"}',
      '{"op":"unsubscribe","id":5,"topic":"fz.b"}',
    ]);
  }

  // ------------------------------------------------------------ gray

  /** A request where the spec allows success or a client error; `internal` is never right. Always has an id. */
  gray(): FuzzFrame {
    const rng = this.#rng;
    const id = this.#id();
    const r = rng.int(100);
    if (r < 50) {
      // Deeply nested data within the frame limit: stored, or refused as bad_request / too_large.
      const max = this.#limits.maxFrame - 60;
      const kind = rng.int(3);
      const data = kind === 0
        ? nestedArrays(rng.range(1000, Math.floor(max / 2)))
        : kind === 1
          ? this.#deepObjects(500, max)
          : nestedMixed(rng.range(500, Math.floor(max / 4)));
      const depth = kind === 0 ? data.length / 2 : kind === 1 ? data.split('{').length - 1 : Math.round(data.length / 4);
      const text = `{"op":"publish","id":${id},"topic":"${HEAVY_TOPIC}","data":${data}}`;
      const label = `publish data nested ${['arrays', 'objects', 'arrays and objects'][kind]} ${depth} deep (${data.length} bytes)`;
      return { wire: 'text', payload: text, replyId: id, expect: { kind: 'any', mayBeMalformed: false }, label };
    }
    if (r < 70) {
      // Not remembered in `subs`: the hub may have refused it.
      const topic = `fz.g.${this.#tag}-${this.#uniqueTopic++}`;
      const text = obj([['op', '"subscribe"'], ['id', String(id)], ['topic', j(topic)], ['from', rng.pick(GRAY_FROMS)]]);
      return { wire: 'text', payload: text, replyId: id, expect: { kind: 'any', mayBeMalformed: true }, label: 'subscribe with a from past 2^53 or -0' };
    }
    if (r < 80) {
      const text = obj([['op', '"hello"'], ['id', String(id)], ['protocol', rng.pick(['9007199254740993', '1e300', '1.0', '1e0', '-0'])]]);
      return { wire: 'text', payload: text, replyId: id, expect: { kind: 'any', mayBeMalformed: true }, label: 'hello.protocol past 2^53 or written oddly' };
    }
    // Keys counted in UTF-16 units or in characters: astral keys around 128.
    const key = '🔑'.repeat(rng.range(63, 129));
    const text = obj([['op', '"publish"'], ['id', String(id)], ['topic', j(rng.pick(POOL_TOPICS))], ['data', '1'], ['key', j(key)]]);
    return { wire: 'text', payload: text, replyId: id, expect: { kind: 'any', mayBeMalformed: true }, label: `publish.key of ${[...key].length} astral characters` };
  }

  // ------------------------------------------------------------ fatal

  binary(): FuzzFrame {
    const rng = this.#rng;
    const payload = rng.chance(0.2) ? Buffer.from(this.#wellFormedText()) : rng.bytes(rng.int(3000));
    return { wire: 'binary', payload, replyId: undefined, expect: { kind: 'close', fatal: 'binary' }, label: `binary frame (${payload.length} bytes)` };
  }

  invalidUtf8(): FuzzFrame {
    const rng = this.#rng;
    const bad = rng.pick([[0xff], [0xfe], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82, 0x41], [0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3]]);
    const base = rng.chance(0.5) ? Buffer.from(this.#wellFormedText()) : rng.bytes(rng.int(500));
    const at = rng.int(base.length + 1);
    // Spaces around the bad bytes, so no neighbouring byte can complete them into valid UTF-8.
    const payload = Buffer.concat([base.subarray(0, at), Buffer.from(' '), Buffer.from(bad), Buffer.from(' '), base.subarray(at)]);
    return { wire: 'bytes-as-text', payload, replyId: undefined, expect: { kind: 'close', fatal: 'utf8' }, label: `invalid UTF-8 text frame (${bad.map((b) => b.toString(16)).join(' ')})` };
  }

  oversize(): FuzzFrame {
    const rng = this.#rng;
    const max = this.#limits.maxFrame;
    const r = rng.int(7);
    const close: Expect = { kind: 'close', fatal: 'oversize' };
    const make = (wire: FuzzFrame['wire'], payload: string | Buffer, label: string): FuzzFrame =>
      ({ wire, payload, replyId: undefined, expect: close, label: `${label} (${payload.length} bytes)` });
    switch (r) {
      case 0: return make('text', 'x'.repeat(max + 1), 'text frame one byte over the frame limit');
      case 1: return make('text', HUGE_NEST, 'nested arrays 100,000 deep');
      case 2: return make('text', HUGE_OBJ_NEST, 'nested __proto__ objects 40,000 deep');
      case 3: return make('text', `{"op":"publish","id":1,"topic":"fz.a","data":${j('x'.repeat(max + rng.int(20_000)))}}`, 'publish over the frame limit');
      case 4: return make('binary', rng.bytes(max + 1 + rng.int(5000)), 'binary frame over the frame limit');
      case 5: return make('bytes-as-text', Buffer.concat([Buffer.alloc(max, 0x61), Buffer.from([0xff, 0xfe])]), 'invalid UTF-8 over the frame limit');
      default: return make('text', this.#randomUnicode(max + 1) + 'y'.repeat(max + 1), 'random text over the frame limit');
    }
  }

  /** A ping with an id: its reply says every frame before it was read. */
  marker(): FuzzFrame {
    const id = this.#id();
    return { wire: 'text', payload: `{"op":"ping","id":${id}}`, replyId: id, expect: { kind: 'ok' }, label: 'marker ping' };
  }

  /** A subscribe to a topic of its own, with an id: a barrier for the async ops sent before it. */
  barrier(topic: string): FuzzFrame {
    const id = this.#id();
    this.subs.add(topic);
    return { wire: 'text', payload: obj([['op', '"subscribe"'], ['id', String(id)], ['topic', j(topic)]]), replyId: id, expect: { kind: 'ok' }, label: 'barrier subscribe', topic };
  }
}
