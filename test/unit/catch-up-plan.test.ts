/**
 * Where a subscription starts (planReplay), driven directly: each case names the
 * rule of PROTOCOL.md §3 (subscribe `from`) it checks. `head` here is the
 * delivered head the hub passes in; `earliest` is `head + 1` when nothing is retained.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planReplay, type ReplayPlan } from '../../server/hub/catch-up.js';
import type { TopicBounds } from '../../server/store/log-store.js';

const EPOCH = 'k3Jq9';
/** 12..57 retained, as in the §3 reply example. */
const LOG: TopicBounds = { epoch: EPOCH, earliest: 12, head: 57 };
/** A topic never published to. */
const EMPTY: TopicBounds = { epoch: EPOCH, earliest: 1, head: 0 };
/** Had 40 messages, all dropped by retention (age): earliest = head + 1. */
const DRAINED: TopicBounds = { epoch: EPOCH, earliest: 41, head: 40 };
/** Nothing dropped yet. */
const FULL: TopicBounds = { epoch: EPOCH, earliest: 1, head: 10 };

const plan = (start: number, extra: Partial<ReplayPlan> = {}): ReplayPlan => ({ start, truncated: false, reset: false, ...extra });

describe('planReplay: no from (§3 "live messages only, starting with the next one published")', () => {
  it('starts at head + 1 on a topic with history', () => {
    assert.deepEqual(planReplay(undefined, LOG), plan(58));
  });

  it('starts at 1 on an empty topic', () => {
    assert.deepEqual(planReplay(undefined, EMPTY), plan(1));
  });

  it('starts at head + 1 on a topic whose history was all dropped', () => {
    assert.deepEqual(planReplay(undefined, DRAINED), plan(41));
  });
});

describe('planReplay: from.earliest (§3 "all retained messages, then live")', () => {
  it('starts at the oldest retained offset, neither truncated nor reset', () => {
    assert.deepEqual(planReplay({ earliest: true }, LOG), plan(12));
    assert.deepEqual(planReplay({ earliest: true }, FULL), plan(1));
  });

  it('starts at head + 1 (live only) on an empty topic: earliest = head + 1 = 1', () => {
    assert.deepEqual(planReplay({ earliest: true }, EMPTY), plan(1));
  });

  it('starts at head + 1 on a topic with nothing retained (§3 "earliest is head+1 when nothing is retained")', () => {
    assert.deepEqual(planReplay({ earliest: true }, DRAINED), plan(41));
  });
});

describe('planReplay: from.last (§3 "the last N retained messages (rewind), then live")', () => {
  it('starts N back from head so exactly N messages are replayed', () => {
    assert.deepEqual(planReplay({ last: 1 }, LOG), plan(57));
    assert.deepEqual(planReplay({ last: 5 }, LOG), plan(53));
    assert.deepEqual(planReplay({ last: 46 }, LOG), plan(12), 'N = retained count: everything retained');
  });

  it('replays only what is retained when N is larger than the log, and says nothing was lost', () => {
    assert.deepEqual(planReplay({ last: 47 }, LOG), plan(12));
    assert.deepEqual(planReplay({ last: 1_000_000 }, LOG), plan(12));
    assert.deepEqual(planReplay({ last: 50 }, FULL), plan(1));
  });

  it('is live only for N = 0', () => {
    assert.deepEqual(planReplay({ last: 0 }, LOG), plan(58));
    assert.deepEqual(planReplay({ last: 0 }, EMPTY), plan(1));
  });

  it('is live only on an empty topic and on one with nothing retained', () => {
    assert.deepEqual(planReplay({ last: 50 }, EMPTY), plan(1));
    assert.deepEqual(planReplay({ last: 50 }, DRAINED), plan(41));
    assert.deepEqual(planReplay({ last: 1 }, DRAINED), plan(41));
  });
});

