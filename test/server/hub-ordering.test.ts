/**
 * PROTOCOL.md §3, the per-connection rule, checked on raw frames over seeded
 * rounds: one connection holds a wildcard, then (in the same tick as publishes of
 * its own and of another connection) subscribes to one of the wildcard's topics
 * with a random `from`. On every round:
 * - before the subscribe's reply, the topic's frames have offsets at most `head`;
 * - after it, they are contiguous from the replay's start and none comes twice;
 * - a message published after the subscribe was read reaches the subscription,
 *   even a live one (`head` is the head when the subscribe was read);
 * - the wildcard's view (frames before the reply, then those above `head`) is
 *   every offset published after the wildcard's reply, once, in order.
 * TIDINGS_SEED=n replays a run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { removeDir, startHub, TRANSPORTS, type HubProcess } from '../helpers/hub-process.js';
import { RawClient, range, type Frame, type MessageFrame } from '../helpers/raw-client.js';
import { seeded } from '../helpers/seeded.js';

const ROUNDS = 30;
const seed = Number(process.env.TIDINGS_SEED ?? Date.now() % 1_000_000);

type From = undefined | { earliest: true } | { last: number } | { after: number };

function pickFrom(random: () => number, older: number): From {
  const r = random();
  if (r < 0.25) return undefined;
  if (r < 0.5) return { earliest: true };
  if (r < 0.75) return { last: 1 + Math.floor(random() * (older + 2)) };
  return { after: Math.floor(random() * (older + 1)) };
}

function replayStart(from: From, head: number): number {
  if (!from) return head + 1;
  if ('earliest' in from) return 1;
  if ('last' in from) return Math.max(1, head - from.last + 1);
  return from.after + 1;
}

for (const transport of TRANSPORTS) {
  for (const storage of ['memory', 'disk'] as const) {
    describe(`one connection's wildcard and exact subscription over ${transport}, ${storage} storage`, { timeout: 120_000 }, () => {
      let hub: HubProcess;
      before(async () => {
        hub = await startHub({ transport, args: ['--storage', storage] });
      });
      after(async () => {
        await hub.stop();
        removeDir(hub.dataDir);
      });

      it(`keeps the §3 rule over ${ROUNDS} seeded rounds (seed ${seed})`, async () => {
        const random = seeded(seed + (transport === 'ws' ? 1 : 0) + (storage === 'disk' ? 2 : 0));
        process.stdout.write(`# ${transport}/${storage}: seed ${seed}\n`);
        const publisher = await RawClient.connect(hub.url);
        let duplicatesBeforeReply = 0;
        for (let round = 0; round < ROUNDS; round++) {
          const topic = `ord${round}.a`;
          const older = Math.floor(random() * 5);
          for (let i = 1; i <= older; i++) await publisher.request({ op: 'publish', topic, data: i });
          const c = await RawClient.connect(hub.url);
          const wildcardReply = await c.request({ op: 'subscribe', topic: `ord${round}.>` });
          assert.equal(wildcardReply.error, undefined);
          const own = Math.floor(random() * 3);
          const others = Math.floor(random() * 4);
          const from = pickFrom(random, older);
          // Same tick: own publishes before and after the subscribe, and another connection's.
          const sends: Array<Promise<Frame>> = [];
          for (let i = 0; i < own; i++) sends.push(c.request({ op: 'publish', topic, data: `own${i}` }));
          const subscribed = c.request({ op: 'subscribe', topic, ...(from ? { from } : {}) });
          for (let i = 0; i < others; i++) sends.push(publisher.request({ op: 'publish', topic, data: `other${i}` }));
          sends.push(c.request({ op: 'publish', topic, data: 'after' }));
          const reply = await subscribed;
          const acks = await Promise.all(sends);
          const last = Math.max(...acks.map((a) => Number(a.offset)));
          assert.equal(last, older + own + others + 1, 'every publish stored once');
          await c.waitUntil(() => (c.messages(topic).some((m) => m.offset === last && c.frames.indexOf(m) > c.frames.indexOf(reply)) ? true : undefined), `offset ${last} after the reply`);
          await c.request({ op: 'ping' });
          const at = c.frames.indexOf(reply);
          const frames = c.frames.filter((f): f is MessageFrame => f.op === 'message' && f.topic === topic);
          const before = frames.filter((f) => c.frames.indexOf(f) < at).map((f) => f.offset);
          const afterReply = frames.filter((f) => c.frames.indexOf(f) > at).map((f) => f.offset);
          const head = Number(reply.head);
          const what = `round ${round} (from ${JSON.stringify(from)}, older ${older}, head ${head}): before ${JSON.stringify(before)}, after ${JSON.stringify(afterReply)}`;
          assert.ok(before.every((o) => o <= head), `before the reply, nothing above head: ${what}`);
          const start = replayStart(from, head);
          assert.deepEqual(afterReply, range(start, last), `after the reply, contiguous from ${start}: ${what}`);
          const wildcardView = [...before, ...afterReply.filter((o) => o > head)];
          assert.deepEqual(wildcardView, range(older + 1, last), `the wildcard's view: ${what}`);
          duplicatesBeforeReply += before.filter((o) => o >= start).length;
          c.terminate();
        }
        process.stdout.write(`# ${transport}/${storage}: ${ROUNDS} rounds, ${duplicatesBeforeReply} offsets sent before a reply and again by its replay\n`);
        publisher.terminate();
      });
    });
  }
}
