/** Versions of everything measured, read from the installed packages. */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/** Looks in the node_modules folders Node would search, since some packages' exports hide package.json. */
function versionOf(pkg: string): string {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const file = join(dir, pkg, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'not installed';
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
