/**
 * Coalesces writes: frames queued during one turn of the event loop leave in
 * one corked write per connection, after the turn, outside socket callbacks.
 */

export interface Flushable {
  flush(): void;
}

export class Outbox {
  readonly #onError: (error: unknown) => void;
  #dirty: Flushable[] = [];
  #scheduled = false;
  #waiters: Array<() => void> = [];

  /** `onError` hears of a flush that threw (a bug); the other targets still flush. */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

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
    for (const target of dirty) {
      try {
        target.flush();
      } catch (error) {
        this.#onError(error);
      }
    }
    for (const resolve of waiters) resolve();
  }

  /** Resolves after the next flush (at once when nothing is queued). */
  flushed(): Promise<void> {
    if (!this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
