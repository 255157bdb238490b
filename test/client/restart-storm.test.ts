/**
 * The client SDK against the real hub through a restart storm: 20 restarts
 * (mostly kill -9, some graceful SIGTERM, alternating the uws and ws transports)
 * while publishers keep publishing and subscribers stay subscribed. Afterwards
 * every publish must be acked and stored exactly once, at the offset its ack
 * named, and every resuming subscriber must have seen every stored message of
 * its topics exactly once, in offset order.
 *
 * The restart kinds and moments come from a seeded generator: the seed is
 * printed, and `STORM_SEED=<n>` replays the same plan.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import { TidingsClient, type From, type Message, type Subscription } from '../../client/index.js';
import { TRANSPORTS, removeDir, startHub, tempDir, type HubProcess, type Transport } from '../helpers/hub-process.js';
import { freePort, until } from '../helpers/wait.js';
import { seeded } from '../helpers/seeded.js';

const FAST = { initialMs: 50, maxMs: 300, factor: 2 };
const TOPICS = ['storm.a', 'storm.b', 'storm.c'] as const;
const RESTARTS = 20;
/** Restarts that are a graceful stop (SIGTERM); the rest are kill -9. */
const GRACEFUL = 5;
const PUBLISHERS = 3;
/** Publishes one publisher keeps waiting for their ack, at most. */
const MAX_IN_FLIGHT = 200;
/** Bound on what one publisher publishes over the whole storm. */
const MAX_PER_PUBLISHER = 12_000;
/** Pace: a burst of 1..MAX_BURST publishes (about 500 a second per publisher), then a pause of PACE_MS. */
const MAX_BURST = 40;
const PACE_MS = 40;

interface Payload {
  p: number;
  n: number;
}

interface Acked {
  topic: string;
  payload: Payload;
  offset: number;
  duplicate: boolean;
}

const idOf = (d: Payload): string => `${d.p}:${d.n}`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function client(url: string, extra: ConstructorParameters<typeof TidingsClient>[1] = {}): TidingsClient {
  return new TidingsClient(url, { WebSocket, backoff: FAST, ...extra });
}

/** A subscriber client that stays subscribed through the storm and records all it sees. */
interface Subscriber {
  name: string;
  client: TidingsClient;
  topics: readonly string[];
  seen: Map<string, Array<Message<Payload>>>;
  subs: Array<Subscription<Payload>>;
  /** reset / truncated / error events of its subscriptions: there must be none. */
  problems: string[];
  total(): number;
}

function subscriber(url: string, name: string, topics: readonly string[], from: From): Subscriber {
  const c = client(url);
  const seen = new Map<string, Array<Message<Payload>>>(topics.map((t) => [t, []]));
  const problems: string[] = [];
  const subs = topics.map((topic) => {
    const sub = c.subscribe<Payload>(topic, (m) => seen.get(topic)!.push(m), { from });
    sub.on('reset', (r) => problems.push(`${topic}: reset ${JSON.stringify(r)}`));
    sub.on('truncated', (t) => problems.push(`${topic}: truncated ${JSON.stringify(t)}`));
    sub.on('error', (e) => problems.push(`${topic}: error ${e.code} ${e.message}`));
    return sub;
  });
  const total = (): number => [...seen.values()].reduce((sum, list) => sum + list.length, 0);
  return { name, client: c, topics, seen, subs, problems, total };
}

/** Reads a topic's whole stored log with a fresh client, from 'earliest'. */
async function readLog(url: string, topic: string): Promise<Array<Message<Payload>>> {
  const reader = client(url);
  try {
    const got: Array<Message<Payload>> = [];
    const sub = reader.subscribe<Payload>(topic, (m) => got.push(m), { from: 'earliest' });
    const info = await new Promise<{ head: number; earliest: number }>((resolve) => sub.on('subscribed', resolve));
    assert.equal(info.earliest, 1, `${topic}: nothing was trimmed from the log`);
    await until(() => got.length >= info.head, () => `${topic}: the stored log (${got.length} of ${info.head} read)`, 30_000);
    return got;
  } finally {
    reader.close();
  }
}

