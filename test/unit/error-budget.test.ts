/**
 * The per-connection error budget (server/hub/error-budget.ts): fixed windows,
 * driven with explicit times.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorBudget } from '../../server/hub/error-budget.js';

function spendAll(budget: ErrorBudget, now: number, n: number): boolean[] {
  return Array.from({ length: n }, () => budget.spend(now));
}

describe('ErrorBudget', () => {
  it('holds for max events in a window and breaks on the next one', () => {
    const budget = new ErrorBudget(3, 10_000);
    assert.deepEqual(spendAll(budget, 50_000, 5), [true, true, true, false, false]);
  });

  it('counts events spread over the window together', () => {
    const budget = new ErrorBudget(3, 10_000);
    assert.deepEqual([budget.spend(50_000), budget.spend(53_000), budget.spend(59_998), budget.spend(59_999)], [true, true, true, false]);
  });

  it('starts a fresh window windowMs after the first event of the last one', () => {
    const budget = new ErrorBudget(2, 10_000);
    spendAll(budget, 50_000, 4);
    assert.equal(budget.spend(59_999), false);
    assert.deepEqual(spendAll(budget, 60_000, 3), [true, true, false]);
    assert.deepEqual(spendAll(budget, 70_000, 2), [true, true]);
  });

  it('uses fixed windows, not a sliding one: a burst across the boundary gets two budgets', () => {
    const budget = new ErrorBudget(2, 10_000);
    assert.deepEqual(spendAll(budget, 50_000, 1), [true]);
    assert.deepEqual(spendAll(budget, 59_999, 1), [true]);
    assert.deepEqual(spendAll(budget, 60_000, 2), [true, true]);
  });

  it('begins its first window at the first event, whatever the time', () => {
    const early = new ErrorBudget(1, 10_000);
    assert.deepEqual([early.spend(0), early.spend(9_999), early.spend(10_000)], [true, false, true]);
    const late = new ErrorBudget(1, 10_000);
    assert.deepEqual([late.spend(1_763_800_000_123), late.spend(1_763_800_000_124)], [true, false]);
  });

  it('keeps counting in the current window when the clock goes back', () => {
    const budget = new ErrorBudget(2, 10_000);
    assert.deepEqual([budget.spend(50_000), budget.spend(40_000), budget.spend(45_000)], [true, true, false]);
  });

  it('never holds with a budget of 0', () => {
    const budget = new ErrorBudget(0, 10_000);
    assert.deepEqual([budget.spend(50_000), budget.spend(70_000)], [false, false]);
  });
});
