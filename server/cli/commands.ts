/** The operator commands of `tidings`: init, publish, tail, topics, gen-token, check-config. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../units.js';
import { checkConfig } from './check-config.js';
import { action } from './errors.js';
import { DEFAULT_HUB_URL, resolveHubUrl } from './hub-url.js';
import { genToken, type SecretSource } from './gen-token.js';
import { DEFAULT_CONFIG_FILE, init } from './init.js';
import { publish } from './publish.js';
import { COUNT_TIMEOUT_MS, parseFrom, tail, type StartAt } from './tail.js';
import { listTopics } from './topics.js';

const urlOption = (): Option =>
  new Option('--url <url>', 'the hub, as http(s)://HOST:PORT or ws(s)://HOST:PORT/ws').env('TIDINGS_URL').default(DEFAULT_HUB_URL);
const tokenOption = (): Option => new Option('--token <jwt>', 'a token, for a hub with auth on (see tidings gen-token)').env('TIDINGS_TOKEN');

/** A comma-separated list flag that may also be repeated. */
function patterns(text: string, previous: string[] = []): string[] {
  return [...previous, ...text.split(',').map((p) => p.trim()).filter(Boolean)];
}

function wholeNumber(min: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`expected a whole number of ${min} or more`);
    return n;
  };
}

function duration(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a duration such as 500ms, 10s or 2m');
  return ms;
}

/** A token's lifetime: whole seconds in the token, so at least 1s, and never none (the hub requires `exp`). */
function ttl(text: string): number {
  if (/^\s*\d+(\.\d+)?\s*$/.test(text)) throw new InvalidArgumentError(`give a unit, e.g. ${text.trim()}s, 15m or 1h (a bare number would be milliseconds)`);
  const ms = parseDuration(text);
  if (ms === undefined) throw new InvalidArgumentError('expected a duration such as 15m, 1h or 7d');
  if (ms === 0) throw new InvalidArgumentError('a token must expire: the hub refuses tokens without an expiry; give e.g. 15m, 1h or 7d');
  if (ms < 1000) throw new InvalidArgumentError('must be at least 1s (a token\'s expiry is in whole seconds)');
  return ms;
}

export function addOperatorCommands(program: Command): void {
  program.command('init')
    .description('write a starter config file for `tidings serve --config FILE`')
    .argument('[file]', 'where to write it', DEFAULT_CONFIG_FILE)
    .option('--auth', 'turn auth on: put a new random secret in authSecret (the file is then written readable by you only)')
    .option('--force', 'replace the file if it exists')
    .addHelpText('after', '\nExample: tidings init --auth && tidings serve --config tidings.json')
    .action(action((file: string, opts: { auth?: boolean; force?: boolean }) => init(file, opts)));

  program.command('publish')
    .description('publish one message through the HTTP API; prints its offset')
    .argument('<topic>', 'e.g. chat.lobby')
    .argument('<json>', `the message data as JSON; quote it for the shell: '{"text":"hi"}', '"hi"', 42`)
    .option('--key <key>', 'idempotency key: the same key within the dedupe window is stored once')
    .addOption(urlOption())
    .addOption(tokenOption())
    .action(action((topic: string, json: string, opts: { key?: string; url: string; token?: string }) => {
      return publish(resolveHubUrl(opts.url, opts.token), topic, json, opts.key === undefined ? {} : { key: opts.key });
    }));

  program.command('tail')
    .description('print a topic\'s messages as they come, one line each: offset, ISO time, data')
    .argument('<topic>', 'a topic, or a live-only pattern such as chat.* or ticker.>')
    .addOption(new Option('--from <where>', 'earliest, last:N, after:N or live').default({ kind: 'live' } satisfies StartAt, 'live').argParser(fromArg))
    .option('--count <n>', 'exit 0 after this many messages', wholeNumber(1))
    .option('--timeout <duration>', `exit 1 after this long without a connection to the hub (default: keep retrying; with --count: ${COUNT_TIMEOUT_MS / 1000}s)`, duration)
    .option('--json', 'print each message as a JSON object {topic, offset, time, data}')
    .addOption(urlOption())
    .addOption(tokenOption())
    .addHelpText('after', '\nReconnects by itself and resumes after the last offset printed. reset and truncated notices go to stderr.')
    .action(action((topic: string, opts: { from: StartAt; count?: number; timeout?: number; json?: boolean; url: string; token?: string }) => {
      return tail(resolveHubUrl(opts.url, opts.token), topic, {
        from: opts.from,
        ...(opts.count !== undefined && { count: opts.count }),
        ...(opts.timeout !== undefined && { timeoutMs: opts.timeout }),
        ...(opts.json && { json: true }),
      });
    }));

  program.command('topics')
    .description('list topics with their offsets, subscriber counts and epochs')
    .option('--prefix <prefix>', 'only topics starting with this')
    .option('--limit <n>', 'at most this many topics (default 100; the hub answers at most 1000)', wholeNumber(1))
    .option('--json', 'one JSON object per topic per line')
    .addOption(urlOption())
    .addOption(tokenOption())
    .action(action((opts: { prefix?: string; limit?: number; json?: boolean; url: string; token?: string }) => {
      return listTopics(resolveHubUrl(opts.url, opts.token), opts);
    }));

  const genTokenCommand = program.command('gen-token')
    .description('print a signed token (JWT) for a hub with auth on, for development and scripts')
    .option('--sub <id>', 'the user id (sub claim)')
    .option('--subscribe <patterns>', 'topics it may subscribe to and read, comma-separated or repeated, e.g. chat.* or ticker.>', patterns, [])
    .option('--publish <patterns>', 'topics it may publish to, comma-separated or repeated', patterns, [])
    .addOption(new Option('--ttl <duration>', 'how long it is valid, e.g. 15m, 1h, 7d').argParser(ttl).default(3_600_000, '1h'))
    .addOption(new Option('--secret <secret>', 'the hub\'s --auth-secret (HS256)').env('TIDINGS_AUTH_SECRET'))
    .option('--config <file>', 'take the secret, audience and issuer from the hub\'s config file (e.g. one written by tidings init --auth)')
    .option('--private-key <file>', 'sign with this PEM private key instead (RSA: RS256, P-256: ES256)')
    .option('--aud <aud>', 'audience claim (the hub\'s --auth-audience)')
    .option('--iss <iss>', 'issuer claim (the hub\'s --auth-issuer)')
    .option('--kid <id>', 'key id header, to pick a key from the hub\'s --auth-jwks')
    .addHelpText('after', '\nExample: tidings gen-token --sub u1 --subscribe \'chat.*\' --publish \'chat.*\' --ttl 1h'
      + '\nThe token goes to stdout, what it grants and until when to stderr.')
    .action(action((opts: { sub?: string; subscribe: string[]; publish: string[]; ttl: number; secret?: string; config?: string; privateKey?: string; aud?: string; iss?: string; kid?: string }) => {
      const secretFrom: SecretSource = genTokenCommand.getOptionValueSource('secret') === 'env' ? 'env' : 'cli';
      return genToken({ ...opts, ttlMs: opts.ttl, secretFrom });
    }));

  program.command('check-config')
    .description('check a config file as `serve --config FILE` would, without starting the hub')
    .argument('<file>', 'a JSON config file')
    .action(action((file: string) => {
      return checkConfig(file);
    }));
}

function fromArg(text: string): StartAt {
  const at = parseFrom(text);
  if (!at) throw new InvalidArgumentError('expected earliest, live, last:N or after:N');
  return at;
}
