/**
 * `npm run bench`: Tidings side by side with raw uWebSockets.js, ws and
 * Socket.IO, or (`--url`) a load test of a running hub. See bench/README.md.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { cpus, totalmem, release, platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseDuration } from '../server/units.js';
import { PINNING } from './lib/processes.js';
import { Progress } from './lib/progress.js';
import type { BenchResults } from './lib/results.js';
import { SYSTEMS, type SystemName } from './lib/systems.js';
import { checkTargets } from './lib/targets.js';
import { packageVersions } from './lib/versions.js';
import { renderSummary } from './report/summary.js';
import { writeReport } from './report/write.js';
import type { Context } from './scenarios/context.js';
import { runCatchupScenario } from './scenarios/catchup.js';
import { runConnectionsScenario, connectionLevels } from './scenarios/connections.js';
import { runDurableScenario } from './scenarios/durable.js';
import { fixedRates, fixedRateVariants, runFixedRateScenario } from './scenarios/fixedrate.js';
import { fanoutSizes, runFanoutScenario } from './scenarios/fanout.js';
import { runLatencyScenario } from './scenarios/latency.js';
import { runTopicsScenario } from './scenarios/topics.js';
import { runUrlScenario } from './scenarios/url.js';

const SCENARIOS = ['fanout', 'latency', 'fixedrate', 'durable', 'catchup', 'connections', 'topics'] as const;
type Scenario = (typeof SCENARIOS)[number];

function positive(what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive whole number`);
    return n;
  };
}

function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('give a duration like 500ms, 30s or 2m');
  return ms;
}

function listOf<T extends string>(allowed: readonly T[], what: string) {
  return (value: string): T[] => {
    const items = value.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((s) => !allowed.includes(s as T));
    if (bad.length) throw new InvalidArgumentError(`unknown ${what} ${bad.join(', ')}; choose from ${allowed.join(', ')}`);
    return items as T[];
  };
}

const program = new Command('npm run bench --')
  .description('Benchmark Tidings against raw uWebSockets.js, ws and Socket.IO, or load-test a running hub with --url.')
  .option('--quick', 'smoke run: every scenario, small and short (under a minute)')
  .option('--scenarios <list>', `comma-separated: ${SCENARIOS.join(', ')}`, listOf(SCENARIOS, 'scenario'), [...SCENARIOS])
  .option('--systems <list>', `comma-separated: ${SYSTEMS.join(', ')}`, listOf(SYSTEMS, 'system'), [...SYSTEMS])
  .option('--repeats <n>', 'measured windows per step (after a warm-up)', positive('--repeats'), 3)
  .option('--window <duration>', 'length of one measured window', duration)
  .option('--warmup <duration>', 'warm-up before the first window', duration)
  .option('--out <dir>', 'where results JSON and HTML go', fileURLToPath(new URL('../../bench/results', import.meta.url)))
  .option('--no-results-md', 'do not rewrite bench/RESULTS.md')
  .option('--url <ws-url>', 'load-test a running hub at this WebSocket URL instead')
  .option('--subscribers <n>', 'with --url: subscribers to open', positive('--subscribers'), 1000)
  .option('--rate <n>', 'with --url: messages published per second', positive('--rate'), 1000)
  .option('--duration <duration>', 'with --url: how long to run', duration, 30_000)
  .option('--workers <n>', 'with --url: load-generator processes to spread subscribers over', positive('--workers'), Math.max(1, cpus().length))
  .option('--topic <name>', 'with --url: topic to use', 'bench.load')
  .option('--payload <bytes>', 'with --url: size of each message data, in bytes of JSON', positive('--payload'), 100)
  .option('--token <jwt>', 'with --url: token for a hub with authentication on (or TIDINGS_TOKEN)')
  .addOption(new Option('--dialect <dialect>', 'with --url: what the server speaks').choices(['json', 'socketio']).default('json'))
  .showHelpAfterError('(run with --help for every option)');

program.parse();
const o = program.opts<{
  quick?: boolean; scenarios: Scenario[]; systems: SystemName[]; repeats: number; window?: number; warmup?: number;
  out: string; resultsMd: boolean; url?: string; subscribers: number; rate: number; duration: number; workers: number;
  topic: string; payload: number; token?: string; dialect: 'json' | 'socketio';
}>();

if (o.url && !/^wss?:\/\//.test(o.url)) program.error(`--url must start with ws:// or wss:// (got ${o.url})`);

const quick = Boolean(o.quick);
const steps = o.url
  ? 1
  : o.scenarios.reduce((n, s) => n + stepCount(s), 0);

function stepCount(s: Scenario): number {
  const tidings = o.systems.filter((n) => n.startsWith('tidings')).length;
  switch (s) {
    case 'fanout':
      return fanoutSizes({ quick } as Context).length * o.systems.length;
    case 'latency':
      return (quick ? 1 : 2) * o.systems.length;
    case 'fixedrate':
      return fixedRates({ quick }).length * fixedRateVariants({ systems: o.systems }).length;
    case 'durable':
      return 2 * ((quick ? 1 : 2) + 1);
    case 'catchup':
    case 'topics':
      return tidings;
    case 'connections':
      return connectionLevels({ quick } as Context).length * o.systems.length;
  }
}

const ctx: Context = {
  quick,
  systems: o.systems,
  progress: new Progress(steps),
  measurements: [],
  timing: {
    warmupMs: o.warmup ?? (quick ? 200 : 1000),
    windows: quick ? Math.min(o.repeats, 2) : o.repeats,
    windowMs: o.window ?? (quick ? 300 : 2000),
  },
  failures: [],
};

const started = new Date();
const runners: Record<Scenario, (c: Context) => Promise<void>> = {
  fanout: runFanoutScenario,
  latency: runLatencyScenario,
  fixedrate: runFixedRateScenario,
  durable: runDurableScenario,
  catchup: runCatchupScenario,
  connections: runConnectionsScenario,
  topics: runTopicsScenario,
};

if (o.url) {
  await runUrlScenario(ctx, {
    url: o.url, dialect: o.dialect, subscribers: o.subscribers, rate: o.rate, durationMs: o.duration,
    workers: o.workers, topic: o.topic, payloadBytes: o.payload, ...((o.token ?? process.env.TIDINGS_TOKEN) ? { token: o.token ?? process.env.TIDINGS_TOKEN } : {}),
  });
} else {
  for (const s of o.scenarios) await runners[s](ctx);
}
ctx.progress.done();

const results: BenchResults = {
  startedAt: started.toISOString(),
  durationSec: (Date.now() - started.getTime()) / 1000,
  quick,
  command: process.argv.length > 2 ? `npm run bench -- ${process.argv.slice(2).join(' ')}` : 'npm run bench',
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 1024 ** 3),
    os: `${platform()} ${release()}`,
    node: process.version,
    pinning: o.url ? 'none (load generator only)' : PINNING ? `servers on core ${PINNING.server}, load generator on core${PINNING.loadgen.includes('-') ? 's' : ''} ${PINNING.loadgen}` : 'none (one core)',
  },
  versions: packageVersions(),
  measurements: ctx.measurements,
  targets: o.url ? [] : checkTargets(ctx.measurements),
};

const written = writeReport(results, {
  resultsDir: o.out,
  ...(!quick && !o.url && o.resultsMd ? { resultsMdPath: fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url)) } : {}),
});
process.stdout.write(`\n${renderSummary(results)}\n`);
process.stdout.write(`\nresults: ${written.json}\nreport:  ${written.html}\n${written.md ? `RESULTS.md: ${written.md}\n` : ''}`);
if (ctx.failures.length) {
  process.stderr.write(`\n${ctx.failures.length} step(s) failed:\n${ctx.failures.map((f) => `  - ${f}`).join('\n')}\n`);
  process.exitCode = 1;
}
