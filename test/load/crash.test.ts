/**
 * Process crash (PROTOCOL.md §2, §3, §5, §6): the hub is killed with SIGKILL
 * TIDINGS_CRASH_KILLS times (default 20; `npm run test:soak` runs 200) on one
 * data folder and one port, while 4 publishers send ~2,000 publishes a second
 * over 8 topics and 2 subscribers follow every topic. Clients reconnect on their
 * own; publishers re-send what was left unanswered with the same key, and a few
 * already acked publishes as dedupe probes; subscribers resume with
 * `from: { after, epoch }`. At the end every topic's history is read over HTTP.
 *
 * Once for each fsync setting (`always` on the default engine, `interval` on ws, so
 * both engines are covered; the soak runs `interval` on the default engine too), it
 * prints and asserts: acked messages lost, duplicated, reordered, offsets naming
 * two messages, silent gaps, and resets, all 0. A kill -9 leaves the OS boot id
 * as it was, so the store keeps every epoch (lmdb-log-store.ts renews them only
 * after an unclean stop followed by an OS restart): any reset is a failure.
 *
 * Kill moments, publishing times and topics come from a seeded generator: the
 * seed is printed, and TIDINGS_CRASH_SEED=<n> repeats the plan. Nothing here
 * asserts on time; the duration is printed.
 */
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { detailLine, runCrashScenario, summaryLine, type CrashOptions, type CrashReport } from '../helpers/crash-harness.js';

const KILLS = Number(process.env.TIDINGS_CRASH_KILLS ?? 20);
const SEED = process.env.TIDINGS_CRASH_SEED ? Number(process.env.TIDINGS_CRASH_SEED) >>> 0 : randomInt(2 ** 31);

const SOAK = KILLS > 20;
const RUNS: Array<Pick<CrashOptions, 'fsync' | 'transport'>> = [
  { fsync: 'always' },
  ...(SOAK ? [{ fsync: 'interval' as const }] : []),
  { fsync: 'interval', transport: 'ws' },
];

const fileStarted = performance.now();
after(() => {
  console.log(`[crash] ${RUNS.length} runs of ${KILLS} kills in ${((performance.now() - fileStarted) / 1000).toFixed(1)} s; `
    + `repeat with TIDINGS_CRASH_SEED=${SEED}`);
});

function explain(r: CrashReport): string {
  return r.details.length === 0 ? '' : `\n  ${r.details.join('\n  ')}\n(seed ${r.seed}: TIDINGS_CRASH_SEED=${SEED})`;
}

RUNS.forEach((run, i) => {
  const label = `fsync=${run.fsync} transport=${run.transport ?? 'auto'}`;
  describe(`kill -9 ${KILLS} times under load (${label})`, () => {
    it('loses, duplicates and reorders no acked message; no offset names two messages; subscribers see no silent gap', async () => {
      assert.ok(Number.isInteger(KILLS) && KILLS > 0, `TIDINGS_CRASH_KILLS must be a positive integer, not ${process.env.TIDINGS_CRASH_KILLS}`);
      const r = await runCrashScenario({ ...run, label, kills: KILLS, seed: (SEED + 7919 * i) >>> 0, log: (line) => console.log(line) });
      console.log(summaryLine(r));
      console.log(detailLine(r));
      if (r.details.length > 0) console.log(`[crash ${label}] first problems:\n  ${r.details.join('\n  ')}`);
      const why = explain(r);
      assert.equal(r.lost, 0, `acked messages lost${why}`);
      assert.equal(r.duplicated, 0, `messages duplicated${why}`);
      assert.equal(r.reordered, 0, `messages reordered${why}`);
      assert.equal(r.conflicting, 0, `offsets naming two different messages${why}`);
      assert.equal(r.silentGaps, 0, `silent gaps${why}`);
      assert.equal(r.resets, 0, `resets after a process crash${why}`);
      assert.equal(r.epochChanges, 0, `epoch changes after a process crash${why}`);
      assert.equal(r.truncated, 0, `truncated replays (retention is set far above the run)${why}`);
      assert.equal(r.dedupeMismatches, 0, `re-sent keys not answered as the first ack${why}`);
      assert.equal(r.errors, 0, `error replies, early messages or hub error logs${why}`);
      assert.equal(r.unacked, 0, `publishes never acked despite retries${why}`);
      assert.ok(r.acked > 0 && r.delivered > 0, 'the run published and delivered something');
    });
  });
});
