/**
 * What a token allows (server/auth/grants.ts, PROTOCOL.md §10), built as
 * verifier.ts builds it: parseTopicsClaim on the `topics` claim, then TokenGrants.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { covers, OPEN_GRANTS, parseTopicsClaim, TokenGrants } from '../../server/auth/grants.js';
import { matchesPattern } from '../../shared/topics.js';

function grants(topics: unknown): TokenGrants {
  const parsed = parseTopicsClaim(topics);
  if (typeof parsed === 'string') throw new Error(parsed);
  return new TokenGrants('u1', 1_763_800_000_000, parsed.subscribe, parsed.publish);
}

describe('grants: exact topics', () => {
  const g = grants({ subscribe: ['chat.lobby'], publish: ['chat.lobby'] });

  it('allows exactly the named topic', () => {
    assert.equal(g.canSubscribe('chat.lobby'), true);
    assert.equal(g.canPublish('chat.lobby'), true);
  });

  it('refuses a sibling, a parent, a child and any wildcard over it', () => {
    for (const t of ['chat.other', 'chat', 'chat.lobby.x', 'chat.lobbyx']) {
      assert.equal(g.canSubscribe(t), false, t);
      assert.equal(g.canPublish(t), false, t);
    }
    for (const p of ['chat.*', 'chat.>', '*.lobby', '>', '*']) assert.equal(g.canSubscribe(p), false, p);
  });

  it('is case sensitive', () => {
    assert.equal(g.canSubscribe('Chat.lobby'), false);
    assert.equal(g.canPublish('chat.Lobby'), false);
  });
});

describe('grants: * and >', () => {
  it('lets chat.* reach one segment under chat, exactly', () => {
    const g = grants({ subscribe: ['chat.*'], publish: ['chat.*'] });
    assert.equal(g.canSubscribe('chat.lobby'), true);
    assert.equal(g.canPublish('chat.lobby'), true);
    for (const t of ['chat', 'chat.a.b', 'news.a', 'CHAT.a']) {
      assert.equal(g.canSubscribe(t), false, t);
      assert.equal(g.canPublish(t), false, t);
    }
  });

  it('lets ticker.> reach every deeper topic but not ticker itself', () => {
    const g = grants({ subscribe: ['ticker.>'], publish: ['ticker.>'] });
    for (const t of ['ticker.AAPL', 'ticker.us.AAPL']) {
      assert.equal(g.canSubscribe(t), true, t);
      assert.equal(g.canPublish(t), true, t);
    }
    assert.equal(g.canSubscribe('ticker'), false);
    assert.equal(g.canPublish('ticker'), false);
  });

  it('lets > alone reach every topic and every pattern', () => {
    const g = grants({ subscribe: ['>'], publish: ['>'] });
    for (const t of ['a', 'a.b.c']) assert.equal(g.canPublish(t), true, t);
    for (const p of ['a', '*', '>', 'a.*.>', '*.*']) assert.equal(g.canSubscribe(p), true, p);
  });

  it('keeps subscribe and publish lists apart', () => {
    const g = grants({ subscribe: ['news.*'], publish: ['chat.*'] });
    assert.deepEqual([g.canSubscribe('news.a'), g.canPublish('news.a')], [true, false]);
    assert.deepEqual([g.canSubscribe('chat.a'), g.canPublish('chat.a')], [false, true]);
  });
});

describe('grants: a wildcard subscription needs one granted pattern covering all it can match', () => {
  it('allows a pattern the grant covers', () => {
    const g = grants({ subscribe: ['chat.>'] });
    for (const p of ['chat.*', 'chat.>', 'chat.*.x', 'chat.a.>', 'chat.*.>']) assert.equal(g.canSubscribe(p), true, p);
  });

  it('refuses chat.> under chat.*, and *.x under chat.*', () => {
    const g = grants({ subscribe: ['chat.*'] });
    assert.equal(g.canSubscribe('chat.*'), true);
    assert.equal(g.canSubscribe('chat.>'), false);
    assert.equal(g.canSubscribe('*.x'), false);
    assert.equal(g.canSubscribe('*.*'), false);
  });

  it('refuses a wildcard that the grants cover only together', () => {
    const g = grants({ subscribe: ['chat.*', 'chat.*.>'] });
    assert.equal(g.canSubscribe('chat.a'), true);
    assert.equal(g.canSubscribe('chat.a.b'), true);
    assert.equal(g.canSubscribe('chat.>'), false);
    const h = grants({ subscribe: ['a.x', 'a.y'] });
    assert.equal(h.canSubscribe('a.*'), false);
  });

  it('refuses a pattern with fewer or more segments than a * grant', () => {
    const g = grants({ subscribe: ['a.*.c'] });
    assert.equal(g.canSubscribe('a.*.c'), true);
    assert.equal(g.canSubscribe('a.b.c'), true);
    assert.equal(g.canSubscribe('a.*'), false);
    assert.equal(g.canSubscribe('a.*.c.*'), false);
    assert.equal(g.canSubscribe('a.*.>'), false);
    assert.equal(g.canSubscribe('a.*.d'), false);
  });

  it('decides cover as "every topic the pattern matches, the grant matches" on every small pattern pair', () => {
    // Patterns over {a, b, *} with an optional trailing >; topics also use c, a segment no pattern names.
    const patterns: string[] = ['>'];
    const grow = (prefix: string[], depth: number): void => {
      if (prefix.length) patterns.push(prefix.join('.'), [...prefix, '>'].join('.'));
      if (depth === 0) return;
      for (const s of ['a', 'b', '*']) grow([...prefix, s], depth - 1);
    };
    grow([], 3);
    const topics: string[] = [];
    const spell = (prefix: string[], depth: number): void => {
      if (prefix.length) topics.push(prefix.join('.'));
      if (depth > 0) for (const s of ['a', 'b', 'c']) spell([...prefix, s], depth - 1);
    };
    spell([], 5);
    const sets = new Map(patterns.map((p) => [p, topics.filter((t) => matchesPattern(p, t))]));
    let pairs = 0;
    for (const granted of patterns) {
      const allowed = new Set(sets.get(granted));
      for (const pattern of patterns) {
        const want = (sets.get(pattern) as string[]).every((t) => allowed.has(t));
        assert.equal(covers(granted, pattern), want, `covers(${granted}, ${pattern})`);
        pairs++;
      }
    }
    assert.equal(pairs, patterns.length ** 2);
    assert.equal(patterns.length, 79);
  });
});

describe('grants: reserved names and bad claims', () => {
  it('refuses a claim naming a reserved $ or _ pattern, so no grant can name one', () => {
    for (const p of ['$sys.>', '_internal', '$x']) {
      assert.equal(parseTopicsClaim({ subscribe: [p] }), `topics.subscribe holds ${JSON.stringify(p)}, not a valid topic pattern`);
      assert.equal(parseTopicsClaim({ publish: [p] }), `topics.publish holds ${JSON.stringify(p)}, not a valid topic pattern`);
    }
  });

  it('accepts _ past the first character (only a leading $ or _ is reserved); $ is never a name character', () => {
    assert.deepEqual(parseTopicsClaim({ subscribe: ['a._b'] }), { subscribe: ['a._b'], publish: [] });
    assert.equal(typeof parseTopicsClaim({ subscribe: ['a.$b'] }), 'string');
  });

  it('lets a token without topics do nothing', () => {
    const g = grants(undefined);
    assert.equal(g.canSubscribe('a'), false);
    assert.equal(g.canPublish('a'), false);
    const empty = grants({});
    assert.equal(empty.canSubscribe('>'), false);
  });

  it('says what is wrong with a claim of the wrong shape', () => {
    assert.equal(parseTopicsClaim(null), 'the topics claim must be an object');
    assert.equal(parseTopicsClaim(['a']), 'the topics claim must be an object');
    assert.equal(parseTopicsClaim('a'), 'the topics claim must be an object');
    assert.equal(parseTopicsClaim({ subscribe: 'a' }), 'topics.subscribe must be a list of at most 1000 patterns');
    assert.equal(parseTopicsClaim({ publish: Array(1001).fill('a') }), 'topics.publish must be a list of at most 1000 patterns');
    assert.deepEqual(parseTopicsClaim({ publish: Array(1000).fill('a') }), { subscribe: [], publish: Array(1000).fill('a') });
    assert.equal(parseTopicsClaim({ subscribe: [42] }), 'topics.subscribe holds 42, not a valid topic pattern');
    assert.equal(parseTopicsClaim({ subscribe: ['a..b'] }), 'topics.subscribe holds "a..b", not a valid topic pattern');
    assert.equal(parseTopicsClaim({ subscribe: ['a.>.b'] }), 'topics.subscribe holds "a.>.b", not a valid topic pattern');
  });

  it('reads only its own subscribe and publish fields, not inherited ones', () => {
    const claim = Object.create({ subscribe: ['>'] }) as object;
    assert.deepEqual(parseTopicsClaim(claim), { subscribe: [], publish: [] });
    assert.deepEqual(parseTopicsClaim({ subscribe: ['a'], consume: ['b'] }), { subscribe: ['a'], publish: [] });
  });

  it('keeps subject and expiry as given; open grants allow everything, forever', () => {
    const g = grants({});
    assert.deepEqual([g.subject, g.expiresAt], ['u1', 1_763_800_000_000]);
    assert.deepEqual([OPEN_GRANTS.subject, OPEN_GRANTS.expiresAt], [undefined, Infinity]);
    assert.equal(OPEN_GRANTS.canSubscribe('>'), true);
    assert.equal(OPEN_GRANTS.canPublish('any.topic'), true);
  });
});
