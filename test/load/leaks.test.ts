/**
 * Leaks over real sockets, once per transport: a `tidings serve` child on
 * 127.0.0.1 must give back its file descriptors, memory and subscriptions after
 * (1) connection churn, (2) slow readers cut by the slow-consumer limit and
 * (3) subscription floods up to --max-subscriptions.
 *
 * The hub is read from outside: /proc/<pid>/fd, VmRSS in /proc/<pid>/status and
 * the gauges of /metrics. Counts settle with bounded polls; nothing here asserts
 * on time, the figures are printed instead.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { TRANSPORTS, removeDir, rssOf, startHub, type HubProcess, type Transport } from '../helpers/hub-process.js';
import { within } from '../helpers/wait.js';
import { RawClient, offsetsOf, range, type Frame } from '../helpers/raw-client.js';

const MIB = 1024 * 1024;

/** --max-buffered of the hub: the slow-consumer limit. */
const MAX_BUFFERED = '64KiB';
/** --max-subscriptions of the hub. */
const MAX_SUBSCRIPTIONS = 200;

/** File descriptors the hub may hold above its baseline once everything is gone. */
const FD_MARGIN = 20;
/** RSS growth of the hub allowed over a scenario. */
const RSS_GROWTH_LIMIT = 150 * MIB;
/** How long counts may take to settle once clients are gone (a paused reader's close takes a grace period). */
const SETTLE_MS = 45_000;

const CHURN_CONNECTIONS = 10_000;
const CHURN_WARMUP = 300;
const CHURN_CONCURRENCY = 100;
/** Messages in the topic that some churn connections replay from the start, then drop mid-replay. */
const CHURN_HISTORY = 400;

const SLOW_READERS = 20;
/** Data of each busy-topic message: about 2 KiB of JSON. */
const SLOW_DATA_BYTES = 2000;
/** Messages per publish batch: the honest reader never has more than one batch (~50 KB, under 64 KiB) unread. */
const SLOW_BATCH = 25;
/** File descriptors allowed above baseline plus the honest reader and publisher while the paused readers are still paused. */
const PAUSED_FD_SLACK = 4;
/** Cap on messages published to trip the paused readers: kernel socket buffers (a few MiB each) must fill first. */
const SLOW_MAX_MESSAGES = 12_000;

const FLOOD_CONNECTIONS = 50;
const FLOOD_WAVE = 10;
const FLOOD_WILDCARDS = 5;
const FLOOD_EXACT = MAX_SUBSCRIPTIONS - FLOOD_WILDCARDS;
/** Exact topics every flood connection shares; the rest are its own. */
const FLOOD_SHARED = 100;
const FLOOD_ROUNDS = 4;
const FLOOD_CHURN_PER_ROUND = 40;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** GET over a fresh connection (agent: false, Connection: close), so no pooled socket stays open on the hub. */
function getText(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.setTimeout(10_000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

/** `name{labels}` → value, from the Prometheus text format. */
function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m) out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}

interface Sample {
  fds: number;
  rssBytes: number;
  connections: number;
  exact: number;
  wildcard: number;
  slowCloses: number;
  heapUsed: number;
  /** Topics the store holds. */
  topics: number;
}

/** What the hub child holds now: fds and RSS from /proc, the rest from /metrics. */
async function sample(hub: HubProcess, transport: Transport): Promise<Sample> {
  const pid = hub.child.pid;
  assert.ok(pid, 'the hub child has a pid');
  let got: { status: number; text: string };
  try {
    got = await getText(`${hub.httpUrl}/metrics`);
  } catch (error) {
    const state = hub.child.exitCode !== null || hub.child.signalCode !== null
      ? `the hub exited (code ${hub.child.exitCode}, signal ${hub.child.signalCode})` : 'the hub is running';
    throw new Error(`GET /metrics failed (${(error as Error).message}); ${state}; its last lines:\n${hub.lines.slice(-20).join('\n')}`);
  }
  const { status, text } = got;
  assert.equal(status, 200, text);
  // Read /proc after the scrape: its own socket is closed (or closing) by then, not counted twice.
  const fds = readdirSync(`/proc/${pid}/fd`).length;
  const rss = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(rss, 'VmRSS in /proc/<pid>/status');
  const m = parseMetrics(text);
  const get = (key: string): number => {
    const v = m.get(key);
    assert.ok(v !== undefined, `no sample ${key} in /metrics`);
    return v;
  };
  return {
    fds,
    rssBytes: Number(rss[1]) * 1024,
    connections: get(`tidings_connections{transport="${transport}"}`),
    exact: get('tidings_subscriptions{kind="exact"}'),
    wildcard: get('tidings_subscriptions{kind="wildcard"}'),
    slowCloses: get('tidings_slow_consumer_closes_total'),
    heapUsed: get('tidings_nodejs_heap_size_used_bytes'),
    topics: get('tidings_retained_topics'),
  };
}

