/**
 * What `tidings serve` says when it starts: where it listens, on stderr after the JSON
 * `listening` line; or, when it cannot start, one line naming the flag and the fix,
 * with no stack trace anywhere before it.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { removeDir, runCli, startHub, tempDir, TRANSPORTS, type HubProcess } from '../helpers/hub-process.js';
import { until } from '../helpers/wait.js';

const CLI_TIMEOUT_MS = 15_000;
const SECRET = 'startup-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** The start-up failure: exit 1, one `tidings:` line on stderr, and no stack in the JSON log line on stdout. */
async function failsWith(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { code, stdout, stderr } = await runCli(['serve', '--storage', 'disk', ...args], env, CLI_TIMEOUT_MS);
  assert.equal(code, 1, stderr);
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.match(lines[0] as string, /^tidings: /);
  assert.doesNotMatch(stdout + stderr, /\n\s+at |"stack"/, 'no stack trace');
  const fatal = stdout.split('\n').find((l) => l.includes('"msg":"cannot start"'));
  assert.ok(fatal, `a JSON log line for collectors: ${stdout}`);
  assert.equal(typeof (JSON.parse(fatal) as { err: { message: unknown } }).err.message, 'string');
  return (lines[0] as string).replace(/^tidings: /, '');
}

describe('serve start-up errors', () => {
  let dir: string;
  let file: string;
  before(() => {
    dir = tempDir();
    file = join(dir, 'a-file');
    writeFileSync(file, 'not a folder\n');
  });
  after(() => removeDir(dir));

  it('--data that is a file, or under one, names the flag and the fix', async () => {
    assert.equal(await failsWith(['--port', '0', '--data', file]),
      `--data ${file}: not a folder (a file is in the way): pick another --data or remove the file`);
    assert.equal(await failsWith(['--port', '0', '--data', join(file, 'sub', 'data')]),
      `--data ${join(file, 'sub', 'data')}: ${file} is a file, not a folder: pick another --data`);
  });

  it('names TIDINGS_DATA or the config file when the folder came from there', async () => {
    assert.equal(await failsWith(['--port', '0'], { TIDINGS_DATA: file }),
      `TIDINGS_DATA=${file}: not a folder (a file is in the way): pick another --data or remove the file`);
    const config = join(dir, 'hub.json');
    writeFileSync(config, JSON.stringify({ data: file }));
    assert.equal(await failsWith(['--port', '0', '--config', config]),
      `${config}: data "${file}": not a folder (a file is in the way): pick another --data or remove the file`);
  });

  describe('a port in use', () => {
    let holder: Server;
    let port: number;
    before(async () => {
      holder = createServer();
      await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
      port = (holder.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => holder.close(() => resolve())));

    for (const transport of TRANSPORTS) {
      it(`is one line naming the port on ${transport}`, async () => {
        const line = await failsWith(['--port', String(port), '--transport', transport, '--storage', 'memory']);
        assert.ok(line.includes(String(port)), line);
      });
    }
  });
});

describe('serve start-up line', () => {
  /** The human line, which comes on stderr after the JSON one startHub waits for. */
  async function humanLine(hub: HubProcess): Promise<string> {
    return until(() => hub.lines.find((l) => l.startsWith('tidings: listening on ')), () => `the start-up line in ${hub.lines.join('\n')}`);
  }

  it('says where the hub and the demo page are, and that auth is off', async () => {
    const hub = await startHub({ args: ['--storage', 'memory'] });
    try {
      const at = `127.0.0.1:${hub.port}`;
      assert.equal(await humanLine(hub), `tidings: listening on http://${at} (WebSocket ws://${at}/ws), auth off — demo page at http://${at}/`);
      assert.ok(hub.lines.some((l) => l.includes('"msg":"listening"')), 'the JSON line stays');
    } finally {
      await hub.stop();
      removeDir(hub.dataDir);
    }
  });

  it('leaves the demo out with --no-demo and says how to open it with auth on', async () => {
    const plain = await startHub({ args: ['--storage', 'memory', '--no-demo'] });
    const auth = await startHub({ args: ['--storage', 'memory'], env: { TIDINGS_AUTH_SECRET: SECRET } });
    try {
      assert.equal(await humanLine(plain), `tidings: listening on http://127.0.0.1:${plain.port} (WebSocket ws://127.0.0.1:${plain.port}/ws), auth off`);
      const line = await humanLine(auth);
      assert.match(line, /, auth on — demo page at http:\/\/127\.0\.0\.1:\d+\/\?token=<JWT> \(make one with: tidings gen-token /);
    } finally {
      await Promise.all([plain.stop(), auth.stop()]);
      removeDir(plain.dataDir);
      removeDir(auth.dataDir);
    }
  });
});
