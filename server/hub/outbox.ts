/**
 * Coalesces writes: frames queued during one turn of the event loop leave in
 * one corked write per connection, after the turn, outside socket callbacks.
 */

export interface Flushable {
  flush(): void;
}

export class Outbox {
  #dirty: Flushable[] = [];
  #scheduled = false;
  #waiters: Array<() => void> = [];

  mark(target: Flushable): void {
    this.#dirty.push(target);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flushAll());
    }
  }

  flushAll(): void {
    this.#scheduled = false;
    const dirty = this.#dirty;
    const waiters = this.#waiters;
    this.#dirty = [];
    this.#waiters = [];
    for (const target of dirty) target.flush();
    for (const resolve of waiters) resolve();
  }

  /** Resolves after the next flush (at once when nothing is queued). */
  flushed(): Promise<void> {
    if (!this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
