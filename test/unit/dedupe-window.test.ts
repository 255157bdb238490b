/**
 * Idempotency keys (server/store/dedupe-window.ts, PROTOCOL.md §3 publish `key`)
 * with explicit times: found with the first offset within the window, forgotten
 * after it, per topic, bounded in count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DedupeWindow, MAX_DEDUPE_KEYS } from '../../server/store/dedupe-window.js';

const WINDOW = 120_000;
const T0 = 1_763_800_000_000;

describe('DedupeWindow: lookups', () => {
  it('finds a key seen within the window, with its first offset', () => {
    const w = new DedupeWindow(WINDOW);
    w.set('chat.lobby', 'c1-000042', 58, T0);
    assert.equal(w.get('chat.lobby', 'c1-000042', T0), 58);
    assert.equal(w.get('chat.lobby', 'c1-000042', T0 + WINDOW - 1), 58);
  });

  it('forgets a key once windowMs have passed, before any expire runs', () => {
    const w = new DedupeWindow(WINDOW);
    w.set('chat.lobby', 'k', 58, T0);
    assert.equal(w.get('chat.lobby', 'k', T0 + WINDOW), undefined);
    assert.equal(w.size, 1, 'still held until expire');
  });

  it('does not know a key never set', () => {
    const w = new DedupeWindow(WINDOW);
    w.set('a', 'k', 1, T0);
    assert.equal(w.get('a', 'other', T0), undefined);
  });

  it('keeps the same key on different topics apart', () => {
    const w = new DedupeWindow(WINDOW);
    w.set('chat.a', 'k', 7, T0);
    w.set('chat.b', 'k', 3, T0);
    assert.equal(w.get('chat.a', 'k', T0), 7);
    assert.equal(w.get('chat.b', 'k', T0), 3);
    assert.equal(w.get('chat.c', 'k', T0), undefined);
  });

  it('does not confuse a topic and key that spell the same text when joined', () => {
    const w = new DedupeWindow(WINDOW);
    w.set('a.b', 'c', 1, T0);
    assert.equal(w.get('a', 'b.c', T0), undefined);
    assert.equal(w.get('a.bc', '', T0), undefined);
    assert.equal(w.get('a.b', 'c', T0), 1);
  });

  it('is case sensitive in keys', () => {
    const w = new DedupeWindow(WINDOW);
    w.set('a', 'Key', 1, T0);
    assert.equal(w.get('a', 'key', T0), undefined);
  });

  it('answers the newest offset and time after a key is set again, and forgets it on delete', () => {
    const w = new DedupeWindow(WINDOW);
    w.set('a', 'k', 1, T0);
    w.set('a', 'k', 9, T0 + WINDOW);
    assert.equal(w.get('a', 'k', T0 + WINDOW + 1), 9);
    assert.equal(w.size, 1);
    w.delete('a', 'k');
    assert.equal(w.get('a', 'k', T0 + WINDOW + 1), undefined);
    assert.equal(w.size, 0);
    w.delete('a', 'never');
  });
});

describe('DedupeWindow: expire', () => {
  it('removes the keys older than the window and counts them', () => {
    const w = new DedupeWindow(1000);
    for (let i = 0; i < 5; i++) w.set('t', `k${i}`, i + 1, T0 + i * 100);
    assert.equal(w.expire(T0 + 1000), 1, 'k0 is exactly windowMs old');
    assert.equal(w.expire(T0 + 1000), 0);
    assert.equal(w.expire(T0 + 1250), 2);
    assert.equal(w.size, 2);
    assert.deepEqual([w.get('t', 'k3', T0 + 1250), w.get('t', 'k4', T0 + 1250)], [4, 5]);
    assert.equal(w.expire(T0 + 1_000_000), 2);
    assert.equal(w.size, 0);
  });

  it('expires by the time a key was last set, not first set', () => {
    const w = new DedupeWindow(1000);
    w.set('t', 'a', 1, T0);
    w.set('t', 'b', 2, T0 + 100);
    w.set('t', 'a', 3, T0 + 1500); // a came back after its window
    assert.equal(w.expire(T0 + 1200), 1, 'b goes, the renewed a stays');
    assert.equal(w.get('t', 'a', T0 + 1200), 3);
    assert.equal(w.get('t', 'b', T0 + 1200), undefined);
  });

  it('stops at the first live key, so a key set with an earlier time (clock stepped back) waits behind it', () => {
    const w = new DedupeWindow(1000);
    w.set('t', 'late', 1, T0 + 500);
    w.set('t', 'early', 2, T0);
    assert.equal(w.expire(T0 + 1200), 0, 'late is live: the walk ends there');
    assert.equal(w.get('t', 'early', T0 + 1200), undefined, 'yet the window already refuses early');
    assert.equal(w.expire(T0 + 1500), 2);
  });

  it('expires across topics in time order', () => {
    const w = new DedupeWindow(1000);
    w.set('x', 'k', 1, T0);
    w.set('y', 'k', 1, T0 + 500);
    assert.equal(w.expire(T0 + 1000), 1);
    assert.equal(w.get('y', 'k', T0 + 1000), 1);
  });
});

describe('DedupeWindow: bound on keys', () => {
  it('defaults to a million keys', () => {
    assert.equal(MAX_DEDUPE_KEYS, 1_000_000);
    assert.equal(new DedupeWindow(WINDOW).maxKeys, MAX_DEDUPE_KEYS);
  });

  it('drops the oldest key once past maxKeys, across topics', () => {
    const w = new DedupeWindow(WINDOW, 3);
    w.set('a', 'k1', 1, T0);
    w.set('b', 'k2', 2, T0 + 1);
    w.set('a', 'k3', 3, T0 + 2);
    assert.equal(w.size, 3);
    w.set('b', 'k4', 4, T0 + 3);
    assert.equal(w.size, 3);
    assert.equal(w.get('a', 'k1', T0 + 3), undefined);
    assert.deepEqual(['k2', 'k3', 'k4'].map((k, i) => w.get(i === 1 ? 'a' : 'b', k, T0 + 3)), [2, 3, 4]);
  });

  it('counts a key set again once, and renewing it saves it from the bound', () => {
    const w = new DedupeWindow(WINDOW, 2);
    w.set('a', 'k1', 1, T0);
    w.set('a', 'k2', 2, T0 + 1);
    w.set('a', 'k1', 1, T0 + 2);
    assert.equal(w.size, 2);
    w.set('a', 'k3', 3, T0 + 3);
    assert.deepEqual([w.get('a', 'k1', T0 + 3), w.get('a', 'k2', T0 + 3), w.get('a', 'k3', T0 + 3)], [1, undefined, 3]);
  });
});
