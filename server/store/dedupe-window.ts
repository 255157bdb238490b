/**
 * Recently seen idempotency keys per topic (PROTOCOL.md §3 publish `key`).
 * Entries live in insertion order, which is time order, so expiry walks from the
 * front and stops at the first live entry.
 */

/** Bound on remembered keys, across topics: past it the oldest go first. */
export const MAX_DEDUPE_KEYS = 1_000_000;

interface Seen {
  offset: number;
  time: number;
}

export class DedupeWindow {
  readonly #entries = new Map<string, Seen>();
  readonly windowMs: number;
  readonly maxKeys: number;

  constructor(windowMs: number, maxKeys = MAX_DEDUPE_KEYS) {
    this.windowMs = windowMs;
    this.maxKeys = maxKeys;
  }

  static id(topic: string, key: string): string {
    return topic + '\u0000' + key;
  }

  /** The offset first stored under this key, if seen within the window. */
  get(topic: string, key: string, now: number): number | undefined {
    const seen = this.#entries.get(DedupeWindow.id(topic, key));
    if (seen === undefined || seen.time <= now - this.windowMs) return undefined;
    return seen.offset;
  }

  set(topic: string, key: string, offset: number, time: number): void {
    const id = DedupeWindow.id(topic, key);
    this.#entries.delete(id);
    this.#entries.set(id, { offset, time });
    if (this.#entries.size > this.maxKeys) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  delete(topic: string, key: string): void {
    this.#entries.delete(DedupeWindow.id(topic, key));
  }

  /** Forgets keys older than the window; returns how many went. */
  expire(now: number): number {
    const cutoff = now - this.windowMs;
    let removed = 0;
    for (const [id, seen] of this.#entries) {
      if (seen.time > cutoff) break;
      this.#entries.delete(id);
      removed++;
    }
    return removed;
  }

  get size(): number {
    return this.#entries.size;
  }
}
