/**
 * `--url`: the hub's HTTP base and its WebSocket address, derived from either.
 * `http://h:8080` ⇄ `ws://h:8080/ws`; a path before `/ws` (a reverse-proxy mount) is kept.
 */
import { CliError } from './errors.js';

export const DEFAULT_HUB_URL = 'http://127.0.0.1:8080';

export interface HubUrl {
  /** e.g. `http://127.0.0.1:8080`, no trailing slash: API paths are appended to it. */
  http: string;
  /** e.g. `ws://127.0.0.1:8080/ws`. */
  ws: string;
  /** A JWT for a hub with auth on (--token / TIDINGS_TOKEN). */
  token?: string;
}

const SCHEMES: Record<string, { http: string; ws: string }> = {
  'http:': { http: 'http:', ws: 'ws:' },
  'ws:': { http: 'http:', ws: 'ws:' },
  'https:': { http: 'https:', ws: 'wss:' },
  'wss:': { http: 'https:', ws: 'wss:' },
};

/** An empty --token or TIDINGS_TOKEN counts as none. */
export function resolveHubUrl(input: string, token?: string): HubUrl {
  const text = input.trim();
  // `127.0.0.1:8080` or `localhost:8080`: a plain HTTP address.
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`--url: "${input}" is not a URL; expected e.g. ${DEFAULT_HUB_URL} or ws://127.0.0.1:8080/ws`, 2);
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) throw new CliError(`--url: expected http://, https://, ws:// or wss:// (got ${url.protocol}//)`, 2);
  const base = url.pathname.replace(/\/+$/, '').replace(/\/ws$/, '');
  return {
    http: `${scheme.http}//${url.host}${base}`, ws: `${scheme.ws}//${url.host}${base}/ws`, ...(token !== undefined && token !== '' && { token }),
  };
}

/** What to tell a person when nothing answers at the hub's address. */
export function unreachable(hub: HubUrl, detail?: string): string {
  return detail
    ? `cannot reach the hub at ${hub.http}: ${detail}`
    : `cannot reach the hub at ${hub.http}: is it running? (start it with: tidings serve)`;
}
