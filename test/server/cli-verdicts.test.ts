/**
 * `check-config FILE` and `serve --config FILE` give the same verdict on the same file:
 * each config of the table goes through both, as real child processes.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAIN, removeDir, runCli, tempDir } from '../helpers/hub-process.js';

const CLI_TIMEOUT_MS = 15_000;
const SECRET = 'verdict-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

interface Verdict {
  /** 0 when the hub started (or check-config said ok), else the exit code. */
  code: number | null;
  /** The first line on stderr, without `tidings: `. */
  first: string;
}

/** Runs `serve --config FILE` (nothing else, so the file alone decides) until it listens or exits. */
function serveVerdict(file: string): Promise<Verdict> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, 'serve', '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let listening = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve --config ${file} neither listened nor exited within ${CLI_TIMEOUT_MS} ms: ${stderr}`));
    }, CLI_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!listening && stdout.includes('"msg":"listening"')) {
        listening = true;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: listening ? 0 : code, first: (stderr.split('\n')[0] ?? '').replace(/^tidings: /, '') });
    });
  });
}

async function checkVerdict(file: string): Promise<Verdict> {
  const { code, stderr } = await runCli(['check-config', file], {}, CLI_TIMEOUT_MS);
  return { code, first: stderr.split('\n')[0] ?? '' };
}

describe('check-config and serve agree', () => {
  let dir: string;
  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  before(() => (dir = tempDir()));
  after(() => removeDir(dir));

  /** [what, settings, the setting named when refused (undefined: accepted)] */
  const table = (): Array<[string, Record<string, unknown>, string | undefined]> => {
    const pem = write('ec.pem', generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string);
    const notPem = write('not.pem', 'hello\n');
    return [
      ['defaults', {}, undefined],
      ['no auth on 0.0.0.0', { host: '0.0.0.0' }, 'host'],
      ['no auth on 0.0.0.0 with insecure', { host: '0.0.0.0', insecure: true }, undefined],
      ['a secret on 0.0.0.0', { host: '0.0.0.0', authSecret: SECRET }, undefined],
      ['a short secret', { authSecret: 'short' }, 'authSecret'],
      ['a public key file that is not there', { authPublicKey: join(dir, 'missing.pem') }, 'authPublicKey'],
      ['a public key file that is not PEM', { authPublicKey: notPem }, 'authPublicKey'],
      ['a P-256 public key', { authPublicKey: pem }, undefined],
      ['a JWKS file that is not JSON', { authJwks: notPem }, 'authJwks'],
      ['two ways to check tokens', { authSecret: SECRET, authPublicKey: pem }, 'authSecret'],
      ['a port out of range', { port: 70000 }, 'port'],
      ['a misspelt key in a topic rule', { topics: [{ pattern: 'chat.*', maxage: '7d' }] }, 'topics.0'],
      ['a topic rule without a pattern', { topics: [{ maxAge: '7d' }] }, 'topics.0.pattern'],
      ['an unknown storage', { storage: 'ram' }, 'storage'],
      ['an origin without a scheme', { allowedOrigins: ['app.example.com'] }, 'allowedOrigins.0'],
      ['listed origins', { allowedOrigins: ['https://app.example.com', 'https://*.example.org'] }, undefined],
    ];
  };

  it('refuses and accepts the same configs, naming the same setting', async () => {
    const rows = table();
    for (const [i, [what, settings, named]] of rows.entries()) {
      const file = write(`case-${i}.json`, JSON.stringify({ port: 0, data: join(dir, `data-${i}`), ...settings }));
      const [check, serve] = [await checkVerdict(file), await serveVerdict(file)];
      assert.equal(check.code, named === undefined ? 0 : 2, `${what}: check-config exits ${check.code}: ${check.first}`);
      assert.equal(serve.code, check.code, `${what}: serve exits ${serve.code} (${serve.first}), check-config ${check.code} (${check.first})`);
      if (named !== undefined) {
        for (const v of [check, serve]) assert.ok(v.first.startsWith(`${file}: ${named}`), `${what}: ${v.first}`);
      }
    }
  });
});