/** Samples until `ok` holds; fails after `timeoutMs` with the last sample. */
async function settle(hub: HubProcess, transport: Transport, ok: (s: Sample) => boolean, what: string, timeoutMs = SETTLE_MS): Promise<{ s: Sample; ms: number }> {
  const started = Date.now();
  for (;;) {
    const s = await sample(hub, transport);
    if (ok(s)) return { s, ms: Date.now() - started };
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last sample: ${JSON.stringify(s)}`);
    await sleep(100);
  }
}

const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;

function report(transport: Transport, scenario: string, rows: Record<string, string | number>): void {
  const width = Math.max(...Object.keys(rows).map((k) => k.length));
  const lines = Object.entries(rows).map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  console.log(`[leaks ${transport}] ${scenario}\n${lines.join('\n')}`);
}

function beforeAfter(a: Sample, b: Sample): Record<string, string> {
  return {
    'fds': `${a.fds} -> ${b.fds} (${b.fds - a.fds >= 0 ? '+' : ''}${b.fds - a.fds})`,
    'VmRSS': `${mib(a.rssBytes)} -> ${mib(b.rssBytes)} (${b.rssBytes >= a.rssBytes ? '+' : ''}${mib(b.rssBytes - a.rssBytes)})`,
    'heap used': `${mib(a.heapUsed)} -> ${mib(b.heapUsed)}`,
    'connections gauge': `${a.connections} -> ${b.connections}`,
    'subscriptions gauge (exact/wildcard)': `${a.exact}/${a.wildcard} -> ${b.exact}/${b.wildcard}`,
    'topics held by the store': `${a.topics} -> ${b.topics}`,
  };
}

function assertBack(base: Sample, end: Sample, extraConnections = 0): void {
  assert.equal(end.connections, base.connections + extraConnections, 'connections gauge back to baseline');
  assert.equal(end.exact, base.exact, 'exact subscriptions gauge back to baseline');
  assert.equal(end.wildcard, base.wildcard, 'wildcard subscriptions gauge back to baseline');
  assert.ok(end.fds <= base.fds + FD_MARGIN, `fds back within ${FD_MARGIN} of baseline: ${base.fds} -> ${end.fds}`);
  assert.ok(end.rssBytes - base.rssBytes < RSS_GROWTH_LIMIT, `RSS growth under ${mib(RSS_GROWTH_LIMIT)}: ${mib(base.rssBytes)} -> ${mib(end.rssBytes)}`);
}

/** Runs `job(0..count-1)` with at most `concurrency` at a time. */
async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

function errorCode(reply: Frame): string | undefined {
  return (reply.error as { code?: string } | undefined)?.code;
}

/** Requests and asserts success. */
async function ok(c: RawClient, frame: Record<string, unknown>, timeoutMs = 20_000): Promise<Frame> {
  const reply = await c.request(frame, timeoutMs);
  assert.equal(reply.error, undefined, `${JSON.stringify(frame)} -> ${JSON.stringify(reply)}`);
  return reply;
}

type ChurnMode = 'close' | 'terminate' | 'drop-in-flight' | 'drop-mid-replay';
const CHURN_MODES: readonly ChurnMode[] = ['close', 'terminate', 'drop-in-flight', 'drop-mid-replay'];

/**
 * One connection's life: hello and a subscribe, then gone. `close`: a clean close
 * handshake; `terminate`: the TCP socket destroyed without a close frame;
 * `drop-in-flight`: hello and subscribe sent, socket destroyed before any reply;
 * `drop-mid-replay`: subscribe from the start of a topic with history, destroyed
 * once replied (the replay is still running). Every tenth also holds a wildcard.
 */
async function churnOnce(url: string, i: number, modes: Record<ChurnMode, number>): Promise<void> {
  const mode = CHURN_MODES[i % CHURN_MODES.length] as ChurnMode;
  const topic = `churn.t${i % 64}`;
  const c = await RawClient.connect(url, 20_000);
  if (mode === 'drop-in-flight') {
    c.send({ op: 'hello', id: 1, protocol: 1 });
    c.send({ op: 'subscribe', id: 2, topic });
    c.terminate();
  } else {
    const hello = await ok(c, { op: 'hello', protocol: 1, client: 'leaks-test/1' });
    assert.equal(typeof hello.session, 'string');
    if (mode === 'drop-mid-replay') await ok(c, { op: 'subscribe', topic: 'churn.history', from: { earliest: true } });
    else await ok(c, { op: 'subscribe', topic });
    if (i % 10 === 1) await ok(c, { op: 'subscribe', topic: 'churn.*' });
    if (mode === 'close') c.close();
    else c.terminate();
  }
  await within(c.closed, 20_000, `connection ${i} (${mode}) to close`);
  modes[mode]++;
}

for (const transport of TRANSPORTS) {
  describe(`no leaks over ${transport}`, () => {
    let hub: HubProcess;
    const clients: RawClient[] = [];

    before(async () => {
      hub = await startHub({
        transport,
        args: ['--no-demo', '--max-buffered', MAX_BUFFERED, '--max-subscriptions', String(MAX_SUBSCRIPTIONS)],
      });
    });
    after(async () => {
      for (const c of clients) c.terminate();
      await hub.stop();
      removeDir(hub.dataDir);
    });

    const connect = async (): Promise<RawClient> => {
      const c = await RawClient.connect(hub.url);
      clients.push(c);
      return c;
    };

    it(`gives back fds, memory and subscriptions after ${CHURN_CONNECTIONS} connections open and go`, async () => {
      const start = await sample(hub, transport);
      // History for the connections that drop mid-replay.
      const seed = await connect();
      await Promise.all(range(1, CHURN_HISTORY).map((i) => ok(seed, { op: 'publish', topic: 'churn.history', data: { i, pad: 'h'.repeat(200) } })));
      seed.close();
      await seed.closed;

      const noModes = (): Record<ChurnMode, number> => ({ 'close': 0, 'terminate': 0, 'drop-in-flight': 0, 'drop-mid-replay': 0 });
      // A warm-up, so what the hub makes once (store readers, buffers, JIT) is in the baseline.
      await pool(CHURN_WARMUP, CHURN_CONCURRENCY, (i) => churnOnce(hub.url, i, noModes()));
      const modes = noModes();
      const { s: base } = await settle(hub, transport, (s) => s.connections === start.connections, 'warm-up connections to go');

      // Live traffic during the churn, so closing connections also have frames queued for them.
      const publisher = await connect();
      let publishing = true;
      let published = 0;
      const publishLoop = (async () => {
        while (publishing) {
          await ok(publisher, { op: 'publish', topic: `churn.t${published % 64}`, data: { n: published } });
          published++;
          await sleep(2);
        }
      })();

      // Peaks while churning, sampled once a second.
      const peak = { fds: base.fds, rssBytes: base.rssBytes, connections: 0 };
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const s = await sample(hub, transport);
          peak.fds = Math.max(peak.fds, s.fds);
          peak.rssBytes = Math.max(peak.rssBytes, s.rssBytes);
          peak.connections = Math.max(peak.connections, s.connections);
          await sleep(1000);
        }
      })();

      const failures: string[] = [];
      const started = Date.now();
      let done = 0;
      await pool(CHURN_CONNECTIONS, CHURN_CONCURRENCY, async (i) => {
        try {
          await churnOnce(hub.url, CHURN_WARMUP + i, modes);
        } catch (error) {
          failures.push(`#${i}: ${(error as Error).message}`);
        }
        done++;
      });
      const churnMs = Date.now() - started;
      publishing = false;
      sampling = false;
      await Promise.all([publishLoop, sampler]);
      publisher.close();
      await publisher.closed;

      const { s: end, ms: settleMs } = await settle(
        hub, transport,
        (s) => s.connections === base.connections && s.exact === base.exact && s.wildcard === base.wildcard && s.fds <= base.fds + FD_MARGIN,
        'the churned connections to be released',
      ).catch(async (error: unknown) => {
        report(transport, 'connection churn (did not settle)', beforeAfter(base, await sample(hub, transport)));
        throw error;
      });
      report(transport, `connection churn: ${done} connections, ${CHURN_CONCURRENCY} at a time`, {
        'hub at start': `${start.fds} fds, ${mib(start.rssBytes)}`,
        ...beforeAfter(base, end),
        'peak while churning': `${peak.fds} fds, ${mib(peak.rssBytes)}, ${peak.connections} connections`,
        'modes': Object.entries(modes).map(([k, v]) => `${k} ${v}`).join(', '),
        'failures': failures.length,
        'live publishes meanwhile': published,
        'churn took': `${churnMs} ms (${Math.round(done / (churnMs / 1000))} connections/s)`,
        'settled in': `${settleMs} ms`,
      });
      assert.deepEqual(failures.slice(0, 5), [], `${failures.length} churn connections failed`);
      assertBack(base, end);
    });

    it(`closes ${SLOW_READERS} paused readers as slow consumers, keeps an honest reader whole, and frees them`, async () => {
      const base = await sample(hub, transport);
      const topic = 'slow.busy';
      const honest = await connect();
      await ok(honest, { op: 'subscribe', topic });
      const slow: RawClient[] = [];
      for (let i = 0; i < SLOW_READERS; i++) {
        const c = await connect();
        await ok(c, { op: 'subscribe', topic });
        c.pause();
        slow.push(c);
      }
      const publisher = await connect();
      const pad = 'x'.repeat(SLOW_DATA_BYTES);
      const started = Date.now();
      let sent = 0;
      let tripped = false;
      let peakRss = base.rssBytes;
      // Publish in batches until the hub closed every paused reader (or the cap): the
      // kernel's socket buffers take the first few MiB each before the hub sees backpressure.
      while (sent < SLOW_MAX_MESSAGES) {
        const batch = range(sent + 1, sent + SLOW_BATCH);
        const replies = await Promise.all(batch.map((i) => ok(publisher, { op: 'publish', topic, data: { i, pad } })));
        assert.deepEqual(replies.map((r) => r.offset), batch);
        sent += SLOW_BATCH;
        // The honest reader keeps up: it has the batch before the next one is sent.
        await honest.waitForMessages(topic, sent, 20_000);
        if (sent % (SLOW_BATCH * 8) === 0) {
          const s = await sample(hub, transport);
          peakRss = Math.max(peakRss, s.rssBytes);
          if (s.slowCloses - base.slowCloses >= SLOW_READERS) {
            tripped = true;
            break;
          }
        }
      }
      // One more batch once they are gone: the topic still delivers.
      const last = range(sent + 1, sent + SLOW_BATCH);
      await Promise.all(last.map((i) => ok(publisher, { op: 'publish', topic, data: { i, pad } })));
      sent += SLOW_BATCH;
      const publishMs = Date.now() - started;
      const got = await honest.waitForMessages(topic, sent, 20_000);
      const tripSample = await sample(hub, transport);
      const trippedAt = Date.now();
      assert.ok(tripped, `every paused reader closed as a slow consumer within ${SLOW_MAX_MESSAGES} messages: ${tripSample.slowCloses - base.slowCloses} of ${SLOW_READERS}`);
      assert.equal(tripSample.slowCloses - base.slowCloses, SLOW_READERS, 'only the paused readers were closed as slow consumers');
      assert.deepEqual(offsetsOf(got), range(1, sent), 'the honest reader got every message, in order');
      assert.ok(got.every((m, k) => (m.data as { i: number }).i === k + 1), 'the honest reader got every message intact');
      assert.equal(honest.ws.readyState, honest.ws.OPEN, 'the honest reader is still open');

      // Hub side, with the paused readers still paused: their sessions, subscriptions and sockets go
      // (the hub's close grace period, or the engine's own timeout, cuts a reader that never reads).
      const { s: cut, ms: cutMs } = await settle(
        hub, transport,
        // Tighter than FD_MARGIN, which is as large as the paused readers' count: each must give back its socket.
        (s) => s.connections === base.connections + 2 && s.exact === base.exact + 1 && s.fds <= base.fds + 2 + PAUSED_FD_SLACK,
        'the paused readers to be released by the hub',
      ).then(({ s }) => ({ s, ms: Date.now() - trippedAt })).catch(async (error: unknown) => {
        report(transport, 'slow readers (did not settle)', beforeAfter(base, await sample(hub, transport)));
        throw error;
      });

      // What the paused readers see once they read again: the 4009 close, or a cut connection (1006).
      for (const c of slow) c.resume();
      const codes = await Promise.all(slow.map((c) => within(c.closed, 20_000, 'a paused reader to see its close').then((x) => x.code)));
      const seen = new Map<number, number>();
      for (const code of codes) seen.set(code, (seen.get(code) ?? 0) + 1);
      const slowGot = slow.map((c) => c.messages(topic).length);

      honest.close();
      publisher.close();
      await Promise.all([honest.closed, publisher.closed]);
      const { s: end, ms: settleMs } = await settle(
        hub, transport,
        (s) => s.connections === base.connections && s.exact === base.exact && s.fds <= base.fds + FD_MARGIN,
        'every slow-reader test connection to be released',
      );
      report(transport, `slow readers: ${SLOW_READERS} paused readers, max-buffered ${MAX_BUFFERED}`, {
        ...beforeAfter(base, end),
        'published': `${sent} messages of ~${SLOW_DATA_BYTES} B in ${publishMs} ms`,
        'slow-consumer closes': tripSample.slowCloses - base.slowCloses,
        'peak VmRSS while publishing': mib(Math.max(peakRss, tripSample.rssBytes)),
        'hub released paused readers (still paused)': `${cutMs} ms after the last publish (fds ${cut.fds}, connections ${cut.connections})`,
        'paused readers saw close codes': [...seen].map(([code, n]) => `${code} x${n}`).join(', '),
        'messages a paused reader got before the cut': `${Math.min(...slowGot)}..${Math.max(...slowGot)}`,
        'honest reader': `${got.length} messages, offsets 1..${sent} in order`,
        'settled in': `${settleMs} ms`,
      });
      for (const code of codes) assert.ok(code === 4009 || code === 1006, `a paused reader closed with 4009 or cut (1006), not ${code}`);
      for (const c of slow) assert.deepEqual(offsetsOf(c.messages(topic)), range(1, c.messages(topic).length), 'a paused reader got a gapless prefix');
      assertBack(base, end);
      assert.ok(Math.max(peakRss, tripSample.rssBytes) - base.rssBytes < RSS_GROWTH_LIMIT, 'RSS bounded while publishing');
    });

    it(`gives back ${FLOOD_CONNECTIONS} x ${MAX_SUBSCRIPTIONS} subscriptions, exact and wildcard, after floods and resubscribe loops`, async () => {
      const base = await sample(hub, transport);
      const publisher = await connect();
      const started = Date.now();
      let peakRss = base.rssBytes;
      let refused = 0;
      let resubscribes = 0;
      const topicsOf = (c: number): string[] => [
        ...range(0, FLOOD_SHARED - 1).map((i) => `flood.s${i}`),
        ...range(0, FLOOD_EXACT - FLOOD_SHARED - 1).map((i) => `flood.c${c}.u${i}`),
      ];
      const wildcardsOf = (c: number): string[] => ['flood.*.x', `flood.c${c}.>`, `flood.*.u${c % 10}`, `flood.w${c}.*`, 'flood.*.*.z'];
      const expectRefused = async (c: RawClient, topic: string): Promise<void> => {
        const reply = await c.request({ op: 'subscribe', topic }, 20_000);
        assert.equal(errorCode(reply), 'too_many_subscriptions', `subscription ${MAX_SUBSCRIPTIONS + 1} (${topic}): ${JSON.stringify(reply)}`);
        refused++;
      };
      /** A message to flood.s1.x matches only `flood.*.x`: each connection gets it once. */
      let probe = 0;
      const probeDelivery = async (wave: RawClient[]): Promise<void> => {
        probe++;
        const { offset } = await ok(publisher, { op: 'publish', topic: 'flood.s1.x', data: { probe } });
        for (const c of wave) {
          await c.waitUntil(() => c.messages('flood.s1.x').find((m) => m.offset === offset), `probe ${offset}`, 20_000);
          assert.equal(c.messages('flood.s1.x').filter((m) => m.offset === offset).length, 1, 'a wildcard match delivered once');
        }
      };

      for (let w = 0; w < FLOOD_CONNECTIONS / FLOOD_WAVE; w++) {
        const ids = range(w * FLOOD_WAVE, (w + 1) * FLOOD_WAVE - 1);
        const wave = await Promise.all(ids.map(() => RawClient.connect(hub.url, 20_000)));
        // Subscribe to as many as allowed, all requests in flight at once, then one more of each kind.
        await Promise.all(wave.map(async (c, k) => {
          const id = ids[k] as number;
          await ok(c, { op: 'hello', protocol: 1 });
          await Promise.all([...topicsOf(id), ...wildcardsOf(id)].map((topic) => ok(c, { op: 'subscribe', topic })));
          await expectRefused(c, `flood.extra.c${id}`);
          await expectRefused(c, `flood.extra.c${id}.*`);
        }));
        const full = await sample(hub, transport);
        peakRss = Math.max(peakRss, full.rssBytes);
        assert.equal(full.connections, base.connections + 1 + FLOOD_WAVE, 'connections while a wave is subscribed');
        assert.equal(full.exact, base.exact + FLOOD_WAVE * FLOOD_EXACT, 'exact subscriptions while a wave is subscribed');
        assert.equal(full.wildcard, base.wildcard + FLOOD_WAVE * FLOOD_WILDCARDS, 'wildcard subscriptions while a wave is subscribed');
        await probeDelivery(wave);

        // Unsubscribe and resubscribe a slice (wildcards included), then hit the limit again.
        await Promise.all(wave.map(async (c, k) => {
          const id = ids[k] as number;
          const all = [...topicsOf(id), ...wildcardsOf(id)];
          for (let round = 0; round < FLOOD_ROUNDS; round++) {
            const slice = [...all.slice(round * 35, round * 35 + FLOOD_CHURN_PER_ROUND - FLOOD_WILDCARDS), ...wildcardsOf(id)];
            await Promise.all(slice.map((topic) => ok(c, { op: 'unsubscribe', topic })));
            await Promise.all(slice.map((topic) => ok(c, { op: 'subscribe', topic })));
            resubscribes += slice.length;
            await expectRefused(c, `flood.extra.c${id}.r${round}`);
          }
        }));
        const again = await sample(hub, transport);
        assert.equal(again.exact, full.exact, 'exact subscriptions after the resubscribe loops');
        assert.equal(again.wildcard, full.wildcard, 'wildcard subscriptions after the resubscribe loops');
        await probeDelivery(wave);

        // Half leave with a close handshake, half just drop the socket.
        wave.forEach((c, k) => (k % 2 === 0 ? c.close() : c.terminate()));
        await within(Promise.all(wave.map((c) => c.closed)), 20_000, 'a flood wave to close');
      }
      const floodMs = Date.now() - started;
      publisher.close();
      await publisher.closed;
      const { s: end, ms: settleMs } = await settle(
        hub, transport,
        (s) => s.connections === base.connections && s.exact === base.exact && s.wildcard === base.wildcard && s.fds <= base.fds + FD_MARGIN,
        'the flood connections to be released',
      ).catch(async (error: unknown) => {
        report(transport, 'subscription floods (did not settle)', beforeAfter(base, await sample(hub, transport)));
        throw error;
      });
      report(transport, `subscription floods: ${FLOOD_CONNECTIONS} connections x ${MAX_SUBSCRIPTIONS} (${FLOOD_EXACT} exact + ${FLOOD_WILDCARDS} wildcard), ${FLOOD_WAVE} at a time`, {
        ...beforeAfter(base, end),
        'peak VmRSS': mib(peakRss),
        'too_many_subscriptions refusals': refused,
        'unsubscribe/resubscribe pairs': resubscribes,
        'floods took': `${floodMs} ms`,
        'settled in': `${settleMs} ms`,
      });
      assert.equal(refused, FLOOD_CONNECTIONS * (2 + FLOOD_ROUNDS));
      assertBack(base, end);
      // Thousands of names were only subscribed to; the store keeps none of them, only the probe's topic, which has messages.
      assert.ok(end.topics <= base.topics + 1, `topics only subscribed to are not kept: ${base.topics} -> ${end.topics}`);
      assert.ok(peakRss - base.rssBytes < RSS_GROWTH_LIMIT, 'RSS bounded during the floods');
    });
  });
}
