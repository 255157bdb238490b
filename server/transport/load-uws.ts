/**
 * Loads uWebSockets.js's native binary, or says why it cannot. The package's
 * own entry point silently swaps in a slow JavaScript shim when the binary does
 * not load, so the binary is required directly and the shim is never used.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type UwsModule = typeof import('uWebSockets.js');

export type UwsLoad = { ok: true; uws: UwsModule; binary: string } | { ok: false; reason: string };

export function loadNativeUws(): UwsLoad {
  if (['1', 'true'].includes((process.env.UWS_USE_FALLBACK ?? '').toLowerCase())) {
    return { ok: false, reason: 'UWS_USE_FALLBACK is set, which asks for the JavaScript shim' };
  }
  const require = createRequire(import.meta.url);
  let dir: string;
  try {
    dir = dirname(require.resolve('uWebSockets.js/package.json'));
  } catch {
    return { ok: false, reason: 'the uWebSockets.js package is not installed' };
  }
  const file = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const binary = join(dir, 'binaries', file);
  try {
    const uws = require(binary) as UwsModule;
    if (typeof uws.App !== 'function') return { ok: false, reason: `${file} did not export App` };
    return { ok: true, uws, binary };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { ok: false, reason: `no native binary for this platform and Node (${file}): ${message}` };
  }
}
