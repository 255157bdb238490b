/**
 * When a committed batch may be acknowledged (PROTOCOL.md §6): a publish to an
 * `fsync: "always"` topic once the commit is flushed to disk, one to an
 * `"interval"` topic at once, unless flushing has fallen more than the interval
 * behind, when it waits too. Acknowledgements leave in commit order.
 */
import type { AppendResult } from './log-store.js';

export interface AckEntry {
  topic: string;
  resolve(result: AppendResult): void;
}

export class FlushAcks {
  /** Commit times not yet known to be flushed, oldest first. */
  readonly #unflushed: number[] = [];
  /** Settles after every committed batch has been acknowledged. */
  #acked: Promise<void> = Promise.resolve();
  readonly #intervalMs: number;
  readonly #always: (topic: string) => boolean;

  constructor(intervalMs: number, always: (topic: string) => boolean) {
    this.#intervalMs = intervalMs;
    this.#always = always;
  }

  /** A batch was committed; `flushed` settles once it is on disk. */
  committed(batch: AckEntry[], results: AppendResult[], flushed: Promise<unknown>, now = Date.now()): void {
    this.#unflushed.push(now);
    const done = flushed.then(() => {
      while (this.#unflushed.length > 0 && (this.#unflushed[0] as number) <= now) this.#unflushed.shift();
    });
    const lagging = now - (this.#unflushed[0] as number) >= this.#intervalMs;
    const waits = batch.map((entry) => lagging || this.#always(entry.topic));
    const resolve = (flushedNow: boolean): void => {
      batch.forEach((entry, i) => {
        if (waits[i] === flushedNow) entry.resolve(results[i] as AppendResult);
      });
    };
    this.#acked = this.#acked
      .then(() => resolve(false))
      .then(() => (waits.includes(true) ? done : undefined))
      .then(() => resolve(true));
  }

  /** Settles once every batch committed so far is acknowledged. */
  settled(): Promise<void> {
    return this.#acked;
  }
}
