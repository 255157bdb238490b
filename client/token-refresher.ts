/**
 * Renews the token before it expires, on the open connection (PROTOCOL.md §10:
 * a hello with a fresh token), so the hub never has to close it with 4001.
 */

/** Longest delay setTimeout takes (about 24.8 days). */
const MAX_DELAY_MS = 2 ** 31 - 1;

/** The `exp` of a JWT in ms since the epoch, read without checking it (the hub checks). */
export function tokenExpiry(token: string | undefined): number | undefined {
  const part = token?.split('.')[1];
  if (!part) return undefined;
  try {
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const exp: unknown = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export class TokenRefresher {
  readonly #refresh: () => Promise<string>;
  readonly #apply: (token: string) => Promise<void>;
  readonly #onError: (error: unknown) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(refresh: () => Promise<string>, apply: (token: string) => Promise<void>, onError: (error: unknown) => void) {
    this.#refresh = refresh;
    this.#apply = apply;
    this.#onError = onError;
  }

  /** Plans a renewal a tenth of the token's remaining life (at least 5 s) before it expires. */
  schedule(token: string | undefined): void {
    this.cancel();
    const expiresAt = tokenExpiry(token);
    if (expiresAt === undefined) return;
    const left = expiresAt - Date.now();
    const delay = Math.min(MAX_DELAY_MS, Math.max(1000, left - Math.max(5000, left / 10)));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#refresh().then((fresh) => this.#apply(fresh)).catch(this.#onError);
    }, delay);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
