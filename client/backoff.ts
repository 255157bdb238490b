/**
 * Reconnect delays: exponential with full jitter (a random delay between 0 and
 * the capped exponential), so thousands of clients dropped at once by a restart
 * do not come back at once.
 */
export interface BackoffOptions {
  /** First delay's upper bound, in ms. */
  initialMs: number;
  /** Largest delay, in ms. */
  maxMs: number;
  factor: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 20_000, factor: 2 };

export function backoffDelay(attempt: number, opts: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * opts.factor ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}
