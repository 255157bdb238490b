/**
 * The fixed-rate publisher's schedule: message n is sent as soon as it is due,
 * at n / rate after the start, not a period later (which would add 1 / rate to
 * every latency the bench reports).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueCount } from '../../bench/loadgen/latency-job.js';

describe('dueCount', () => {
  it('counts every message whose due time has come, the first at the start', () => {
    assert.equal(dueCount(0, 500), 1);
    assert.equal(dueCount(1.999, 500), 1);
    assert.equal(dueCount(2, 500), 2);
    assert.equal(dueCount(999.9, 500), 500);
    assert.equal(dueCount(1000, 500), 501);
    assert.equal(dueCount(0.5, 2000), 2);
    assert.equal(dueCount(10_000, 2000), 20_001);
  });
});
