/** A rate limit that allows bursts of up to one second's worth. */
export class TokenBucket {
  readonly #perSecond: number;
  #tokens: number;
  #stamp: number;

  constructor(perSecond: number, now: number) {
    this.#perSecond = perSecond;
    this.#tokens = perSecond;
    this.#stamp = now;
  }

  /** Takes one token; false when none is left. */
  take(now: number): boolean {
    if (now > this.#stamp) {
      this.#tokens = Math.min(this.#perSecond, this.#tokens + ((now - this.#stamp) * this.#perSecond) / 1000);
      this.#stamp = now;
    }
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}
