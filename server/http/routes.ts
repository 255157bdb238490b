/**
 * The HTTP route table, one for both engines (PROTOCOL.md §9): the topic API,
 * Server-Sent Events, health, readiness, metrics, the browser client and the demo page.
 */
import { readFileSync } from 'node:fs';
import FindMyWay from 'find-my-way';
import type { Logger } from 'pino';
import { demoPage } from '../demo/page.js';
import type { Grants } from '../auth/grants.js';
import type { TokenVerifier } from '../auth/verifier.js';
import type { Hub } from '../hub/hub.js';
import type { HttpExchange, HttpHandler } from '../transport/connection.js';
import { historyRoute, publishRoute, topicsRoute } from './api.js';
import { authenticate } from './auth.js';
import { preflight, withCors } from './cors.js';
import type { OriginCheck } from './origin.js';
import { sendError, sendJson } from './reply.js';
import { eventsRoute } from './sse.js';

export type Readiness = 'starting' | 'ready' | 'stopping';

/** What `/metrics` serves (server/metrics.ts). */
export interface MetricsSource {
  readonly contentType: string;
  render(): Promise<string>;
}

export interface HttpDeps {
  readiness(): Readiness;
  /** Undefined until the store is open. */
  hub(): Hub | undefined;
  metrics(): MetricsSource | undefined;
  /** Largest request body read (a publish's JSON). */
  maxBodyBytes: number;
  demo: boolean;
  log: Logger;
  /** Undefined when auth is off. */
  verifier: TokenVerifier | undefined;
  originAllowed: OriginCheck;
}

type Params = Record<string, string | undefined>;
type Route = (ex: HttpExchange, params: Params) => void | Promise<void>;

const BUNDLE = new URL('../../browser/tidings.min.js', import.meta.url);
const HTML = { 'content-type': 'text/html; charset=utf-8' };
const JS = { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' };

/** The browser client, read once; a build without it says how to make it. */
function loadBundle(): Buffer | undefined {
  try {
    return readFileSync(BUNDLE);
  } catch {
    return undefined;
  }
}

export function createHttpHandler(deps: HttpDeps): HttpHandler {
  const bundle = loadBundle();
  const router = FindMyWay<never>({ ignoreTrailingSlash: true, maxParamLength: 100_000 });
  const routes = new Map<unknown, Route>();
  const on = (method: 'GET' | 'POST', path: string, route: Route): void => {
    const handler = (): void => {};
    routes.set(handler, route);
    router.on(method, path, handler);
  };
  /** Routes of the topic API: the store open, the Origin allowed, the token checked. */
  const withHub = (route: (hub: Hub, ex: HttpExchange, params: Params, grants: Grants) => void | Promise<void>): Route => async (ex, params) => {
    const hub = deps.hub();
    if (!hub || hub.closing) return sendError(ex, 'unavailable', hub ? 'the hub is shutting down' : 'the hub is starting');
    const origin = ex.header('origin');
    if (!deps.originAllowed(origin, ex.header('host'))) {
      return sendError(ex, 'forbidden', `pages from ${origin?.slice(0, 100)} may not use this hub (see --allowed-origins)`);
    }
    const grants = await authenticate(deps.verifier, ex);
    if (grants) return route(hub, ex, params, grants);
  };

  on('GET', '/healthz', (ex) => sendJson(ex, 200, { status: 'ok' }));
  on('GET', '/readyz', (ex) => {
    const state = deps.readiness();
    sendJson(ex, state === 'ready' ? 200 : 503, { status: state });
  });
  on('GET', '/metrics', async (ex) => {
    const metrics = deps.metrics();
    if (!metrics) return sendError(ex, 'unavailable', 'metrics are not ready');
    ex.respond(200, { 'content-type': metrics.contentType }, await metrics.render());
  });
  on('POST', '/v1/topics/:topic/messages', withHub((hub, ex, p, g) => publishRoute(hub, ex, p.topic, deps.maxBodyBytes, g)));
  on('GET', '/v1/topics/:topic/messages', withHub((hub, ex, p, g) => historyRoute(hub, ex, p.topic, g)));
  on('GET', '/v1/topics/:topic/events', withHub((hub, ex, p, g) => eventsRoute(hub, ex, p.topic, g)));
  on('GET', '/v1/topics', withHub((hub, ex, _p, g) => topicsRoute(hub, ex, g)));
  // Served always, as Socket.IO serves its client: a page on this hub needs nothing else.
  on('GET', '/tidings.min.js', (ex) => {
    if (bundle) ex.respond(200, JS, bundle);
    else sendError(ex, 'unavailable', 'the browser client is not built: run npm run build');
  });
  if (deps.demo) {
    const page = demoPage({ auth: deps.verifier !== undefined });
    on('GET', '/', (ex) => ex.respond(200, HTML, page));
    on('GET', '/index.html', (ex) => ex.respond(200, HTML, page));
  }

  return (request) => {
    const origin = request.header('origin');
    const crossSite = origin !== undefined && deps.originAllowed(origin, request.header('host'));
    if (request.method === 'OPTIONS' && origin !== undefined && request.path.startsWith('/v1/')) {
      if (crossSite) return preflight(request, origin);
      return sendError(request, 'forbidden', `pages from ${origin.slice(0, 100)} may not use this hub (see --allowed-origins)`);
    }
    const ex = crossSite ? withCors(request, origin) : request;
    const method = ex.method === 'HEAD' ? 'GET' : ex.method;
    const found = method === 'GET' || method === 'POST' ? router.find(method, ex.path) : null;
    const route = found ? routes.get(found.handler) : undefined;
    if (!route) {
      const other = router.find('GET', ex.path) ?? router.find('POST', ex.path);
      if (other) return sendError(ex, 'bad_request', `${ex.method} is not allowed on ${ex.path.slice(0, 200)}`, 405);
      return sendError(ex, 'bad_request', `no route for ${ex.path.slice(0, 200)}`, 404);
    }
    let outcome;
    try {
      outcome = route(ex, found!.params as Params);
    } catch (error) {
      return failed(deps.log, ex, error);
    }
    if (outcome) outcome.catch((error: unknown) => failed(deps.log, ex, error));
  };
}

function failed(log: Logger, ex: HttpExchange, error: unknown): void {
  log.error({ err: error, method: ex.method, path: ex.path }, 'HTTP request failed');
  sendError(ex, 'internal', 'internal error');
}
