/**
 * The conventions of every `tidings` command, as a new user meets them: --version;
 * usage errors in plain words, one hint line and exit 2; gen-token's lifetime,
 * secret and key messages; and what to do about a hub that wants a token.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAIN, removeDir, runCli, startHub, tempDir, type HubProcess } from '../helpers/hub-process.js';

const CLI_TIMEOUT_MS = 15_000;
const SECRET = 'usage-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const COMMANDS = ['serve', 'init', 'publish', 'tail', 'topics', 'gen-token', 'check-config'];

describe('tidings --version', () => {
  it('prints the version of package.json, with -V too', async () => {
    const pkg = JSON.parse(readFileSync(join(MAIN, '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const { code, stdout, stderr } = await runCli([flag], {}, CLI_TIMEOUT_MS);
      assert.equal(code, 0, stderr);
      assert.equal(stdout, `${pkg.version}\n`);
    }
  });

  it('reads the package.json of the installed package, wherever it is', async () => {
    const dir = tempDir();
    try {
      // The layout npm gives a tarball: node_modules/tidings/{package.json,dist/...}.
      const installed = join(dir, 'node_modules', 'tidings');
      const dist = join(MAIN, '..', '..');
      for (const part of ['server', 'shared', 'client']) cpSync(join(dist, part), join(installed, 'dist', part), { recursive: true });
      writeFileSync(join(installed, 'package.json'), JSON.stringify({ name: 'tidings', version: '9.8.7-installed', type: 'module' }));
      symlinkSync(join(dist, '..', 'node_modules'), join(installed, 'node_modules'));
      const run = spawnSync(process.execPath, [join(installed, 'dist', 'server', 'main.js'), '--version'], { cwd: dir, encoding: 'utf8', timeout: CLI_TIMEOUT_MS });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(run.stdout, '9.8.7-installed\n');
    } finally {
      removeDir(dir);
    }
  });
});

describe('usage errors', () => {
  it('an unknown option exits 2 for every command, with one line and one hint', async () => {
    await Promise.all(COMMANDS.map(async (command) => {
      const { code, stdout, stderr } = await runCli([command, '--bogus'], {}, CLI_TIMEOUT_MS);
      assert.equal(code, 2, `${command}: ${stderr}`);
      assert.equal(stdout, '');
      assert.equal(stderr, `tidings: unknown option --bogus\n(run "tidings ${command} --help" for the flags)\n`);
    }));
    const top = await runCli(['--bogus'], {}, CLI_TIMEOUT_MS);
    assert.equal(top.code, 2);
    assert.equal(top.stderr, 'tidings: unknown option --bogus\n(run "tidings --help" for the commands)\n');
  });

  it('a missing or bad value, a missing argument, a misspelt command: plain words, not the whole help', async () => {
    const cases: Array<[string[], string]> = [
      [['serve', '--prot', '1'], 'tidings: unknown option --prot (did you mean --port?)'],
      [['serve', '--port'], 'tidings: --port needs a value: --port <n>'],
      [['topics', '--limit', 'lots'], 'tidings: --limit lots: expected a whole number of 1 or more'],
      [['publish', 'a.b'], 'tidings: missing <json> (usage: tidings publish [options] <topic> <json>)'],
      [['topics', 'extra'], 'tidings: topics takes no arguments (got 1); usage: tidings topics [options]'],
      [['srve'], 'tidings: unknown command "srve" (did you mean serve?)'],
    ];
    await Promise.all(cases.map(async ([args, line]) => {
      const { code, stderr } = await runCli(args, {}, CLI_TIMEOUT_MS);
      assert.equal(code, 2, args.join(' '));
      const lines = stderr.trimEnd().split('\n');
      assert.deepEqual(lines, [line, lines[1]], args.join(' '));
      assert.match(lines[1] as string, /^\(run "tidings( \S+)? --help" for the (flags|commands)\)$/);
    }));
  });

  it('setting errors say what is accepted and what was given, naming the file when the value came from it', async () => {
    const dir = tempDir();
    try {
      const transport = await runCli(['serve', '--transport', 'tcp'], {}, CLI_TIMEOUT_MS);
      assert.equal(transport.stderr, 'tidings: --transport: expected auto, uws or ws (got "tcp")\n');
      const origins = await runCli(['serve', '--allowed-origins', 'https://a.example.com,b.example.com'], {}, CLI_TIMEOUT_MS);
      assert.match(origins.stderr, /^tidings: --allowed-origins: not an origin: .* \(got "b\.example\.com"\)\n$/);
      const level = await runCli(['serve', '--log-level', 'loud'], {}, CLI_TIMEOUT_MS);
      assert.equal(level.stderr, 'tidings: --log-level: expected fatal, error, warn, info, debug, trace or silent (got "loud")\n');
      const cases: Array<[object, string]> = [
        [{ topics: [{ maxAge: '7d' }] }, 'topics.0.pattern: missing: every rule needs a "pattern", e.g. "chat.*"'],
        [{ topics: {} }, 'topics: expected a list of rules such as [{"pattern": "chat.*", "maxAge": "7d"}] (got {})'],
        [{ demo: 'yes' }, 'demo: expected true or false (got "yes")'],
        [{ host: '' }, 'host: must not be empty (got "")'],
        [{ maxPayload: '1GiB' }, 'maxPayload: must be at most 16MiB (got "1GiB")'],
        [{ allowedOrigins: ['https://a.example.com', 'b.example.com'] },
          'allowedOrigins.1: not an origin: expected scheme://host[:port], e.g. https://app.example.com, https://*.example.com, or * (got "b.example.com")'],
      ];
      for (const [i, [content, message]] of cases.entries()) {
        const file = join(dir, `c${i}.json`);
        writeFileSync(file, JSON.stringify(content));
        for (const args of [['serve', '--port', '0', '--config', file], ['check-config', file]]) {
          const { code, stderr } = await runCli(args, {}, CLI_TIMEOUT_MS);
          assert.equal(code, 2, args.join(' '));
          assert.equal(stderr.split('\n')[0]?.replace(/^tidings: /, ''), `${file}: ${message}`, args.join(' '));
          assert.doesNotMatch(stderr, /Invalid|received|nonoptional/);
        }
      }
    } finally {
      removeDir(dir);
    }
  });
});

describe('tidings gen-token messages', () => {
  let dir: string;
  before(() => (dir = tempDir()));
  after(() => removeDir(dir));
  const payload = (token: string): { exp: number; iat: number } =>
    JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as { exp: number; iat: number };

  it('--ttl: shown as 1h, refused at 0 and without a unit, echoed on stderr', async () => {
    const help = await runCli(['gen-token', '--help'], {}, CLI_TIMEOUT_MS);
    assert.match(help.stdout, /--ttl <duration> +how long it is valid, e\.g\. 15m, 1h, 7d \(default: 1h\)/);
    const zero = await runCli(['gen-token', '--secret', SECRET, '--ttl', '0s'], {}, CLI_TIMEOUT_MS);
    assert.equal(zero.code, 2);
    assert.match(zero.stderr, /^tidings: --ttl 0s: a token must expire: the hub refuses tokens without an expiry; give e\.g\. 15m, 1h or 7d\n/);
    const bare = await runCli(['gen-token', '--secret', SECRET, '--ttl', '3600'], {}, CLI_TIMEOUT_MS);
    assert.equal(bare.code, 2);
    assert.match(bare.stderr, /^tidings: --ttl 3600: give a unit, e\.g\. 3600s, 15m or 1h/);
    const ok = await runCli(['gen-token', '--secret', SECRET, '--sub', 'u1', '--subscribe', 'chat.*', '--ttl', '90m'], {}, CLI_TIMEOUT_MS);
    assert.equal(ok.code, 0, ok.stderr);
    const { exp, iat } = payload(ok.stdout.trim());
    assert.equal(exp - iat, 5400);
    assert.match(ok.stderr, /^tidings: HS256 token for u1, valid for 90m \(until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\): subscribe chat\.\*\n$/);
  });

  it('a secret from TIDINGS_AUTH_SECRET is named so, and a --private-key given beside it wins', async () => {
    const short = await runCli(['gen-token', '--publish', 'a.b'], { TIDINGS_AUTH_SECRET: 'short' }, CLI_TIMEOUT_MS);
    assert.equal(short.code, 2);
    assert.equal(short.stderr, 'tidings: TIDINGS_AUTH_SECRET: must be at least 32 characters, as the hub requires\n');
    const key = join(dir, 'ec.key');
    writeFileSync(key, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const signed = await runCli(['gen-token', '--private-key', key, '--publish', 'a.b'], { TIDINGS_AUTH_SECRET: SECRET }, CLI_TIMEOUT_MS);
    assert.equal(signed.code, 0, signed.stderr);
    assert.equal((JSON.parse(Buffer.from(signed.stdout.split('.')[0] as string, 'base64url').toString()) as { alg: string }).alg, 'ES256');
    const both = await runCli(['gen-token', '--private-key', key, '--secret', SECRET], {}, CLI_TIMEOUT_MS);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^tidings: give one of --secret, --private-key and --config, not --secret and --private-key\n/);
  });

  it('a --private-key that is not a PEM private key is named as such', async () => {
    const text = join(dir, 'text.key');
    writeFileSync(text, 'hello\n');
    const pub = join(dir, 'ec.pem');
    writeFileSync(pub, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const cases: Array<[string, string]> = [
      [text, `--private-key ${text}: not a PEM private key (expected a file starting with -----BEGIN PRIVATE KEY-----)`],
      [pub, `--private-key ${pub}: a public key, not a private one: sign with the private key (the hub checks with the public one)`],
      [join(dir, 'none.key'), `--private-key ${join(dir, 'none.key')}: cannot read it: no such file`],
    ];
    for (const [file, line] of cases) {
      const { code, stderr } = await runCli(['gen-token', '--private-key', file, '--publish', 'a.b'], {}, CLI_TIMEOUT_MS);
      assert.equal(code, 2);
      assert.equal(stderr, `tidings: ${line}\n`);
    }
  });

  it('warns that a token with no grants can subscribe and publish nothing', async () => {
    const { code, stdout, stderr } = await runCli(['gen-token', '--secret', SECRET], {}, CLI_TIMEOUT_MS);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    assert.match(stderr, /\ntidings: warning: this token grants no topics: it can connect but neither subscribe nor publish; add --subscribe or --publish patterns\n$/);
  });
});

describe('a hub with auth on, without a token', () => {
  let hub: HubProcess;
  before(async () => (hub = await startHub({ args: ['--storage', 'memory', '--no-demo'], env: { TIDINGS_AUTH_SECRET: SECRET } })));
  after(async () => {
    await hub.stop();
    removeDir(hub.dataDir);
  });

  it('topics, publish and tail say to pass --token or TIDINGS_TOKEN, and exit 1', async () => {
    const runs = await Promise.all([['topics'], ['publish', 'a.b', '1'], ['tail', 'a.b', '--count', '1']]
      .map((args) => runCli([...args, '--url', hub.httpUrl], { TIDINGS_TOKEN: '' }, CLI_TIMEOUT_MS)));
    for (const { code, stderr } of runs) {
      assert.equal(code, 1, stderr);
      assert.match(stderr, /^tidings: unauthorized: .*\(pass a token with --token or TIDINGS_TOKEN; tidings gen-token makes one\)\n$/);
    }
    const refused = await runCli(['topics', '--url', hub.httpUrl, '--token', 'not-a-jwt'], {}, CLI_TIMEOUT_MS);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^tidings: unauthorized: .*\(check the token of --token or TIDINGS_TOKEN; tidings gen-token makes a new one\)\n$/);
  });
});