describe('client SDK through a restart storm', { timeout: 180_000 }, () => {
  const clients: TidingsClient[] = [];
  const dirs: string[] = [];
  let hub: HubProcess | undefined;
  let stopPublishing = false;
  after(async () => {
    stopPublishing = true; // should the test have failed mid-storm
    for (const c of clients) c.close();
    await hub?.stop();
    for (const dir of dirs) removeDir(dir);
  });

  it(`${RESTARTS} restarts (kill -9 and SIGTERM, ${TRANSPORTS.join(' and ')}) while publishing and subscribing: every publish acked and stored once, every subscriber sees each once, in order`, async () => {
    const seed = Number(process.env.STORM_SEED ?? Date.now() % 1_000_000);
    const random = seeded(seed);
    const port = await freePort();
    const dataDir = tempDir('tidings-storm-');
    dirs.push(dataDir);
    const args = ['--port', String(port), '--no-demo'];
    const transportsSeen = new Set<string>();
    let bindRetries = 0;
    const start = async (transport: Transport): Promise<HubProcess> => {
      // The port was just freed by the previous hub: retry a few times should binding it race.
      for (let attempt = 1; ; attempt++) {
        try {
          const h = await startHub({ transport, args, dataDir });
          const listening = h.lines.find((l) => l.includes('"msg":"listening"'));
          const used = (JSON.parse(listening!) as { transport: string }).transport;
          assert.equal(used, transport, `the hub runs the ${transport} transport`);
          transportsSeen.add(used);
          return h;
        } catch (error) {
          if (attempt >= 5 || !/EADDRINUSE|address in use/i.test(String(error))) throw error;
          bindRetries++;
          await sleep(100);
        }
      }
    };
    hub = await start(TRANSPORTS[0]);
    const url = hub.url;
    process.stdout.write(`# storm seed ${seed} (STORM_SEED=${seed} replays it), port ${port}\n`);

    // Subscribers: all topics from the start of the log; all topics live (subscribed before
    // any publish, so live is everything); two topics from the start of the log.
    const subscribers = [
      subscriber(url, 'all-earliest', TOPICS, 'earliest'),
      subscriber(url, 'all-live', TOPICS, 'live'),
      subscriber(url, 'ab-earliest', TOPICS.slice(0, 2), 'earliest'),
    ];
    for (const s of subscribers) clients.push(s.client);
    await Promise.all(subscribers.flatMap((s) => s.subs.map((sub) => new Promise((r) => sub.on('subscribed', r)))));

    // Publishers: each cycles over the topics, keeping at most MAX_IN_FLIGHT publishes waiting.
    const publishers = Array.from({ length: PUBLISHERS }, () => client(url, { maxQueuedPublishes: MAX_IN_FLIGHT * 2 }));
    clients.push(...publishers);
    const acked: Acked[] = [];
    const rejected: string[] = [];
    const inFlight = publishers.map(() => 0);
    let issued = 0;
    let settled = 0;
    let duplicates = 0;
    const publishLoop = async (i: number): Promise<void> => {
      const pub = publishers[i]!;
      const burstSize = seeded(seed + 1 + i);
      let burst = 0;
      for (let n = 1; n <= MAX_PER_PUBLISHER && !stopPublishing; n++) {
        while (inFlight[i]! >= MAX_IN_FLIGHT && !stopPublishing) await sleep(5);
        if (stopPublishing) break;
        const topic = TOPICS[(n + i) % TOPICS.length]!;
        const payload: Payload = { p: i, n };
        inFlight[i]!++;
        issued++;
        pub.publish(topic, payload).then(
          (r) => {
            acked.push({ topic, payload, offset: r.offset, duplicate: r.duplicate });
            if (r.duplicate) duplicates++;
          },
          (error: unknown) => rejected.push(`${topic} ${idOf(payload)}: ${String(error)}`),
        ).finally(() => {
          inFlight[i]!--;
          settled++;
        });
        if (burst-- <= 0) {
          burst = Math.floor(burstSize() * MAX_BURST);
          await sleep(PACE_MS);
        }
      }
    };
    const loops = publishers.map((_, i) => publishLoop(i));
    let publishersDone = false;
    void Promise.all(loops).then(() => (publishersDone = true));

    const everyoneConnected = (): boolean => [...publishers, ...subscribers.map((s) => s.client)].every((c) => c.state === 'connected');
    const kinds: string[] = Array.from({ length: RESTARTS }, (_, r) => (r < GRACEFUL ? 'graceful' : 'kill9'));
    for (let k = kinds.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [kinds[k], kinds[j]] = [kinds[j]!, kinds[k]!];
    }
    const outages: number[] = [];
    const began = Date.now();
    for (let r = 1; r <= RESTARTS; r++) {
      await sleep(50 + Math.floor(random() * 200));
      // Strike while a burst is in flight (for at most 100 ms more), so some publishes are stored but not yet acked.
      const aimed = Date.now();
      while (inFlight.reduce((a, b) => a + b, 0) < 10 && !publishersDone && Date.now() - aimed < 100) await new Promise((go) => setImmediate(go));
      const kind = kinds[r - 1]!;
      const down = Date.now();
      if (kind === 'kill9') await hub.kill9();
      else {
        const exit: { code: number | null; signal: NodeJS.Signals | null } = await hub.stop();
        assert.deepEqual(exit, { code: 0, signal: null }, `restart ${r}: a graceful stop exits 0`);
      }
      const transport = TRANSPORTS[r % TRANSPORTS.length]!;
      const stopped = Date.now();
      hub = await start(transport);
      const listening = Date.now();
      // Let the storm overlap traffic: wait until everyone is back and both sides made progress.
      const ackedBefore = acked.length;
      const seenBefore = subscribers.map((s) => s.total());
      await until(
        () => everyoneConnected()
          && (publishersDone || (acked.length >= ackedBefore + 50 && subscribers.every((s, i) => s.total() > seenBefore[i]!))),
        () => `restart ${r}: clients back and progressing (states ${[...publishers, ...subscribers.map((s) => s.client)].map((c) => c.state).join(',')}; acked ${acked.length - ackedBefore} new)`,
        20_000,
      );
      outages.push(Date.now() - down);
      process.stdout.write(`# restart ${r}/${RESTARTS}: ${kind === 'kill9' ? 'kill -9' : 'SIGTERM'} -> ${transport}, stopped in ${stopped - down} ms, listening after ${listening - stopped} ms, clients back and progressing after ${Date.now() - listening} ms; `
        + `issued ${issued}, acked ${acked.length} (${duplicates} duplicate), rejected ${rejected.length}; seen ${subscribers.map((s) => `${s.name} ${s.total()}`).join(', ')}\n`);
    }
    const stormMs = Date.now() - began;

    // Stop publishing; every publish must settle, and as an ack.
    stopPublishing = true;
    await Promise.all(loops);
    await until(() => settled === issued, () => `every publish settled (${settled} of ${issued})`, 30_000);
    process.stdout.write(`# storm: ${RESTARTS} restarts (${GRACEFUL} SIGTERM, ${RESTARTS - GRACEFUL} kill -9) in ${stormMs} ms, `
      + `outage median ${[...outages].sort((a, b) => a - b)[Math.floor(outages.length / 2)]} ms; `
      + `port rebind retries ${bindRetries}; publishes ${issued}, acked ${acked.length}, duplicates answered ${duplicates}, rejected ${rejected.length}\n`);
    if (rejected.length > 0) process.stdout.write(`# rejected publishes (first 5): ${rejected.slice(0, 5).join('; ')}\n`);
    assert.equal(acked.length + rejected.length, issued, 'every publish settled');
    assert.deepEqual([...transportsSeen].sort(), [...TRANSPORTS].sort(), 'both transports ran');

    // (1) The stored log: offsets 1..N, each acked payload exactly once, at the offset its ack named.
    const stored = new Map<string, Array<Message<Payload>>>();
    for (const topic of TOPICS) {
      const log = await readLog(url, topic);
      stored.set(topic, log);
      assert.deepEqual(log.map((m) => m.offset), Array.from({ length: log.length }, (_, i) => i + 1), `${topic}: stored offsets are 1..N`);
      const counts = new Map<string, number>();
      for (const m of log) counts.set(idOf(m.data), (counts.get(idOf(m.data)) ?? 0) + 1);
      const twice = [...counts].filter(([, c]) => c > 1).map(([id]) => id);
      assert.deepEqual(twice.slice(0, 10), [], `${topic}: no payload stored twice (${twice.length} were)`);
      const mine = acked.filter((a) => a.topic === topic);
      const missing = mine.filter((a) => !counts.has(idOf(a.payload))).map((a) => idOf(a.payload));
      assert.deepEqual(missing.slice(0, 10), [], `${topic}: every acked publish is stored (${missing.length} are not)`);
      assert.equal(log.length, mine.length, `${topic}: the log holds the acked publishes and nothing else`);
      const misplaced = mine.filter((a) => {
        const at = log[a.offset - 1];
        return !at || idOf(at.data) !== idOf(a.payload);
      });
      assert.deepEqual(misplaced.slice(0, 5), [], `${topic}: each ack names the offset that holds its payload (${misplaced.length} do not)`);
      // Resends go out in publish order (client/publisher.ts): each publisher's messages are stored in its order.
      const last = new Map<number, number>();
      for (const m of log) {
        assert.ok(m.data.n > (last.get(m.data.p) ?? 0), `${topic}: publisher ${m.data.p}'s #${m.data.n} stored after its #${last.get(m.data.p)}`);
        last.set(m.data.p, m.data.n);
      }
    }

    // (2) Every subscriber saw, per topic, exactly the stored messages: offsets 1, 2, 3, ... with no gap and none twice.
    for (const s of subscribers) {
      await until(
        // Caught up: it has seen as many, or reached the last offset (then any shortfall is a gap, reported below).
        () => s.topics.every((t) => s.seen.get(t)!.length >= stored.get(t)!.length || (s.seen.get(t)!.at(-1)?.offset ?? 0) >= stored.get(t)!.length),
        () => `${s.name} to catch up (${s.topics.map((t) => `${t} ${s.seen.get(t)!.length}/${stored.get(t)!.length}`).join(', ')})`,
        30_000,
      );
    }
    await sleep(300); // anything extra (a duplicate) would arrive now
    process.stdout.write(`# seen per subscriber: ${subscribers.map((s) => `${s.name} ${s.topics.map((t) => `${t}=${s.seen.get(t)!.length}`).join(' ')}`).join('; ')}; `
      + `stored ${TOPICS.map((t) => `${t}=${stored.get(t)!.length}`).join(' ')}\n`);
    for (const s of subscribers) {
      for (const topic of s.topics) {
        const seen = s.seen.get(topic)!;
        const log = stored.get(topic)!;
        const bad = seen.findIndex((m, i) => m.offset !== i + 1);
        assert.equal(bad, -1, `${s.name} ${topic}: offsets go up by exactly 1 (at #${bad}: ${bad >= 0 ? `${seen[bad - 1]?.offset} then ${seen[bad]!.offset}` : ''})`);
        assert.equal(seen.length, log.length, `${s.name} ${topic}: saw every stored message and no more`);
        const differs = seen.findIndex((m, i) => idOf(m.data) !== idOf(log[i]!.data));
        assert.equal(differs, -1, `${s.name} ${topic}: saw the stored message at each offset`);
      }
      // (3) No reset (disk storage, same data folder), no truncation, no failed subscription.
      assert.deepEqual(s.problems, [], `${s.name}: no reset, truncated or error events`);
      assert.ok(s.subs.every((sub) => sub.active), `${s.name}: every subscription still active`);
    }

    // Last, so that the checks above also run on the acked ones when some were refused:
    // every publish was acked, none rejected (a restart is not the application's problem).
    assert.deepEqual(rejected.slice(0, 10), [], `no publish rejected (${rejected.length} of ${issued} were)`);
    assert.equal(acked.length, issued, 'every publish acked');
  });
});
