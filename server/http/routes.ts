/** Plain HTTP on the hub's port: health, readiness (PROTOCOL.md §9), the browser client and the demo page. */
import { readFileSync } from 'node:fs';
import { DEMO_PAGE } from '../demo/page.js';
import type { HttpHandler, HttpResponse } from '../transport/connection.js';

export type Readiness = 'starting' | 'ready' | 'stopping';

const BUNDLE = new URL('../../browser/tidings.min.js', import.meta.url);

/** The browser client, read once; a build without it says how to make it. */
function loadBundle(): HttpResponse {
  try {
    return { status: 200, contentType: 'text/javascript; charset=utf-8', body: readFileSync(BUNDLE) };
  } catch {
    return { status: 503, body: { error: { code: 'unavailable', message: 'the browser client is not built: run npm run build' } } };
  }
}

export function createHttpHandler(readiness: () => Readiness, opts: { demo: boolean } = { demo: false }): HttpHandler {
  // Served always, as Socket.IO serves its client: a page on this hub needs nothing else.
  const bundle = loadBundle();
  return (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { status: 405, body: { error: { code: 'bad_request', message: `${req.method} is not allowed here` } } };
    }
    if (req.path === '/healthz') return { status: 200, body: { status: 'ok' } };
    if (req.path === '/readyz') {
      const state = readiness();
      return { status: state === 'ready' ? 200 : 503, body: { status: state } };
    }
    if (opts.demo && (req.path === '/' || req.path === '/index.html')) {
      return { status: 200, contentType: 'text/html; charset=utf-8', body: DEMO_PAGE };
    }
    if (req.path === '/tidings.min.js') return bundle;
    return { status: 404, body: { error: { code: 'bad_request', message: `no route for ${req.path.slice(0, 200)}` } } };
  };
}
