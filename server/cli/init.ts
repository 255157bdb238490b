/**
 * `tidings init [FILE]`: a starter config file with the settings people change first,
 * at their defaults, and two example topic rules. JSON has no comments, so what each
 * setting does is printed instead. With `--auth`, a new random secret turns auth on.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, openSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

export const DEFAULT_CONFIG_FILE = 'tidings.json';
/** 48 random bytes: 64 characters of base64url, well over the hub's 32. */
const SECRET_BYTES = 48;

export interface InitOptions {
  auth?: boolean;
  force?: boolean;
}

function starter(auth: boolean): Record<string, unknown> {
  return {
    host: '127.0.0.1',
    port: 8080,
    data: './data',
    storage: 'disk',
    fsync: 'interval',
    maxMessages: 100_000,
    maxBytes: '64MiB',
    maxAge: '24h',
    maxPayload: '64KiB',
    allowedOrigins: [],
    demo: true,
    logLevel: 'info',
    topics: [
      { pattern: 'chat.*', maxAge: '7d' },
      { pattern: 'ticker.>', storage: 'memory', maxMessages: 1000 },
    ],
    ...(auth && { authSecret: randomBytes(SECRET_BYTES).toString('base64url') }),
  };
}

/** What each setting does, since the file cannot say it. */
function explanation(file: string, auth: boolean): string {
  const f = /^[\w./@:+-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
  return [
    `wrote ${file}${auth ? ' (readable by you only: it holds the auth secret; keep it private, out of version control)' : ''}`,
    '  host, port       where the hub listens; 127.0.0.1 is this machine only, 0.0.0.0 lets others in (then auth is required)',
    '  data             the folder of the disk store, relative to where tidings is started',
    '  storage, fsync   disk or memory; fsync "always" acknowledges a publish once on disk, "interval" once committed',
    '  maxMessages, maxBytes, maxAge',
    '                   what each topic keeps: older messages go once any of the three is reached',
    '  maxPayload       the largest message data',
    '  allowedOrigins   other sites whose pages may connect, e.g. ["https://app.example.com"]',
    '  demo             the demo page at / and its ticker; set false in production',
    '  topics           rules by topic pattern, the first match wins; the two here are examples: change or remove them',
    auth
      ? '  authSecret       clients need a token signed with it (HS256); without it, auth is off'
      : '  (no auth: add "authSecret", or run tidings init --auth, before opening the hub to other machines)',
    'Every setting, with its flag and environment variable: tidings serve --help',
    '',
    `check it:      tidings check-config ${f}`,
    `start it:      tidings serve --config ${f}`,
    ...(auth ? [`make a token:  tidings gen-token --config ${f} --sub me --subscribe 'demo.*' --publish demo.chat`] : []),
    '',
  ].join('\n');
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function writeProblem(file: string, error: unknown): CliError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EEXIST') return new CliError(`${file} exists already: pass --force to replace it, or name another file`);
  if (code === 'ENOENT') return new CliError(`cannot write ${file}: there is no folder ${dirname(file)}`);
  if (code === 'EACCES' || code === 'EPERM') return new CliError(`cannot write ${file}: permission denied`);
  if (code === 'ENOTDIR') return new CliError(`cannot write ${file}: a part of its path is a file, not a folder`);
  return new CliError(`cannot write ${file}: ${(error as Error).message}`);
}

export async function init(target: string, opts: InitOptions): Promise<number> {
  const auth = opts.auth === true;
  // `tidings init /etc/tidings`: the file goes in that folder.
  const file = isFolder(target) ? join(target, DEFAULT_CONFIG_FILE) : target;
  const text = JSON.stringify(starter(auth), null, 2) + '\n';
  let fd: number;
  try {
    // 'wx' refuses an existing file in the same step that creates it.
    fd = openSync(file, opts.force ? 'w' : 'wx', auth ? 0o600 : 0o644);
  } catch (error) {
    throw writeProblem(file, error);
  }
  try {
    // A replaced file keeps its mode: a secret must not land in a file others can read.
    if (auth) fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } catch (error) {
    throw writeProblem(file, error);
  } finally {
    closeSync(fd);
  }
  process.stdout.write(explanation(file, auth));
  return 0;
}
