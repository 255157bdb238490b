/** `tidings serve`: wires store, hub and transport, and stops them in order on a signal. */
import type { Logger } from 'pino';
import { CLOSE } from '../shared/errors.js';
import { checkStartable, type Settings } from './config.js';
import { createOriginCheck, isLoopbackHost } from './http/origin.js';
import { Hub } from './hub/hub.js';
import { createMetrics } from './metrics.js';
import { startTicker } from './demo/ticker.js';
import { createHttpHandler, type MetricsSource, type Readiness } from './http/routes.js';
import { lockDataDir, type DataDirLock } from './store/data-dir-lock.js';
import { LmdbLogStore } from './store/lmdb-log-store.js';
import { MemoryLogStore } from './store/memory-log-store.js';
import { RoutedLogStore } from './store/routed-log-store.js';
import { createPolicyResolver, usesDisk } from './topic-policies.js';
import type { ConnectionHandler } from './transport/connection.js';
import { createTransport } from './transport/create-transport.js';

/** Everything must be stopped within this long of a signal. */
const SHUTDOWN_DEADLINE_MS = 5000;
/** Part of it given to publishes in flight to be stored and answered. */
const DRAIN_PUBLISHES_MS = 2000;
/** Frames cover this much for one frame's overhead beyond `data` (PROTOCOL.md §3). */
const FRAME_OVERHEAD_BYTES = 4096;

export interface Running {
  port: number;
  stop(): Promise<void>;
}

/** checkStartable refused an open hub on a non-loopback address unless --insecure; this says it is open. */
function warnIfExposed(settings: Settings, authOn: boolean, log: Logger): void {
  if (authOn || isLoopbackHost(settings.host)) return;
  log.warn({ host: settings.host }, 'auth is off on a non-loopback address (--insecure): anyone who can reach this port may publish and subscribe');
}

export async function serve(settings: Settings, log: Logger): Promise<Running> {
  // resolveSettings made these checks already, naming where each setting came from;
  // made again here, a key file changed since is still refused.
  const verifier = checkStartable(settings);
  warnIfExposed(settings, verifier !== undefined, log);
  const originAllowed = createOriginCheck(settings.allowedOrigins, isLoopbackHost(settings.host));
  let readiness: Readiness = 'starting';
  let hub: Hub | undefined;
  let metrics: MetricsSource | undefined;
  const policyFor = createPolicyResolver(settings);
  let lock: DataDirLock | undefined;
  if (usesDisk(settings)) lock = lockDataDir(settings.data);
  const store = new RoutedLogStore(policyFor, {
    memory: new MemoryLogStore({ policyFor, dedupeWindowMs: settings.dedupeWindow }),
    ...(lock && {
      disk: new LmdbLogStore({
        dir: settings.data, policyFor, dedupeWindowMs: settings.dedupeWindow,
        fsyncIntervalMs: settings.fsyncInterval, log: log.child({ component: 'store' }), check: settings.checkStore,
      }),
    }),
  });
  // Connections before the store is open are told to come back.
  const handler: ConnectionHandler = {
    onOpen(conn, info) {
      if (hub) return hub.onOpen(conn, info);
      conn.close(CLOSE.GOING_AWAY, 'server starting');
      return { onText() {}, onBinary() {}, onDrain() {}, onClose() {} };
    },
  };
  const transport = createTransport(settings.transport, {
    host: settings.host,
    port: settings.port,
    maxFrameBytes: settings.maxPayload + FRAME_OVERHEAD_BYTES,
    compression: settings.compression,
    maxHeaderBytes: settings.maxHeaderBytes,
    handshakeTimeoutMs: settings.handshakeTimeout,
    originAllowed,
    handler,
    http: createHttpHandler({
      readiness: () => readiness,
      hub: () => hub,
      metrics: () => metrics,
      maxBodyBytes: settings.maxPayload + FRAME_OVERHEAD_BYTES,
      demo: settings.demo,
      log: log.child({ component: 'http' }),
      verifier,
      originAllowed,
    }),
  }, log);
  let port: number;
  try {
    port = await transport.listen();
  } catch (error) {
    lock?.release();
    throw error;
  }
  try {
    await store.open();
  } catch (error) {
    await transport.close();
    lock?.release();
    throw error;
  }
  hub = new Hub({
    store, log, heartbeatMs: settings.heartbeat, maxPayloadBytes: settings.maxPayload,
    maxSubscriptions: settings.maxSubscriptions, maxBufferedBytes: settings.maxBuffered,
    verifier, handshakeTimeoutMs: settings.handshakeTimeout,
    maxConnections: settings.maxConnections, maxConnectionsPerIp: settings.maxConnectionsPerIp,
    maxPublishRate: settings.maxPublishRate, maxFrameRate: settings.maxFrameRate,
  });
  hub.start();
  metrics = createMetrics({ hub, store });
  const stopTicker = settings.demo ? startTicker(hub, log, settings.demoInterval) : undefined;
  readiness = 'ready';
  log.info({
    host: settings.host, port, transport: transport.name, storage: settings.storage, data: lock ? settings.data : null,
    auth: verifier ? 'jwt' : 'off',
  }, 'listening');

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= (async () => {
    readiness = 'stopping';
    stopTicker?.();
    const started = Date.now();
    transport.stopAccepting();
    await hub.shutdown(started + DRAIN_PUBLISHES_MS);
    // Give close frames a moment to leave before the sockets go.
    while (hub.sessions.size > 0 && Date.now() - started < SHUTDOWN_DEADLINE_MS - 1500) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await store.close();
    await transport.close();
    lock?.release();
    log.info({ ms: Date.now() - started }, 'stopped');
  })());
  return { port, stop };
}

export { SHUTDOWN_DEADLINE_MS };
