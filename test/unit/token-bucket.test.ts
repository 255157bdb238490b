/**
 * The per-connection rate limit (server/hub/token-bucket.ts) with explicit clock
 * values: `now` is passed in, so nothing here sleeps or reads the clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../server/hub/token-bucket.js';

/** How many of `n` takes at `now` succeed. */
function takes(bucket: TokenBucket, now: number, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (bucket.take(now)) ok++;
  return ok;
}

describe('TokenBucket', () => {
  it('allows a burst of one second\'s worth at once, then refuses', () => {
    const bucket = new TokenBucket(5, 10_000);
    assert.equal(takes(bucket, 10_000, 5), 5);
    assert.equal(bucket.take(10_000), false);
    assert.equal(takes(new TokenBucket(1000, 0), 0, 2000), 1000);
  });

  it('refills at the rate: one token per 1000/rate ms', () => {
    const bucket = new TokenBucket(5, 10_000);
    takes(bucket, 10_000, 5);
    assert.equal(bucket.take(10_199), false, '199 ms is less than one token at 5/s');
    assert.equal(bucket.take(10_200), true);
    assert.equal(bucket.take(10_200), false);
    assert.equal(takes(bucket, 10_600, 10), 2);
  });

  it('keeps fractions of a token across takes that were refused', () => {
    const bucket = new TokenBucket(10, 0);
    takes(bucket, 0, 10);
    assert.equal(bucket.take(50), false, 'half a token');
    assert.equal(bucket.take(100), true, 'the two halves make one');
    assert.equal(bucket.take(100), false);
  });

  it('never holds more than one second\'s worth, however long it was idle', () => {
    const bucket = new TokenBucket(5, 0);
    takes(bucket, 0, 5);
    assert.equal(takes(bucket, 3_600_000, 100), 5);
    const fresh = new TokenBucket(5, 0);
    assert.equal(takes(fresh, 60_000, 100), 5, 'no credit for the idle time before the first take');
  });

  it('adds nothing when the time has not moved', () => {
    const bucket = new TokenBucket(2, 500);
    assert.equal(takes(bucket, 500, 3), 2);
    assert.equal(takes(bucket, 500, 3), 0);
  });

  it('neither adds nor takes away tokens when the clock goes back', () => {
    const bucket = new TokenBucket(10, 1000);
    takes(bucket, 1000, 5);
    assert.equal(takes(bucket, 400, 10), 5, 'the 5 left at 1000, no more, no fewer');
  });

  it('adds nothing when the clock goes back, and refills from the last time it saw later', () => {
    const bucket = new TokenBucket(10, 1000);
    takes(bucket, 1000, 10);
    assert.equal(bucket.take(400), false, 'earlier than the last take');
    assert.equal(bucket.take(1099), false, 'still measured from 1000, not from 400');
    assert.equal(bucket.take(1100), true);
  });

  it('holds a steady rate exactly at the limit: one take per interval, for a long run', () => {
    const bucket = new TokenBucket(4, 0);
    takes(bucket, 0, 4);
    let allowed = 0;
    for (let t = 250; t <= 250 * 1000; t += 250) allowed += takes(bucket, t, 2);
    assert.equal(allowed, 1000, 'one of each pair of takes, every 250 ms at 4/s');
  });
});
