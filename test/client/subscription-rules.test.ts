/**
 * What the client hands each subscription (PROTOCOL.md §3), through the SDK on
 * a real hub, on both hub engines and both storages:
 * - an exact subscription: strictly increasing offsets with no gap from the first
 *   it hands, and at the end everything up to the topic's head;
 * - a wildcard subscription (live only): per topic strictly increasing, never a
 *   message stored before it was made.
 * First the case seen in the wild (a wildcard, then in one tick a publish and an
 * exact subscribe from earliest), then a seeded random mix of wildcard and exact
 * subscriptions, publishes, unsubscribes and reconnects. TIDINGS_SEED=n replays.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { matchesPattern as matches, TidingsClient, TidingsError, type Message, type Subscription } from '../../client/index.js';
import { removeDir, startHub, TRANSPORTS, type HubProcess } from '../helpers/hub-process.js';
import { seeded } from '../helpers/seeded.js';
import { until } from '../helpers/wait.js';

const STEPS = 150;
const seed = Number(process.env.TIDINGS_SEED ?? Date.now() % 1_000_000);
const TOPICS = ['mix.a', 'mix.b', 'mix.c.d'];
const PATTERNS = ['mix.*', 'mix.>', 'mix.c.*'];
const FAST = { initialMs: 20, maxMs: 100 };

/** One subscription's life: what it was handed, and what was stored before it began. */
interface Record {
  topic: string;
  wildcard: boolean;
  from: string;
  sub: Subscription;
  got: Message[];
  /** Topic → newest offset acknowledged before subscribe() was called. */
  storedBefore: Map<string, number>;
}

function check(records: Record[], heads: Map<string, number>, what: string): void {
  for (const r of records) {
    const label = `${what}: ${r.wildcard ? 'wildcard' : 'exact'} ${r.topic} from ${r.from}`;
    if (!r.wildcard) {
      const offsets = r.got.map((m) => m.offset);
      for (let i = 1; i < offsets.length; i++) {
        assert.equal(offsets[i], offsets[i - 1]! + 1, `${label}: contiguous, once each: ${JSON.stringify(offsets)}`);
      }
      if (r.from === 'earliest' && offsets.length > 0) assert.equal(offsets[0], 1, `${label}: starts at 1`);
      if (r.from === 'live' && offsets.length > 0) assert.ok(offsets[0]! > (r.storedBefore.get(r.topic) ?? 0), `${label}: live, nothing stored before it`);
      if (r.sub.active) assert.equal(offsets.at(-1) ?? 0, heads.get(r.topic) ?? 0, `${label}: up to the head: ${JSON.stringify(offsets)}`);
      continue;
    }
    const last = new Map<string, number>();
    for (const m of r.got) {
      assert.ok(m.offset > (last.get(m.topic) ?? 0), `${label}: ${m.topic} increasing, once each: ${JSON.stringify(r.got.filter((x) => x.topic === m.topic).map((x) => x.offset))}`);
      assert.ok(m.offset > (r.storedBefore.get(m.topic) ?? 0), `${label}: ${m.topic}@${m.offset} was stored before the wildcard was made`);
      last.set(m.topic, m.offset);
    }
    if (!r.sub.active) continue;
    for (const topic of TOPICS.filter((t) => matches(r.topic, t))) {
      assert.equal(last.get(topic), heads.get(topic), `${label}: ${topic}'s last message, published while it was subscribed`);
    }
  }
}

