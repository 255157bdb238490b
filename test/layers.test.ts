/** The layering of STYLE.md §1: imports point down only, and client/ and shared/ stay free of Node. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((name) => {
    const path = join(dir, name);
    return statSync(join(root, path)).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/import\(['"]([^'"]+)['"]\)/g)]
    .map((m) => m[1] as string);
}

function resolveLocal(file: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  return relative(root, join(root, file, '..', spec));
}

/** Which server layers each layer may import (main/serve/config/http may import all). */
const SERVER_RANK: Record<string, number> = { store: 0, auth: 0, protocol: 1, transport: 1, hub: 2 };

function serverLayer(path: string): string | undefined {
  const m = /^server\/([^/]+)\//.exec(path);
  return m?.[1];
}

/**
 * Every folder of server/ has a place in the picture of STYLE.md §1: a layer
 * ranked above, or an app (cli/, http/, demo/: they drive the hub and may import
 * any layer, never wiring). A new folder fails here until it is placed.
 */
const SERVER_APPS = new Set(['cli', 'http', 'demo']);
/** server/*.ts files that wire the layers together: only wiring and apps started by it may import them. */
const WIRING = /^server\/[^/]+\.ts$/;

describe('layers', () => {
  it('gives every folder of server/ a place', () => {
    const folders = readdirSync(join(root, 'server')).filter((name) => statSync(join(root, 'server', name)).isDirectory());
    for (const folder of folders) {
      assert.ok(folder in SERVER_RANK || SERVER_APPS.has(folder), `server/${folder}/ has no place among the layers (${Object.keys(SERVER_RANK).join(', ')}) or apps (${[...SERVER_APPS].join(', ')}): add it to test/layers.test.ts`);
    }
  });

  it('keeps layers and apps from importing the wiring, and layers from importing apps', () => {
    for (const file of sources('server')) {
      const from = serverLayer(file);
      if (!from) continue;
      for (const spec of imports(file)) {
        const target = resolveLocal(file, spec);
        if (!target?.startsWith('server/')) continue;
        const to = serverLayer(target);
        if (from in SERVER_RANK) assert.ok(to === undefined || !SERVER_APPS.has(to), `${file} (a layer) imports ${spec} (an app)`);
        if (WIRING.test(target)) {
          // Settings and small helpers at the top are shared by the apps; the hub's wiring is not.
          assert.ok(SERVER_APPS.has(from) && !/^server\/(serve|main)\.ts$/.test(target), `${file} imports ${spec}, which is wiring`);
        }
      }
    }
  });

  it('keeps shared/ and client/ (but client/node/) free of Node modules and of server/ imports', () => {
    for (const file of [...sources('shared'), ...sources('client')]) {
      const nodeOnly = file.startsWith('client/node/');
      for (const spec of imports(file)) {
        if (!nodeOnly) assert.ok(!spec.startsWith('node:') && !['fs', 'path', 'os', 'net', 'http'].includes(spec), `${file} imports ${spec}`);
        const target = resolveLocal(file, spec);
        if (target) assert.ok(!target.startsWith('server/'), `${file} imports ${spec}`);
        // client/node/ is the Node-only entry: nothing the browser bundle holds may reach it.
        if (target && !nodeOnly) assert.ok(!target.startsWith('client/node/'), `${file} imports ${spec}, which is Node only`);
        if (file.startsWith('shared/') && target) assert.ok(target.startsWith('shared/'), `${file} imports ${spec}`);
        if (file.startsWith('client/') && target) assert.ok(/^(client|shared)\//.test(target), `${file} imports ${spec}`);
      }
    }
  });

  it('lets server layers import only layers below them', () => {
    for (const file of sources('server')) {
      const from = serverLayer(file);
      if (!from || !(from in SERVER_RANK)) continue;
      for (const spec of imports(file)) {
        const target = resolveLocal(file, spec);
        if (!target) continue;
        assert.ok(!target.startsWith('client/'), `${file} imports ${spec}`);
        const to = serverLayer(target);
        if (!target.startsWith('server/')) continue;
        assert.ok(to !== undefined && to in SERVER_RANK, `${file} imports ${spec}, which is wiring, not a layer`);
        const ok = to === from || (SERVER_RANK[to] as number) < (SERVER_RANK[from] as number) || (from === 'hub' && to !== 'hub');
        assert.ok(ok, `${file} (${from}) imports ${spec} (${to})`);
        if (from === 'store' || from === 'auth' || from === 'protocol' || from === 'transport') {
          assert.ok(to === from || (from === 'protocol' && to === 'store'), `${file} (${from}) imports ${spec} (${to})`);
        }
      }
    }
  });
});
