/** Plain HTTP on the hub's port: health and readiness (PROTOCOL.md §9). */
import type { HttpHandler } from '../transport/connection.js';

export type Readiness = 'starting' | 'ready' | 'stopping';

export function createHttpHandler(readiness: () => Readiness): HttpHandler {
  return (req) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return { status: 405, body: { error: { code: 'bad_request', message: `${req.method} is not allowed here` } } };
    }
    if (req.path === '/healthz') return { status: 200, body: { status: 'ok' } };
    if (req.path === '/readyz') {
      const state = readiness();
      return { status: state === 'ready' ? 200 : 503, body: { status: state } };
    }
    return { status: 404, body: { error: { code: 'bad_request', message: `no route for ${req.path.slice(0, 200)}` } } };
  };
}
