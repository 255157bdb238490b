/** The `tidings` command: help, settings errors, transports, the data-folder lock, health, signals. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { removeDir, runCli, startHub, tempDir } from '../helpers/hub-process.js';
import { RawClient, offsetsOf, range } from '../helpers/raw-client.js';

describe('tidings serve', () => {
  it('prints help listing every flag and its environment variable', async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    assert.equal(code, 0);
    for (const flag of ['--port', '--host', '--data', '--transport', '--storage', '--max-messages', '--max-bytes', '--max-age',
      '--max-payload', '--fsync', '--fsync-interval', '--heartbeat', '--config', '--log-level']) {
      assert.ok(stdout.includes(flag), `help lists ${flag}`);
    }
    assert.match(stdout, /TIDINGS_MAX_AGE/);
  });

  it('stops on a bad setting with one line naming the flag or variable and the problem', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--port', 'abc'], {}, /^tidings: --port: .*"abc"/],
      [['--fsync', 'sometimes'], {}, /^tidings: --fsync: .*"sometimes"/],
      [['--max-age', '7x'], {}, /^tidings: --max-age: expected an age/],
      [['--transport', 'tcp'], {}, /^tidings: --transport: /],
      [[], { TIDINGS_MAX_PAYLOAD: 'huge' }, /^tidings: TIDINGS_MAX_PAYLOAD: expected a size/],
    ];
    for (const [args, env, pattern] of cases) {
      const { code, stderr } = await runCli(['serve', '--port', '0', ...args], env);
      assert.equal(code, 2, args.join(' '));
      const lines = stderr.trim().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0] as string, pattern);
    }
  });

  it('names the config file and key when the file is wrong', async () => {
    const dir = tempDir();
    try {
      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ topics: [{ pattern: 'a..b' }] }));
      const r1 = await runCli(['serve', '--config', bad]);
      assert.equal(r1.code, 2);
      assert.match(r1.stderr, new RegExp(`${bad}: topics\\.0\\.pattern: not a valid topic pattern`));
      writeFileSync(bad, JSON.stringify({ prot: 1 }));
      const r2 = await runCli(['serve', '--config', bad]);
      assert.equal(r2.code, 2);
      assert.match(r2.stderr, /unknown setting "prot"/);
      writeFileSync(bad, '{ nope');
      assert.match((await runCli(['serve', '--config', bad])).stderr, /is not valid JSON/);
    } finally {
      removeDir(dir);
    }
  });

  it('falls back to ws with one warning when the uWebSockets.js binary cannot be used', async () => {
    const hub = await startHub({ env: { UWS_USE_FALLBACK: '1' } });
    try {
      const warnings = hub.lines.filter((l) => l.includes('"level":40'));
      assert.equal(warnings.length, 1);
      assert.match(warnings[0] as string, /using the ws transport/);
      assert.ok(hub.lines.some((l) => l.includes('"msg":"listening"') && l.includes('"transport":"ws"')));
    } finally {
      await hub.stop();
      removeDir(hub.dataDir);
    }
  });

  it('refuses --transport uws when the binary cannot be used', async () => {
    const { code, stderr } = await runCli(['serve', '--port', '0', '--transport', 'uws', '--storage', 'memory'], { UWS_USE_FALLBACK: '1' });
    assert.equal(code, 1);
    assert.match(stderr, /--transport uws: uWebSockets.js cannot be used here/);
  });

  it('refuses a second hub on a data folder in use, and takes over a lock left by a killed hub', async () => {
    const first = await startHub();
    const second = await runCli(['serve', '--port', '0', '--data', first.dataDir]);
    assert.equal(second.code, 1);
    assert.match(second.stderr, new RegExp(`data folder ${first.dataDir} is in use by another Tidings process \\(pid ${first.child.pid}\\)`));
    await first.kill9();
    const third = await startHub({ dataDir: first.dataDir });
    await third.stop();
    removeDir(first.dataDir);
  });

  it('answers /healthz and /readyz', async () => {
    const hub = await startHub();
    try {
      const health = await fetch(`${hub.httpUrl}/healthz`);
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'ok' });
      const ready = await fetch(`${hub.httpUrl}/readyz`);
      assert.equal(ready.status, 200);
      assert.equal((await fetch(`${hub.httpUrl}/nope`)).status, 404);
    } finally {
      await hub.stop();
      removeDir(hub.dataDir);
    }
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`on ${signal} closes clients with 1001 and exits 0 within 5 s`, async () => {
      const hub = await startHub();
      const c = await RawClient.connect(hub.url);
      await c.request({ op: 'publish', topic: 'sig.t', data: 1 });
      const started = Date.now();
      hub.child.kill(signal);
      const [{ code: closeCode }, { code }] = await Promise.all([c.closed, hub.exited]);
      assert.equal(closeCode, 1001);
      assert.equal(code, 0);
      assert.ok(Date.now() - started < 5000, `exited in ${Date.now() - started} ms`);
      removeDir(hub.dataDir);
    });
  }

  it('applies per-pattern rules from a config file', async () => {
    const dir = tempDir();
    const config = join(dir, 'tidings.json');
    writeFileSync(config, JSON.stringify({
      topics: [
        { pattern: 'ticker.>', storage: 'memory', maxMessages: 100 },
        { pattern: 'chat.*', maxAge: '7d' },
      ],
    }));
    try {
      const first = await startHub({ dataDir: join(dir, 'data'), args: ['--config', config] });
      const c = await RawClient.connect(first.url);
      const acks = [];
      for (let i = 1; i <= 150; i++) acks.push(c.request({ op: 'publish', topic: 'ticker.AAPL', data: i }));
      await Promise.all(acks);
      const chat = await c.request({ op: 'publish', topic: 'chat.lobby', data: 'hi' });
      const sub = await c.request({ op: 'subscribe', topic: 'ticker.AAPL', from: { earliest: true } });
      assert.deepEqual([sub.earliest, sub.head], [51, 150]);
      assert.deepEqual(offsetsOf(await c.waitForMessages('ticker.AAPL', 100)), range(51, 150));
      const ticker = sub.epoch;
      c.terminate();
      await first.stop();
      const second = await startHub({ dataDir: join(dir, 'data'), args: ['--config', config] });
      const c2 = await RawClient.connect(second.url);
      const t = await c2.request({ op: 'subscribe', topic: 'ticker.AAPL', from: { after: 150, epoch: ticker } });
      assert.deepEqual([t.reset, t.head], [true, 0], 'memory topic: new epoch after restart');
      const ch = await c2.request({ op: 'subscribe', topic: 'chat.lobby', from: { after: 0, epoch: chat.epoch } });
      assert.deepEqual([ch.reset, ch.head], [false, 1], 'disk topic: same epoch after restart');
      c2.terminate();
      await second.stop();
    } finally {
      removeDir(dir);
    }
  });
});
