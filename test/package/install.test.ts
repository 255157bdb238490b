/**
 * What `npm pack` makes is what a user installs: the tarball goes into a fresh
 * app, whose code imports `tidings/client` and whose `node_modules/.bin/tidings`
 * runs the hub; a global install (into a private prefix) puts `tidings` on PATH.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { removeDir, tempDir } from '../helpers/hub-process.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const INSTALL_TIMEOUT_MS = 240_000;
/** Installs come from npm's cache when it has them (a fresh `npm ci` fills it). */
const NPM_FLAGS = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'];

async function npm(args: string[], cwd: string): Promise<string> {
  const { stdout } = await run('npm', args, { cwd, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** Starts a hub from an installed bin and resolves its port from the `listening` line. */
function startInstalledHub(bin: string, dataDir: string): Promise<{ port: number; stop(): Promise<void> }> {
  const child = spawn(bin, ['serve', '--port', '0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`installed hub did not listen: ${output}`));
    }, 30_000);
    child.on('exit', (code) => reject(new Error(`installed hub exited with ${code}: ${output}`)));
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.includes('"msg":"listening"'));
      if (!line) return;
      clearTimeout(timer);
      resolve({
        port: (JSON.parse(line) as { port: number }).port,
        stop: () => new Promise((done) => {
          child.removeAllListeners('exit');
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

describe('the packed tarball', { timeout: 600_000 }, () => {
  let work: string;
  let tarball: string;

  before(async () => {
    work = tempDir('tidings-pack-');
    // dist/ is built already (the tests run from it); `npm pack` alone would rebuild it through `prepare`.
    const packed = JSON.parse(await npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], root)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const info = packed[0]!;
    tarball = join(work, info.filename);
    const paths = info.files.map((f) => f.path);
    for (const needed of ['dist/server/main.js', 'dist/client/index.js', 'dist/client/index.d.ts', 'dist/browser/tidings.min.js', 'package.json']) {
      assert.ok(paths.includes(needed), `the tarball holds ${needed}`);
    }
    assert.ok(!paths.some((p) => p.startsWith('dist/test/') || p.startsWith('dist/bench/')), 'no tests or bench in the tarball');
  });
  after(() => removeDir(work));

  it('installs into an app that uses the client and the bin from there', async () => {
    const app = join(work, 'app');
    await run('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'tidings-user-app', private: true, type: 'module' }));
    await npm(['install', ...NPM_FLAGS, tarball, 'ws@8.23.0'], app);
    const bin = join(app, 'node_modules', '.bin', 'tidings');
    assert.ok(existsSync(bin), 'node_modules/.bin/tidings exists');
    const hub = await startInstalledHub(bin, join(work, 'app-data'));
    try {
      writeFileSync(join(app, 'use-client.js'), `
        import WebSocket from 'ws';
        import { TidingsClient } from 'tidings/client';
        const hub = new TidingsClient(process.argv[2], { WebSocket });
        const got = [];
        const both = new Promise((resolve) => hub.subscribe('app.events', (m) => {
          got.push(m.data);
          if (got.length === 2) resolve();
        }, { from: 'earliest' }));
        await hub.publish('app.events', { n: 1 });
        await hub.publish('app.events', { n: 2 });
        await both;
        console.log(JSON.stringify(got));
        hub.close();
      `);
      const { stdout } = await run(process.execPath, [join(app, 'use-client.js'), `ws://127.0.0.1:${hub.port}/ws`], { cwd: app, timeout: 30_000 });
      assert.deepEqual(JSON.parse(stdout.trim()), [{ n: 1 }, { n: 2 }]);
      const published = await run(bin, ['publish', 'app.events', '{"n":3}', '--url', `http://127.0.0.1:${hub.port}`], { timeout: 30_000 });
      assert.match(published.stdout, /stored at offset 3/);
    } finally {
      await hub.stop();
    }
    const types = readFileSync(join(app, 'node_modules', 'tidings', 'dist', 'client', 'index.d.ts'), 'utf8');
    assert.match(types, /TidingsClient/, 'the client ships its type declarations');
  });

  it('installs globally and puts tidings on PATH', async () => {
    const prefix = join(work, 'global');
    await npm(['install', '--global', '--prefix', prefix, ...NPM_FLAGS, tarball], work);
    const bin = join(prefix, 'bin', 'tidings');
    assert.ok(existsSync(bin), `${bin} exists`);
    const { stdout } = await run('tidings', ['serve', '--help'], {
      env: { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` }, timeout: 30_000,
    });
    assert.match(stdout, /run the hub in the foreground/);
  });
});