describe('planReplay: from.after (§3 "every retained message with offset > after, then live")', () => {
  it('starts right after the given offset, with or without the matching epoch', () => {
    assert.deepEqual(planReplay({ after: 41 }, LOG), plan(42));
    assert.deepEqual(planReplay({ after: 41, epoch: EPOCH }, LOG), plan(42));
    assert.deepEqual(planReplay({ after: 3, epoch: EPOCH }, FULL), plan(4));
  });

  it('is live only for after = head: the client has seen everything', () => {
    assert.deepEqual(planReplay({ after: 57, epoch: EPOCH }, LOG), plan(58));
    assert.deepEqual(planReplay({ after: 0, epoch: EPOCH }, EMPTY), plan(1));
    assert.deepEqual(planReplay({ after: 0 }, EMPTY), plan(1));
  });

  it('is not truncated when the next offset is exactly the oldest retained one', () => {
    assert.deepEqual(planReplay({ after: 11, epoch: EPOCH }, LOG), plan(12));
    assert.deepEqual(planReplay({ after: 0 }, FULL), plan(1));
  });

  it('is not truncated for after = head on a topic with nothing retained: nothing was missed', () => {
    assert.deepEqual(planReplay({ after: 40, epoch: EPOCH }, DRAINED), plan(41));
  });
});

describe('planReplay: after older than the retained history (§3 "truncated: true … replay starts at earliest")', () => {
  it('is truncated from earliest when messages between after and earliest are gone', () => {
    assert.deepEqual(planReplay({ after: 10, epoch: EPOCH }, LOG), plan(12, { truncated: true }));
    assert.deepEqual(planReplay({ after: 0 }, LOG), plan(12, { truncated: true }));
  });

  it('is truncated at head + 1 when the missed messages were all dropped (empty retained topic)', () => {
    assert.deepEqual(planReplay({ after: 39, epoch: EPOCH }, DRAINED), plan(41, { truncated: true }));
    assert.deepEqual(planReplay({ after: 0 }, DRAINED), plan(41, { truncated: true }));
  });
});

describe('planReplay: epoch mismatch (§3 "reset: true: the epoch given does not match … replay starts at earliest")', () => {
  it('resets to earliest whatever after says', () => {
    assert.deepEqual(planReplay({ after: 41, epoch: 'other' }, LOG), plan(12, { reset: true }));
    assert.deepEqual(planReplay({ after: 57, epoch: 'other' }, LOG), plan(12, { reset: true }), 'even at head');
    assert.deepEqual(planReplay({ after: 0, epoch: 'other' }, FULL), plan(1, { reset: true }));
  });

  it('says reset, not truncated, when after is also older than earliest', () => {
    assert.deepEqual(planReplay({ after: 3, epoch: 'other' }, LOG), plan(12, { reset: true }));
  });

  it('resets an empty or drained topic to head + 1', () => {
    assert.deepEqual(planReplay({ after: 0, epoch: 'other' }, EMPTY), plan(1, { reset: true }));
    assert.deepEqual(planReplay({ after: 40, epoch: 'other' }, DRAINED), plan(41, { reset: true }));
  });

  it('compares epochs exactly (case matters)', () => {
    assert.deepEqual(planReplay({ after: 41, epoch: EPOCH.toUpperCase() }, LOG), plan(12, { reset: true }));
  });
});

describe('planReplay: after > head (§3 "the client saw messages this log no longer has: reset: true")', () => {
  it('resets to earliest under the current epoch', () => {
    assert.deepEqual(planReplay({ after: 58, epoch: EPOCH }, LOG), plan(12, { reset: true }));
    assert.deepEqual(planReplay({ after: 5, epoch: EPOCH }, EMPTY), plan(1, { reset: true }));
    assert.deepEqual(planReplay({ after: 41, epoch: EPOCH }, DRAINED), plan(41, { reset: true }));
  });

  it('resets without an epoch too: no log can vouch for an offset past its head', () => {
    assert.deepEqual(planReplay({ after: 100 }, LOG), plan(12, { reset: true }));
    assert.deepEqual(planReplay({ after: 1 }, EMPTY), plan(1, { reset: true }));
  });
});

describe('planReplay', () => {
  it('leaves the bounds it is given untouched', () => {
    const bounds = { ...LOG };
    planReplay({ after: 0 }, bounds);
    planReplay({ after: 0, epoch: 'other' }, bounds);
    assert.deepEqual(bounds, LOG);
  });
});
