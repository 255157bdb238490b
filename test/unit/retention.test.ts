/**
 * Retention by count, bytes and age (PROTOCOL.md §5) as MemoryLogStore applies
 * it, in process, with controlled `time` values and the sweep run by hand
 * (the store is never opened, so no timer runs). Policies come from the real
 * resolver (server/topic-policies.ts): the first matching rule wins.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { settingsSchema } from '../../server/config.js';
import { MemoryLogStore } from '../../server/store/memory-log-store.js';
import type { PolicyResolver, TopicBounds } from '../../server/store/log-store.js';
import { createPolicyResolver } from '../../server/topic-policies.js';

const T0 = 1_763_800_000_000;
const MINUTE = 60_000;

function resolver(topics: unknown[] = []): PolicyResolver {
  return createPolicyResolver(settingsSchema.parse({ storage: 'memory', maxMessages: 5, maxBytes: 1000, maxAge: '1h', topics }));
}

function storeWith(policyFor: PolicyResolver, dedupeWindowMs = 2 * MINUTE): MemoryLogStore {
  return new MemoryLogStore({ policyFor, dedupeWindowMs });
}

/** Appends `n` messages of `bytes` each ("x" padded JSON strings), `time` T0 + i minutes. */
async function fill(store: MemoryLogStore, topic: string, n: number, bytes = 10, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) {
    const data = JSON.stringify(`${i}`.padEnd(bytes - 2, 'x'));
    assert.equal(Buffer.byteLength(data), bytes);
    await store.append(topic, { data, bytes, time: T0 + i * MINUTE });
  }
}

const range = (b: TopicBounds | undefined): [number, number] | undefined => b && [b.earliest, b.head];

async function offsets(store: MemoryLogStore, topic: string): Promise<number[]> {
  return (await store.read(topic, 0, 10_000)).map((m) => m.offset);
}

describe('retention: which policy applies', () => {
  it('uses the first matching rule, filling what it leaves out from the defaults', () => {
    const policyFor = resolver([{ pattern: 'chat.*', maxMessages: 2 }, { pattern: 'chat.>', maxMessages: 3, maxAge: '1m' }]);
    assert.deepEqual(policyFor('chat.a'), { storage: 'memory', fsync: 'interval', maxMessages: 2, maxBytes: 1000, maxAgeMs: 3_600_000 });
    assert.deepEqual(policyFor('chat.a.b'), { storage: 'memory', fsync: 'interval', maxMessages: 3, maxBytes: 1000, maxAgeMs: MINUTE });
    assert.deepEqual(policyFor('news'), { storage: 'memory', fsync: 'interval', maxMessages: 5, maxBytes: 1000, maxAgeMs: 3_600_000 });
    assert.equal(policyFor('chat.a'), policyFor('chat.a'), 'cached');
  });
});

describe('retention: count', () => {
  it('keeps the newest maxMessages, dropping the oldest as each append passes it', async () => {
    const store = storeWith(resolver());
    await fill(store, 'c', 5);
    assert.deepEqual(range(store.bounds('c')), [1, 5], 'exactly maxMessages stay');
    await fill(store, 'c', 1, 10, 6);
    assert.deepEqual(range(store.bounds('c')), [2, 6]);
    await fill(store, 'c', 6, 10, 7);
    assert.deepEqual(range(store.bounds('c')), [8, 12]);
    assert.deepEqual(await offsets(store, 'c'), [8, 9, 10, 11, 12]);
    assert.deepEqual(store.list('c', 1)[0]?.bytes, 50);
  });

  it('applies each topic its own rule', async () => {
    const store = storeWith(resolver([{ pattern: 'small.>', maxMessages: 1 }]));
    await fill(store, 'small.a', 4);
    await fill(store, 'big', 4);
    assert.deepEqual(range(store.bounds('small.a')), [4, 4]);
    assert.deepEqual(range(store.bounds('big')), [1, 4]);
  });

  it('reads the right data after many drops (compacted slots)', async () => {
    const store = storeWith(resolver([{ pattern: 'many', maxMessages: 3 }]));
    for (let i = 1; i <= 3000; i++) {
      await fill(store, 'many', 1, 12, i);
      const want = Math.max(1, i - 2);
      assert.deepEqual(range(store.bounds('many')), [want, i], `after append ${i}`);
      assert.equal(JSON.parse((await store.read('many', 0, 1))[0]?.data ?? 'null'), `${want}`.padEnd(10, 'x'), `after append ${i}`);
    }
    const page = await store.read('many', 0, 10);
    assert.deepEqual(page.map((m) => [m.offset, JSON.parse(m.data), m.time]), [
      [2998, '2998xxxxxx', T0 + 2998 * MINUTE], [2999, '2999xxxxxx', T0 + 2999 * MINUTE], [3000, '3000xxxxxx', T0 + 3000 * MINUTE],
    ]);
    assert.deepEqual((await store.read('many', 2998, 10)).map((m) => m.offset), [2999, 3000]);
  });
});

