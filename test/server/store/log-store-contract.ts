/** One contract, every LogStore implementation (STYLE.md §6). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppendInput, LogStore, TopicPolicy } from '../../../server/store/log-store.js';

export interface StoreFixture {
  store: LogStore;
  /** Runs the age sweep as of `now`, or waits for the store's own sweep. */
  sweep(now: number): Promise<void>;
  close(): Promise<void>;
}

export type StoreFactory = (policy: (topic: string) => TopicPolicy) => Promise<StoreFixture>;

export const OPEN_POLICY: TopicPolicy = {
  storage: 'disk', fsync: 'interval', maxMessages: 1_000_000, maxBytes: 1e12, maxAgeMs: 1e12,
};

export function input(data: unknown, extra: Partial<AppendInput> = {}): AppendInput {
  const text = JSON.stringify(data);
  return { data: text, bytes: Buffer.byteLength(text), time: Date.now(), ...extra };
}

async function withStore(factory: StoreFactory, policy: Partial<TopicPolicy>, body: (f: StoreFixture) => Promise<void>): Promise<void> {
  const f = await factory(() => ({ ...OPEN_POLICY, ...policy }));
  try {
    await body(f);
  } finally {
    await f.close();
  }
}

export function runLogStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name} (LogStore contract)`, () => {
    it('creates a topic on touch with an epoch, head 0 and earliest 1, and keeps that epoch', () => withStore(factory, {}, async ({ store }) => {
      assert.equal(store.bounds('c.new'), undefined);
      const first = await store.touch('c.new');
      assert.ok(first.epoch.length > 0);
      assert.deepEqual([first.head, first.earliest], [0, 1]);
      assert.deepEqual(await store.touch('c.new'), first);
      assert.equal((await store.append('c.new', input(1))).epoch, first.epoch);
    }));

    it('gives each topic contiguous offsets in call order, however many appends are in flight', () => withStore(factory, {}, async ({ store }) => {
      const pending = [];
      for (let i = 0; i < 10_000; i++) pending.push(store.append(`c.many.${i % 10}`, input({ i })));
      const results = await Promise.all(pending);
      for (let t = 0; t < 10; t++) {
        const offsets = results.filter((_, i) => i % 10 === t).map((r) => r.offset);
        assert.deepEqual(offsets, Array.from({ length: 1000 }, (_, k) => k + 1));
      }
      const page = await store.read('c.many.3', 0, 5);
      assert.deepEqual(page.map((m) => JSON.parse(m.data)), [{ i: 3 }, { i: 13 }, { i: 23 }, { i: 33 }, { i: 43 }]);
    }));

    it('reads messages after an offset, oldest first, with their time and data text, at most limit', () => withStore(factory, {}, async ({ store }) => {
      for (let i = 1; i <= 10; i++) await store.append('c.read', { data: `{"n":${i}}`, bytes: 8, time: 1000 + i });
      const page = await store.read('c.read', 4, 3);
      assert.deepEqual(page, [
        { offset: 5, time: 1005, data: '{"n":5}' },
        { offset: 6, time: 1006, data: '{"n":6}' },
        { offset: 7, time: 1007, data: '{"n":7}' },
      ]);
      assert.deepEqual((await store.read('c.read', 10, 5)), []);
      assert.deepEqual((await store.read('c.unknown', 0, 5)), []);
    }));

    it('keeps at most maxMessages, dropping the oldest', () => withStore(factory, { maxMessages: 5 }, async ({ store }) => {
      for (let i = 1; i <= 12; i++) await store.append('c.count', input(i));
      assert.deepEqual({ ...store.bounds('c.count'), epoch: '' }, { epoch: '', earliest: 8, head: 12 });
      assert.deepEqual((await store.read('c.count', 0, 100)).map((m) => m.offset), [8, 9, 10, 11, 12]);
    }));

    it('keeps at most maxBytes of data, but always the newest message', () => withStore(factory, { maxBytes: 25 }, async ({ store }) => {
      for (let i = 1; i <= 6; i++) await store.append('c.bytes', { data: '"' + 'x'.repeat(8) + '"', bytes: 10, time: Date.now() });
      assert.deepEqual((await store.read('c.bytes', 0, 100)).map((m) => m.offset), [5, 6]);
      await store.append('c.bytes', { data: '"' + 'y'.repeat(98) + '"', bytes: 100, time: Date.now() });
      assert.deepEqual((await store.read('c.bytes', 0, 100)).map((m) => m.offset), [7]);
    }));

    it('drops messages older than maxAge; an emptied topic has earliest = head + 1', () => withStore(factory, { maxAgeMs: 60_000 }, async (f) => {
      const now = Date.now();
      await f.store.append('c.age', input('old', { time: now - 120_000 }));
      await f.store.append('c.age', input('old', { time: now - 90_000 }));
      await f.store.append('c.age', input('new', { time: now }));
      await f.sweep(now);
      assert.deepEqual((await f.store.read('c.age', 0, 10)).map((m) => m.offset), [3]);
      await f.sweep(now + 61_000);
      const b = f.store.bounds('c.age');
      assert.deepEqual([b?.earliest, b?.head], [4, 3]);
      assert.equal((await f.store.append('c.age', input('next'))).offset, 4);
    }));

    it('stores a repeated key once, per topic, answering the first offset', () => withStore(factory, {}, async ({ store }) => {
      const a = await store.append('c.key', input(1, { key: 'k' }));
      const b = await store.append('c.key', input(2, { key: 'k' }));
      const other = await store.append('c.key2', input(3, { key: 'k' }));
      assert.deepEqual([a.offset, a.duplicate, b.offset, b.duplicate], [1, false, 1, true]);
      assert.deepEqual([other.offset, other.duplicate], [1, false]);
      assert.equal(store.bounds('c.key')?.head, 1);
      const same = await Promise.all([store.append('c.key3', input(1, { key: 'z' })), store.append('c.key3', input(2, { key: 'z' }))]);
      assert.deepEqual(same.map((r) => [r.offset, r.duplicate]), [[1, false], [1, true]]);
    }));

    it('lists topics by prefix in name order', () => withStore(factory, {}, async ({ store }) => {
      for (const t of ['l.b', 'l.a', 'm.a', 'l.c']) await store.append(t, input(1));
      assert.deepEqual(store.list('l.', 2).map((i) => i.topic), ['l.a', 'l.b']);
      assert.deepEqual(store.list('l.', 10).map((i) => [i.topic, i.head]), [['l.a', 1], ['l.b', 1], ['l.c', 1]]);
    }));
  });
}
