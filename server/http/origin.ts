/**
 * Browser Origin checks, against cross-site WebSocket hijacking and cross-site
 * publishes: a page may reach the hub from its own origin, or from one the
 * operator listed. Requests without Origin (servers, the CLI) are not browsers'.
 */

/** Whether `pattern` (exact, `*`, or `scheme://*.domain`) admits `origin`. */
function admits(pattern: string, origin: string): boolean {
  if (pattern === '*' || pattern === origin) return true;
  const star = pattern.indexOf('://*.');
  if (star < 0) return false;
  const scheme = pattern.slice(0, star + 3);
  const suffix = pattern.slice(star + 4); // ".example.com"
  return origin.startsWith(scheme) && origin.endsWith(suffix) && origin.length > scheme.length + suffix.length
    && !origin.slice(scheme.length, origin.length - suffix.length).includes('/');
}

const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?$/;

/**
 * Same origin: the page was served by this hub (its Origin's host is the Host it
 * asked for). A hub on loopback counts only loopback names as its own, so a page
 * on a domain rebound to 127.0.0.1 is still cross-site.
 */
function sameOrigin(origin: string, host: string | undefined, loopback: boolean): boolean {
  if (host === undefined) return false;
  const h = host.toLowerCase();
  if (loopback && !LOOPBACK_HOST.test(h)) return false;
  try {
    return new URL(origin).host === h;
  } catch {
    return false;
  }
}

export type OriginCheck = (origin: string | undefined, host: string | undefined) => boolean;

/** `loopback`: the hub listens on a loopback address only. */
export function createOriginCheck(allowed: readonly string[], loopback: boolean): OriginCheck {
  const patterns = allowed.map((p) => p.toLowerCase().replace(/\/+$/, ''));
  return (origin, host) => {
    if (origin === undefined) return true;
    const o = origin.toLowerCase();
    return sameOrigin(o, host, loopback) || patterns.some((p) => admits(p, o));
  };
}

/** Whether an address to bind is loopback only. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