describe('retention: bytes', () => {
  it('keeps data up to exactly maxBytes and drops the oldest past it', async () => {
    const store = storeWith(resolver([{ pattern: 'b', maxMessages: 100, maxBytes: 30 }]));
    await fill(store, 'b', 3);
    assert.deepEqual(range(store.bounds('b')), [1, 3], '30 bytes of 30');
    await fill(store, 'b', 1, 11, 4);
    assert.deepEqual(range(store.bounds('b')), [3, 4], '21 bytes; 31 was one over');
    assert.equal(store.list('b', 1)[0]?.bytes, 21);
  });

  it('always keeps the newest message, even alone over maxBytes', async () => {
    const store = storeWith(resolver([{ pattern: 'b', maxMessages: 100, maxBytes: 30 }]));
    await fill(store, 'b', 2);
    await fill(store, 'b', 1, 100, 3);
    assert.deepEqual(await offsets(store, 'b'), [3]);
    assert.equal(store.list('b', 1)[0]?.bytes, 100);
    await fill(store, 'b', 1, 10, 4);
    assert.deepEqual(await offsets(store, 'b'), [4]);
  });
});

describe('retention: age', () => {
  it('drops messages exactly maxAge old or older when the sweep runs, and nothing before it', async () => {
    const store = storeWith(resolver([{ pattern: 'a', maxMessages: 100, maxAge: '10m' }]));
    await fill(store, 'a', 5); // times T0 + 1..5 minutes
    store.sweepNow(T0 + 12 * MINUTE - 1);
    assert.deepEqual(range(store.bounds('a')), [2, 5], 'only the oldest is past 10m; the next is 1 ms short of it');
    store.sweepNow(T0 + 13 * MINUTE);
    assert.deepEqual(range(store.bounds('a')), [4, 5], 'the 3-minute one is exactly 10m old: it goes');
  });

  it('empties a topic wholly: earliest = head + 1, and the next append takes head + 1', async () => {
    const store = storeWith(resolver([{ pattern: 'a', maxAge: '10m' }]));
    await fill(store, 'a', 3);
    store.sweepNow(T0 + 60 * MINUTE);
    assert.deepEqual(range(store.bounds('a')), [4, 3]);
    assert.deepEqual(await offsets(store, 'a'), []);
    assert.equal(store.list('a', 1)[0]?.bytes, 0);
    assert.equal((await store.append('a', { data: '1', bytes: 1, time: T0 + 60 * MINUTE })).offset, 4);
    assert.deepEqual(range(store.bounds('a')), [4, 4]);
  });

  it('sweeps each topic by its own maxAge and keeps the epoch', async () => {
    const store = storeWith(resolver([{ pattern: 'short', maxAge: '1m' }]));
    await fill(store, 'short', 2);
    await fill(store, 'long', 2);
    const epoch = store.bounds('short')?.epoch;
    store.sweepNow(T0 + 10 * MINUTE);
    assert.deepEqual(range(store.bounds('short')), [3, 2]);
    assert.deepEqual(range(store.bounds('long')), [1, 2]);
    assert.equal(store.bounds('short')?.epoch, epoch);
  });
});

describe('retention and idempotency keys', () => {
  it('answers a repeated key with its first offset even after retention dropped that message', async () => {
    const store = storeWith(resolver([{ pattern: 'k', maxMessages: 1 }]));
    assert.deepEqual(await store.append('k', { data: '1', bytes: 1, time: T0, key: 'x' }), { offset: 1, epoch: store.bounds('k')?.epoch, duplicate: false });
    await store.append('k', { data: '2', bytes: 1, time: T0 + 1 });
    const again = await store.append('k', { data: '1', bytes: 1, time: T0 + 2, key: 'x' });
    assert.deepEqual([again.offset, again.duplicate], [1, true]);
    assert.deepEqual(range(store.bounds('k')), [2, 2]);
  });

  it('appends a repeated key anew once the window has passed', async () => {
    const store = storeWith(resolver(), MINUTE);
    await store.append('k', { data: '1', bytes: 1, time: T0, key: 'x' });
    const inside = await store.append('k', { data: '1', bytes: 1, time: T0 + MINUTE - 1, key: 'x' });
    const after = await store.append('k', { data: '1', bytes: 1, time: T0 + MINUTE, key: 'x' });
    assert.deepEqual([inside.offset, inside.duplicate, after.offset, after.duplicate], [1, true, 2, false]);
  });
});
