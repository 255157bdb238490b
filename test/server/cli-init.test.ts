/** `tidings init`: the starter config it writes passes check-config and starts a hub; it never overwrites by accident. */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeDir, runCli, startHub, tempDir } from '../helpers/hub-process.js';

const CLI_TIMEOUT_MS = 15_000;

describe('tidings init', () => {
  let dir: string;
  before(() => (dir = tempDir()));
  after(() => removeDir(dir));

  it('writes tidings.json that check-config passes and serve --config starts with', async () => {
    const here = join(dir, 'plain');
    mkdirSync(here);
    const made = await runCli(['init'], {}, CLI_TIMEOUT_MS, here);
    assert.equal(made.code, 0, made.stderr);
    const file = join(here, 'tidings.json');
    const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(settings.host, '127.0.0.1');
    assert.equal(settings.authSecret, undefined);
    assert.match(made.stdout, /^wrote tidings\.json\n/);
    assert.match(made.stdout, /\n {2}topics {11}rules by topic pattern/);
    assert.match(made.stdout, /\nstart it: +tidings serve --config tidings\.json\n/);

    const check = await runCli(['check-config', file], {}, CLI_TIMEOUT_MS);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /auth: off/);
    const hub = await startHub({ args: ['--config', file] });
    try {
      assert.equal((await fetch(`${hub.httpUrl}/readyz`)).status, 200);
    } finally {
      await hub.stop();
      removeDir(hub.dataDir);
    }
  });

  it('refuses to overwrite a file unless --force, and writes into a folder it is given', async () => {
    const file = join(dir, 'mine.json');
    writeFileSync(file, '{"port": 9999}\n');
    const again = await runCli(['init', file], {}, CLI_TIMEOUT_MS);
    assert.equal(again.code, 1);
    assert.equal(again.stderr, `tidings: ${file} exists already: pass --force to replace it, or name another file\n`);
    assert.equal(readFileSync(file, 'utf8'), '{"port": 9999}\n');
    const forced = await runCli(['init', file, '--force'], {}, CLI_TIMEOUT_MS);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal((JSON.parse(readFileSync(file, 'utf8')) as { port: number }).port, 8080);

    const folder = join(dir, 'etc');
    mkdirSync(folder);
    const inFolder = await runCli(['init', folder], {}, CLI_TIMEOUT_MS);
    assert.equal(inFolder.code, 0, inFolder.stderr);
    assert.ok(statSync(join(folder, 'tidings.json')).isFile());
    const missing = await runCli(['init', join(dir, 'nope', 'x.json')], {}, CLI_TIMEOUT_MS);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, `tidings: cannot write ${join(dir, 'nope', 'x.json')}: there is no folder ${join(dir, 'nope')}\n`);
  });

  it('--auth writes a strong secret readable by the owner only; the hub then wants tokens gen-token --config makes', async () => {
    const file = join(dir, 'secure.json');
    writeFileSync(file, '{}\n', { mode: 0o644 });
    const made = await runCli(['init', file, '--auth', '--force'], {}, CLI_TIMEOUT_MS);
    assert.equal(made.code, 0, made.stderr);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'a replaced file is made private too');
    assert.match(made.stdout, /keep it private/);
    assert.match(made.stdout, /make a token: +tidings gen-token --config /);
    const secret = (JSON.parse(readFileSync(file, 'utf8')) as { authSecret: string }).authSecret;
    assert.match(secret, /^[A-Za-z0-9_-]{64}$/, '48 random bytes in base64url');
    assert.ok(!made.stdout.includes(secret), 'the secret is not printed');

    const check = await runCli(['check-config', file], {}, CLI_TIMEOUT_MS);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /auth: HS256 tokens/);
    const token = await runCli(['gen-token', '--config', file, '--subscribe', 'demo.*'], {}, CLI_TIMEOUT_MS);
    assert.equal(token.code, 0, token.stderr);
    const hub = await startHub({ args: ['--config', file, '--storage', 'memory'] });
    try {
      assert.equal((await fetch(`${hub.httpUrl}/v1/topics`)).status, 401);
      const withToken = await fetch(`${hub.httpUrl}/v1/topics`, { headers: { authorization: `Bearer ${token.stdout.trim()}` } });
      assert.equal(withToken.status, 200);
    } finally {
      await hub.stop();
      removeDir(hub.dataDir);
    }
    const other = await runCli(['init', join(dir, 'other.json'), '--auth'], {}, CLI_TIMEOUT_MS);
    assert.notEqual((JSON.parse(readFileSync(join(dir, 'other.json'), 'utf8')) as { authSecret: string }).authSecret, secret);
    assert.equal(other.code, 0);
  });
});