for (const transport of TRANSPORTS) {
  for (const storage of ['memory', 'disk'] as const) {
    describe(`what the client hands each subscription, ${transport} hub, ${storage} storage`, { timeout: 120_000 }, () => {
      let hub: HubProcess;
      const clients: TidingsClient[] = [];
      const client = (): TidingsClient => {
        const c = new TidingsClient(hub.url, { WebSocket, backoff: FAST });
        clients.push(c);
        return c;
      };
      before(async () => {
        hub = await startHub({ transport, args: ['--storage', storage] });
      });
      after(async () => {
        for (const c of clients) c.close();
        await hub.stop();
        removeDir(hub.dataDir);
      });

      it('a wildcard, then a publish and an exact subscribe from earliest in one tick: [1..4] and [4]', async () => {
        const c = client();
        for (let i = 1; i <= 3; i++) await c.publish('w.a', i);
        const wild: number[] = [];
        const exact: number[] = [];
        c.subscribe('w.>', (m) => wild.push(m.offset));
        await until(() => c.state === 'connected' && c.subscription('w.>')?.state === 'subscribed', 'the wildcard subscribed');
        const published = c.publish('w.a', 4);
        c.subscribe('w.a', (m) => exact.push(m.offset), { from: 'earliest' });
        await published;
        await until(() => exact.length >= 4 && wild.length >= 1, () => `exact ${JSON.stringify(exact)}, wildcard ${JSON.stringify(wild)}`);
        await c.publish('w.a', 5);
        await until(() => exact.length >= 5 && wild.length >= 2, () => `exact ${JSON.stringify(exact)}, wildcard ${JSON.stringify(wild)}`);
        assert.deepEqual(exact, [1, 2, 3, 4, 5]);
        assert.deepEqual(wild, [4, 5]);
      });

      it(`keeps every subscription's rule over ${STEPS} seeded steps (seed ${seed})`, async () => {
        const random = seeded(seed + (transport === 'ws' ? 1 : 0) + (storage === 'disk' ? 2 : 0));
        process.stdout.write(`# ${transport}/${storage}: seed ${seed}\n`);
        const c = client();
        const other = client();
        const acked = new Map<string, number>();
        const records: Record[] = [];
        const pending: Array<Promise<unknown>> = [];
        const note = (p: Promise<{ topic: string; offset: number }>): void => {
          pending.push(p.then((r) => acked.set(r.topic, Math.max(acked.get(r.topic) ?? 0, r.offset))));
        };
        const counts = { subscribe: 0, wildcard: 0, unsubscribe: 0, publish: 0, reconnect: 0 };
        const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
        for (let step = 0; step < STEPS; step++) {
          const r = random();
          if (r < 0.2) {
            const topic = pick(TOPICS);
            if (c.subscription(topic)) continue;
            const from = pick(['live', 'earliest', 'last'] as const);
            const rec: Record = { topic, wildcard: false, from, got: [], storedBefore: new Map(acked), sub: undefined as unknown as Subscription };
            rec.sub = c.subscribe(topic, (m) => rec.got.push(m), { from: from === 'last' ? { last: 1 + Math.floor(random() * 5) } : from });
            records.push(rec);
            counts.subscribe++;
          } else if (r < 0.3) {
            const pattern = pick(PATTERNS);
            if (c.subscription(pattern)) continue;
            const rec: Record = { topic: pattern, wildcard: true, from: 'live', got: [], storedBefore: new Map(acked), sub: undefined as unknown as Subscription };
            rec.sub = c.subscribe(pattern, (m) => rec.got.push(m));
            records.push(rec);
            counts.wildcard++;
          } else if (r < 0.4) {
            const active = records.filter((x) => x.sub.active);
            if (active.length === 0) continue;
            void pick(active).sub.unsubscribe();
            counts.unsubscribe++;
          } else if (r < 0.85) {
            const n = 1 + Math.floor(random() * 4);
            for (let i = 0; i < n; i++) note((random() < 0.5 ? c : other).publish(pick(TOPICS), { step, i }));
            counts.publish += n;
          } else if (r < 0.92) {
            c.disconnect();
            c.connect();
            counts.reconnect++;
          }
          if (random() < 0.5) await new Promise((done) => setTimeout(done, Math.floor(random() * 15)));
        }
        await Promise.all(pending);
        // One last message per topic, published once every subscription is answered:
        // every active subscription, live ones included, must end with it.
        await until(() => c.state === 'connected' && records.every((x) => !x.sub.active || x.sub.state === 'subscribed') || undefined, 'every subscription answered');
        for (const topic of TOPICS) note(other.publish(topic, 'last'));
        await Promise.all(pending);
        const heads = new Map(acked);
        const atHead = (x: Record): boolean => !x.sub.active || (x.wildcard
          ? TOPICS.filter((t) => x.sub.topic === t || matches(x.sub.topic, t)).every((t) => x.got.some((m) => m.topic === t && m.offset === heads.get(t)))
          : x.got.at(-1)?.offset === heads.get(x.topic));
        await until(() => records.every(atHead) || undefined, () => `every active subscription at the heads ${JSON.stringify([...heads])}`, 20_000).catch(() => undefined);
        check(records, heads, `seed ${seed}`);
        const handed = records.reduce((n, x) => n + x.got.length, 0);
        process.stdout.write(`# ${transport}/${storage}: ${JSON.stringify(counts)}, ${records.length} subscriptions handed ${handed} messages, heads ${JSON.stringify([...heads])}\n`);
      });

      it('refuses a from that is not one of its forms, naming the right one', () => {
        const c = client();
        for (const from of [{ earliest: true }, { last: 0 }, { last: 1.5 }, { after: 3 }, 'first', 7]) {
          assert.throws(() => c.subscribe('forms.a', undefined, { from: from as never }), (e: unknown) => e instanceof TidingsError && e.code === 'bad_request', JSON.stringify(from));
        }
        assert.throws(() => c.subscribe('forms.a', undefined, { from: { earliest: true } as never }), /written 'earliest'/);
      });
    });
  }
}
