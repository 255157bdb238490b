import type { Logger } from 'pino';
import type { TransportOptions, TransportServer } from './connection.js';
import { loadNativeUws } from './load-uws.js';
import { UwsTransport } from './uws.js';
import { WsTransport } from './ws.js';

/** `auto` takes uWebSockets.js when its native binary loads, else `ws`, saying why. */
export function createTransport(kind: 'auto' | 'uws' | 'ws', opts: TransportOptions, log: Logger): TransportServer {
  if (kind === 'ws') return new WsTransport(opts);
  const loaded = loadNativeUws();
  if (loaded.ok) return new UwsTransport(loaded.uws, opts);
  if (kind === 'uws') throw new Error(`--transport uws: uWebSockets.js cannot be used here: ${loaded.reason}`);
  log.warn({ reason: loaded.reason }, 'uWebSockets.js native binary unavailable, using the ws transport');
  return new WsTransport(opts);
}
