/**
 * The wildcard trie (server/hub/wildcard-index.ts) driven directly, and checked
 * against shared/topics.ts matchesPattern on seeded random patterns and topics.
 * TIDINGS_SEED=n replays a run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WildcardIndex } from '../../server/hub/wildcard-index.js';
import { checkPattern, isWildcard, matchesPattern } from '../../shared/topics.js';
import { seeded } from '../helpers/seeded.js';

function indexOf(entries: Array<[string, string]>): WildcardIndex<string> {
  const index = new WildcardIndex<string>();
  for (const [pattern, item] of entries) index.add(pattern, item);
  return index;
}

const sorted = (items: string[]): string[] => [...items].sort();

describe('WildcardIndex: * is exactly one segment (PROTOCOL.md §3)', () => {
  it('matches one segment in last, first or middle place', () => {
    const index = indexOf([['chat.*', 'last'], ['*.lobby', 'first'], ['a.*.c', 'middle']]);
    assert.deepEqual(index.match('chat.lobby'), ['last', 'first']);
    assert.deepEqual(index.match('chat.x'), ['last']);
    assert.deepEqual(index.match('x.lobby'), ['first']);
    assert.deepEqual(index.match('a.b.c'), ['middle']);
    assert.deepEqual(index.match('a.b.d'), []);
  });

  it('matches no topic with fewer or more segments', () => {
    const index = indexOf([['chat.*', 'A'], ['*', 'B'], ['a.*.c', 'C']]);
    assert.deepEqual(index.match('chat'), ['B']);
    assert.deepEqual(index.match('chat.a.b'), []);
    assert.deepEqual(index.match('a.c'), []);
    assert.deepEqual(index.match('a.b.c.d'), []);
    assert.deepEqual(index.match('x'), ['B']);
  });
});

describe('WildcardIndex: a trailing > is one or more segments', () => {
  it('matches any deeper topic but not the prefix itself', () => {
    const index = indexOf([['ticker.>', 'T']]);
    assert.deepEqual(index.match('ticker'), []);
    assert.deepEqual(index.match('ticker.AAPL'), ['T']);
    assert.deepEqual(index.match('ticker.us.AAPL.x'), ['T']);
    assert.deepEqual(index.match('tickers.AAPL'), []);
  });

  it('matches every topic as > alone, and combines with *', () => {
    const index = indexOf([['>', 'all'], ['a.*.>', 'deep']]);
    assert.deepEqual(index.match('x'), ['all']);
    assert.deepEqual(index.match('a.b'), ['all']);
    assert.deepEqual(index.match('a.b.c'), ['all', 'deep']);
    assert.deepEqual(index.match('a.b.c.d'), ['all', 'deep']);
  });

  it('keeps a concrete pattern, its > and its * apart', () => {
    const index = indexOf([['a.b', 'exact'], ['a.b.>', 'rest'], ['a.*', 'star']]);
    assert.deepEqual(index.match('a.b'), ['exact', 'star']);
    assert.deepEqual(index.match('a.b.c'), ['rest']);
    assert.deepEqual(index.match('a.c'), ['star']);
  });
});

describe('WildcardIndex: add and remove', () => {
  it('holds several subscriptions on one pattern and removes only the one named', () => {
    const index = indexOf([['chat.*', 'A'], ['chat.*', 'B'], ['chat.>', 'C'], ['chat.>', 'D']]);
    assert.equal(index.size, 4);
    assert.deepEqual(sorted(index.match('chat.x')), ['A', 'B', 'C', 'D']);
    index.remove('chat.*', 'A');
    index.remove('chat.>', 'D');
    assert.equal(index.size, 2);
    assert.deepEqual(sorted(index.match('chat.x')), ['B', 'C']);
    index.remove('chat.*', 'B');
    index.remove('chat.>', 'C');
    assert.equal(index.size, 0);
    assert.deepEqual(index.match('chat.x'), []);
  });

  it('lists an item once per pattern of its that matches', () => {
    const index = indexOf([['a.*', 'X'], ['a.>', 'X']]);
    assert.deepEqual(index.match('a.b'), ['X', 'X']);
    index.remove('a.>', 'X');
    assert.deepEqual(index.match('a.b'), ['X']);
  });

  it('keeps patterns that share a path with a removed one', () => {
    const entries: Array<[string, string]> = [['a.b', 'ab'], ['a.b.>', 'ab>'], ['a.*.c', 'a*c'], ['a.b.c.d', 'abcd'], ['a.b.c', 'abc']];
    const index = indexOf(entries);
    index.remove('a.b.c', 'abc');
    assert.deepEqual(index.match('a.b'), ['ab']);
    assert.deepEqual(sorted(index.match('a.b.c')), ['a*c', 'ab>']);
    assert.deepEqual(sorted(index.match('a.b.c.d')), ['ab>', 'abcd']);
    index.remove('a.b.>', 'ab>');
    index.remove('a.b', 'ab');
    assert.deepEqual(index.match('a.b.c.d'), ['abcd']);
    assert.deepEqual(index.match('a.x.c'), ['a*c']);
    index.remove('a.b.c.d', 'abcd');
    index.remove('a.*.c', 'a*c');
    assert.equal(index.size, 0);
  });

  it('ignores removing a pattern or an item it does not hold', () => {
    const index = indexOf([['a.*', 'A'], ['b.>', 'B']]);
    const version = index.version;
    index.remove('a.*', 'other');
    index.remove('b.>', 'other');
    index.remove('x.y.z', 'A');
    index.remove('x.>', 'A');
    index.remove('a.*.>', 'A');
    index.remove('a', 'A');
    assert.equal(index.size, 2);
    assert.equal(index.version, version, 'no change, no new version');
    assert.deepEqual(index.match('a.z'), ['A']);
    assert.deepEqual(index.match('b.z'), ['B']);
  });

  it('adds back a pattern after its last subscription went', () => {
    const index = indexOf([['a.*.c', 'A']]);
    index.remove('a.*.c', 'A');
    index.add('a.*.c', 'B');
    assert.deepEqual(index.match('a.b.c'), ['B']);
  });

  it('counts an item added twice to one pattern once', () => {
    const index = new WildcardIndex<string>();
    index.add('a.*', 'A');
    index.add('a.*', 'A');
    assert.equal(index.size, 1);
    index.remove('a.*', 'A');
    assert.equal(index.size, 0);
  });
});

describe('WildcardIndex: version, for cached matches', () => {
  it('changes on every add and every remove that removed something, never on match', () => {
    const index = new WildcardIndex<string>();
    const seen = [index.version];
    index.add('a.*', 'A');
    seen.push(index.version);
    index.add('a.>', 'B');
    seen.push(index.version);
    index.match('a.b');
    assert.equal(index.version, seen[2]);
    index.remove('a.*', 'A');
    seen.push(index.version);
    index.remove('a.>', 'B');
    seen.push(index.version);
    assert.equal(new Set(seen).size, seen.length, `versions repeat: ${seen.join(',')}`);
  });

  it('lets a cache keyed by version see a new subscription', () => {
    const index = indexOf([['a.*', 'A']]);
    const cache = { version: index.version, matches: index.match('a.b') };
    index.add('*.b', 'B');
    assert.notEqual(index.version, cache.version);
    assert.deepEqual(index.match('a.b'), ['A', 'B']);
  });
});

// Segments from a small alphabet so random patterns and topics often meet.
const SEGMENTS = ['a', 'b', 'c'];

function randomPattern(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 4);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = rand();
    out.push(i === n - 1 && r < 0.2 ? '>' : r < 0.45 ? '*' : (SEGMENTS[Math.floor(rand() * 3)] as string));
  }
  return out.join('.');
}

function randomTopic(rand: () => number): string {
  const n = 1 + Math.floor(rand() * 5);
  return Array.from({ length: n }, () => SEGMENTS[Math.floor(rand() * 3)] as string).join('.');
}

describe('WildcardIndex agrees with matchesPattern', () => {
  const seed = Number(process.env.TIDINGS_SEED ?? Date.now() % 1_000_000);
  if (!Number.isSafeInteger(seed)) throw new Error(`TIDINGS_SEED must be a whole number, not ${process.env.TIDINGS_SEED}`);

  it(`matches what matchesPattern matches, through adds and removes (seed ${seed}; TIDINGS_SEED=${seed} replays)`, () => {
    console.log(`wildcard-index: seed ${seed} (TIDINGS_SEED=${seed} replays)`);
    const rand = seeded(seed);
    const index = new WildcardIndex<string>();
    const held = new Map<string, string>(); // item -> pattern
    let compared = 0;
    for (let step = 0; step < 300; step++) {
      if (held.size > 0 && rand() < 0.35) {
        const items = [...held.keys()];
        const item = items[Math.floor(rand() * items.length)] as string;
        index.remove(held.get(item) as string, item);
        held.delete(item);
      } else {
        const pattern = randomPattern(rand);
        assert.ok(checkPattern(pattern).ok, pattern);
        assert.equal(isWildcard(pattern), /(^|\.)[*>](\.|$)/.test(pattern), `isWildcard(${pattern})`);
        const item = `s${step}`;
        index.add(pattern, item);
        held.set(item, pattern);
      }
      assert.equal(index.size, held.size, `size after step ${step}`);
      for (let k = 0; k < 12; k++) {
        const topic = randomTopic(rand);
        const want = [...held].filter(([, p]) => matchesPattern(p, topic)).map(([item]) => item);
        assert.deepEqual(sorted(index.match(topic)), sorted(want), `step ${step}, topic ${topic}, seed ${seed}`);
        compared += want.length;
      }
    }
    console.log(`wildcard-index: ${compared} matches compared`);
    assert.ok(compared > 5000, `only ${compared} matches compared: the generator barely meets`);
  });
});
