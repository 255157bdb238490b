#!/usr/bin/env node
/** The `tidings` command. The only file that wires the layers together. */
import { Command, Option } from 'commander';
import { createLogger } from './log.js';
import { envName, naming, resolveSettings, SettingsError, toFlag, type Source } from './config.js';
import { serve, SHUTDOWN_DEADLINE_MS } from './serve.js';
import { addOperatorCommands } from './cli/commands.js';
import { briefError, listeningLine, startFailure } from './cli/startup.js';
import { applyUsageConventions, packageVersion } from './cli/usage.js';

interface FlagSpec {
  key: string;
  arg: string;
  help: string;
}

const SERVE_FLAGS: FlagSpec[] = [
  { key: 'port', arg: '<n>', help: 'port for WebSocket and HTTP (default 8080; 0 picks a free one)' },
  { key: 'host', arg: '<addr>', help: 'address to bind (default 127.0.0.1)' },
  { key: 'data', arg: '<dir>', help: 'folder of the disk store (default ./data)' },
  { key: 'transport', arg: '<auto|uws|ws>', help: 'WebSocket engine; auto uses uWebSockets.js when its binary loads (default auto)' },
  { key: 'storage', arg: '<disk|memory>', help: 'default storage of topics (default disk)' },
  { key: 'maxMessages', arg: '<n>', help: 'default retention: messages per topic (default 100000)' },
  { key: 'maxBytes', arg: '<size>', help: 'default retention: bytes of data per topic, e.g. 64MiB (default 64MiB)' },
  { key: 'maxAge', arg: '<duration>', help: 'default retention: age, e.g. 30m, 24h, 7d (default 24h)' },
  { key: 'maxPayload', arg: '<size>', help: 'largest publish data in bytes of JSON (default 65536)' },
  { key: 'fsync', arg: '<always|interval>', help: 'always: ack after fsync; interval: ack after commit, fsync follows (default interval)' },
  { key: 'fsyncInterval', arg: '<duration>', help: 'under interval, the most an OS crash may lose (default 1s)' },
  { key: 'heartbeat', arg: '<ms>', help: 'ping after this much silence; close after twice it (default 25000)' },
  { key: 'dedupeWindow', arg: '<duration>', help: 'how long publish keys are remembered (default 2m)' },
  { key: 'maxSubscriptions', arg: '<n>', help: 'subscriptions per connection (default 1000)' },
  { key: 'maxBuffered', arg: '<size>', help: 'bytes queued for a client before it is closed as a slow consumer (default 1MiB)' },
  { key: 'maxConnections', arg: '<n>', help: 'connections in all; 0 for no limit (default 100000)' },
  { key: 'maxConnectionsPerIp', arg: '<n>', help: 'connections from one IP address; 0 for no limit (default 20000)' },
  { key: 'maxPublishRate', arg: '<n>', help: 'publishes per second per connection, bursts up to 1s worth; 0 for no limit (default 100000)' },
  { key: 'maxFrameRate', arg: '<n>', help: 'frames per second per connection, any op; 0 for no limit (default 200000)' },
  { key: 'handshakeTimeout', arg: '<duration>', help: 'time for request headers, and with auth for a valid hello (default 10s)' },
  { key: 'maxHeaderBytes', arg: '<size>', help: 'largest request head on the ws engine (default 16KiB; uWS has its own)' },
  { key: 'authSecret', arg: '<secret>', help: 'check tokens as HS256 JWTs signed with this secret (32+ characters)' },
  { key: 'authPublicKey', arg: '<file>', help: 'check tokens as RS256/ES256 JWTs against this PEM public key' },
  { key: 'authJwks', arg: '<file>', help: 'check tokens as RS256/ES256 JWTs against this JSON Web Key Set file' },
  { key: 'authAudience', arg: '<aud>', help: 'tokens must name this audience' },
  { key: 'authIssuer', arg: '<iss>', help: 'tokens must come from this issuer' },
  { key: 'allowedOrigins', arg: '<list>', help: 'browser origins allowed besides the hub\'s own, comma-separated: https://app.example.com, https://*.example.com or *' },
  { key: 'demoInterval', arg: '<duration>', help: 'how often the demo ticker publishes a quote (default 500ms)' },
  { key: 'config', arg: '<file>', help: 'JSON file with these settings and per-pattern "topics" rules (tidings init writes one)' },
  { key: 'logLevel', arg: '<level>', help: 'fatal, error, warn, info, debug, trace or silent (default info)' },
];

const program = new Command('tidings')
  .description('Tidings: a WebSocket pub/sub hub with a persisted, replayable log per topic')
  .version(packageVersion(), '-V, --version', 'print the version')
  .addHelpText('after', '\nFirst time? "tidings serve" runs a hub on http://127.0.0.1:8080 with a demo page;\n'
    + '"tidings init" writes a config file to start from.');

const serveCommand = program.command('serve')
  .description('run the hub in the foreground')
  .addHelpText('after', '\nEvery flag can also be set by its environment variable, e.g. TIDINGS_PORT=9000.')
  .action(async (opts: Record<string, unknown>) => {
    const source = (key: string): Source => serveCommand.getOptionValueSource(key) as Source;
    let settings;
    try {
      settings = resolveSettings(opts, source);
    } catch (error) {
      if (!(error instanceof SettingsError)) throw error;
      process.stderr.write(`tidings: ${error.message}\n`);
      process.exit(2);
    }
    const log = createLogger(settings.logLevel);
    let running;
    try {
      running = await serve(settings, log);
    } catch (error) {
      // The human line says what to fix; the log line keeps the error for collectors, and its stack only at debug.
      const failure = startFailure(error, settings, naming(opts, source));
      log.child({}, { serializers: { err: briefError } }).fatal({ err: error }, 'cannot start');
      process.stderr.write(`tidings: ${failure.line}\n`);
      log.debug({ err: error }, 'cannot start: the error in full');
      process.exit(failure.exitCode);
    }
    if (settings.logLevel !== 'silent') process.stderr.write(`tidings: ${listeningLine(settings, running.port)}\n`);
    const onSignal = (signal: string): void => {
      log.info({ signal }, 'shutting down');
      setTimeout(() => {
        log.error('shutdown took too long; exiting');
        process.exit(1);
      }, SHUTDOWN_DEADLINE_MS).unref();
      running.stop().then(() => process.exit(0), (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });

for (const flag of SERVE_FLAGS) {
  serveCommand.addOption(new Option(`${toFlag(flag.key)} ${flag.arg}`, flag.help).env(envName(flag.key)));
}

serveCommand.addOption(new Option('--compression', 'permessage-deflate on WebSockets (off by default; inflated frames stay within the frame limit)').env('TIDINGS_COMPRESSION'));
serveCommand.addOption(new Option('--insecure', 'allow running without auth on a non-loopback address').env('TIDINGS_INSECURE'));
serveCommand.addOption(new Option('--no-check-store', 'skip reading the whole disk store at start (faster start; a damaged file is then found only when read)').env('TIDINGS_NO_CHECK_STORE'));
serveCommand.addOption(new Option('--no-demo', 'do not serve the demo page at / nor run its ticker publisher').env('TIDINGS_NO_DEMO'));

addOperatorCommands(program);
applyUsageConventions(program);

await program.parseAsync(process.argv);
