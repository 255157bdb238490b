/**
 * Write coalescing (server/hub/outbox.ts) with stand-in targets: what is marked
 * during a turn flushes after it, once, in order; a throwing target is reported
 * and does not stop the others. Waits are on the event loop, never on time.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Outbox, type Flushable } from '../../server/hub/outbox.js';

function recorder(): { log: string[]; target(name: string, onFlush?: () => void): Flushable } {
  const log: string[] = [];
  return {
    log,
    target: (name, onFlush) => ({
      flush() {
        log.push(name);
        onFlush?.();
      },
    }),
  };
}

/** Resolves on the next check phase, after any setImmediate queued before it. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function noErrors(): (error: unknown) => void {
  return (error) => assert.fail(`unexpected flush error: ${String(error)}`);
}

describe('Outbox', () => {
  it('flushes marked targets after the current turn, not at once, in the order marked', async () => {
    const r = recorder();
    const outbox = new Outbox(noErrors());
    outbox.mark(r.target('a'));
    outbox.mark(r.target('b'));
    outbox.mark(r.target('c'));
    assert.deepEqual(r.log, []);
    await outbox.flushed();
    assert.deepEqual(r.log, ['a', 'b', 'c']);
    await nextTurn();
    assert.deepEqual(r.log, ['a', 'b', 'c'], 'each once');
  });

  it('resolves flushed() at once when nothing is queued', async () => {
    const outbox = new Outbox(noErrors());
    const first = await Promise.race([outbox.flushed().then(() => 'flushed'), nextTurn().then(() => 'turn')]);
    assert.equal(first, 'flushed');
  });

  it('resolves flushed() only after the queued flush ran', async () => {
    const r = recorder();
    const outbox = new Outbox(noErrors());
    outbox.mark(r.target('a'));
    const seen: string[][] = [];
    const waits = [outbox.flushed().then(() => seen.push([...r.log])), outbox.flushed().then(() => seen.push([...r.log]))];
    await Promise.all(waits);
    assert.deepEqual(seen, [['a'], ['a']]);
  });

  it('flushes at once on flushAll, and then has nothing left for the scheduled turn', async () => {
    const r = recorder();
    const outbox = new Outbox(noErrors());
    outbox.mark(r.target('a'));
    const waiting = outbox.flushed();
    outbox.flushAll();
    assert.deepEqual(r.log, ['a']);
    await waiting;
    await nextTurn();
    assert.deepEqual(r.log, ['a']);
  });

  it('flushes a target marked during a flush on a later turn, not lost', async () => {
    const r = recorder();
    const outbox = new Outbox(noErrors());
    const late = r.target('late');
    outbox.mark(r.target('early', () => outbox.mark(late)));
    await outbox.flushed();
    assert.deepEqual(r.log, ['early']);
    await outbox.flushed();
    assert.deepEqual(r.log, ['early', 'late']);
  });

  it('reports a target that throws, and still flushes the others and wakes the waiters', async () => {
    const r = recorder();
    const errors: unknown[] = [];
    const outbox = new Outbox((error) => errors.push(error));
    const boom = new Error('boom');
    outbox.mark(r.target('a'));
    outbox.mark(r.target('bad', () => { throw boom; }));
    outbox.mark(r.target('c'));
    await outbox.flushed();
    assert.deepEqual(r.log, ['a', 'bad', 'c']);
    assert.deepEqual(errors, [boom]);
  });

  it('keeps working after a turn: a later mark schedules a new flush', async () => {
    const r = recorder();
    const outbox = new Outbox(noErrors());
    outbox.mark(r.target('1'));
    await outbox.flushed();
    outbox.mark(r.target('2'));
    assert.deepEqual(r.log, ['1']);
    await outbox.flushed();
    assert.deepEqual(r.log, ['1', '2']);
  });
});
