/** Counts events in fixed windows; `spend` says whether the budget still holds. */
export class ErrorBudget {
  readonly #max: number;
  readonly #windowMs: number;
  #count = 0;
  #windowStart = 0;

  constructor(max: number, windowMs: number) {
    this.#max = max;
    this.#windowMs = windowMs;
  }

  spend(now: number): boolean {
    if (now - this.#windowStart >= this.#windowMs) {
      this.#windowStart = now;
      this.#count = 0;
    }
    return ++this.#count <= this.#max;
  }
}
