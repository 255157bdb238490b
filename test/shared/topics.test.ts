import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkPattern, checkTopic, isWildcard, matchesPattern } from '../../shared/topics.js';

describe('topic names (PROTOCOL.md §5)', () => {
  it('accepts dotted names of [A-Za-z0-9_:~-] segments up to 255 bytes', () => {
    for (const name of ['a', 'chat.lobby', 'ticker.AAPL', 'x_y:z~w-1.2', 'a'.repeat(255), 'a._b']) {
      assert.deepEqual(checkTopic(name), { ok: true }, name);
    }
  });

  it('rejects empty segments, bad characters, over-long and reserved names', () => {
    for (const name of ['', 'a..b', '.a', 'a.', 'a b', 'chat/lobby', 'é', 'a'.repeat(256), '_x', '$x', '$sys.a', 'a.*', 'a.>']) {
      assert.equal(checkTopic(name).ok, false, name);
    }
  });

  it('accepts * as any one segment and > as the last segment in patterns only', () => {
    for (const p of ['chat.*', '*.lobby', 'ticker.>', '>', '*', 'a.*.c.>']) assert.equal(checkPattern(p).ok, true, p);
    for (const p of ['a.>.b', 'a.b*', 'a.>x', '_a.*', 'a..*']) assert.equal(checkPattern(p).ok, false, p);
  });

  it('tells wildcard patterns from concrete topics', () => {
    assert.equal(isWildcard('chat.*'), true);
    assert.equal(isWildcard('a.*.b'), true);
    assert.equal(isWildcard('ticker.>'), true);
    assert.equal(isWildcard('chat.lobby'), false);
    assert.equal(isWildcard('a-*'), false);
  });

  it('matches * to exactly one segment and > to one or more', () => {
    assert.equal(matchesPattern('chat.*', 'chat.lobby'), true);
    assert.equal(matchesPattern('chat.*', 'chat'), false);
    assert.equal(matchesPattern('chat.*', 'chat.a.b'), false);
    assert.equal(matchesPattern('ticker.>', 'ticker.AAPL'), true);
    assert.equal(matchesPattern('ticker.>', 'ticker.us.AAPL'), true);
    assert.equal(matchesPattern('ticker.>', 'ticker'), false);
    assert.equal(matchesPattern('*.lobby', 'chat.lobby'), true);
    assert.equal(matchesPattern('a.b', 'a.b'), true);
    assert.equal(matchesPattern('a.b', 'a.c'), false);
  });
});
