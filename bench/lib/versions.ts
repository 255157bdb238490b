/** Versions of everything measured, read from the installed packages. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  try {
    const file = require.resolve(`${pkg}/package.json`);
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export function packageVersions(): Record<string, string> {
  const own = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return {
    tidings: own.version,
    node: process.versions.node,
    'uWebSockets.js': `${versionOf('uWebSockets.js')} (@trufflesuite/uws-js-unofficial)`,
    ws: versionOf('ws'),
    'socket.io': versionOf('socket.io'),
    lmdb: versionOf('lmdb'),
  };
}
