/**
 * Reading a process's CPU time from /proc/<pid>/stat, as the fixedrate scenario
 * does for the server: it agrees with what the process itself reports.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuSecondsOf } from '../../bench/lib/processes.js';

describe('cpuSecondsOf', () => {
  it('reads user + system time of every thread, as getrusage counts it', () => {
    const before = cpuSecondsOf(process.pid);
    const usage0 = process.cpuUsage();
    // Enough work to be many clock ticks: a bounded count, not a time.
    let x = 0;
    for (let i = 0; i < 3e8; i++) x = (x + i * 7) % 1_000_003;
    assert.ok(x >= 0);
    const used = process.cpuUsage(usage0);
    const usedSec = (used.user + used.system) / 1e6;
    const measured = cpuSecondsOf(process.pid) - before;
    assert.ok(usedSec > 0.1, `the loop used ${usedSec} s`);
    // /proc counts in clock ticks (10 ms): allow a few, far below the work done.
    assert.ok(Math.abs(measured - usedSec) < 0.05 + usedSec * 0.05, `/proc says ${measured} s, getrusage ${usedSec} s`);
  });

  it('is NaN for a process that does not exist', () => {
    // Above the kernel's pid limit (at most 2^22), so never a live process.
    assert.ok(Number.isNaN(cpuSecondsOf(5_000_000)));
  });
});
