/**
 * The targets Tidings is held to, checked on one run's medians. They are the
 * benchmark's verdict, never assertions in tests: numbers move with the machine.
 */
import type { Measurement, TargetCheck } from './results.js';

type Find = (scenario: string, system: string, metric: string, params: Record<string, string | number>) => number | undefined;

function finder(measurements: Measurement[]): Find {
  return (scenario, system, metric, params) =>
    measurements.find(
      (m) =>
        m.scenario === scenario &&
        m.system === system &&
        m.metric === metric &&
        Object.entries(params).every(([k, v]) => m.params[k] === v),
    )?.median;
}

function check(name: string, value: number | undefined, comparison: '>=' | '<=', target: number, unit: string): TargetCheck | undefined {
  if (value === undefined || Number.isNaN(value)) return undefined;
  return { name, value, target, unit, comparison, met: comparison === '>=' ? value >= target : value <= target };
}

function ratio(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined || b === 0 ? undefined : a / b;
}

function difference(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a - b;
}

export function checkTargets(measurements: Measurement[]): TargetCheck[] {
  const find = finder(measurements);
  const out: Array<TargetCheck | undefined> = [];
  for (const subscribers of [100, 1000]) {
    const tidings = find('fanout', 'tidings-uws', 'deliveries/s', { subscribers });
    out.push(check(`fan-out to ${subscribers}: Tidings (uWS, disk) ÷ raw uWS batched`, ratio(tidings, find('fanout', 'uws-batched', 'deliveries/s', { subscribers })), '>=', 0.75, '×'));
    out.push(check(`fan-out to ${subscribers}: Tidings (uWS, disk) ÷ Socket.IO`, ratio(tidings, find('fanout', 'socketio', 'deliveries/s', { subscribers })), '>=', 20, '×'));
  }
  const rawP99 = [find('latency', 'uws-raw', 'p99', { rate: 2000 }), find('latency', 'uws-batched', 'p99', { rate: 2000 })]
    .filter((v): v is number => v !== undefined);
  const bestRaw = rawP99.length ? Math.min(...rawP99) : undefined;
  out.push(check('p99 latency at 2,000 msg/s: Tidings (uWS) ÷ best raw uWS', ratio(find('latency', 'tidings-uws', 'p99', { rate: 2000 }), bestRaw), '<=', 1.5, '×'));
  const diskP50 = find('fixedrate', 'tidings-uws', 'p50', { rate: 500 });
  const memoryP50 = find('fixedrate', 'tidings-uws-memory', 'p50', { rate: 500 });
  out.push(check('p50 latency at 500 msg/s: Tidings (uWS) on disk − on memory storage', difference(diskP50, memoryP50), '<=', 0.3, 'ms'));
  out.push(check(
    'server CPU per delivery at 500 msg/s: Tidings (uWS, disk) ÷ raw uWS batched',
    ratio(find('fixedrate', 'tidings-uws', 'CPU per delivery', { rate: 500 }), find('fixedrate', 'uws-batched', 'CPU per delivery', { rate: 500 })),
    '<=', 1.3, '×',
  ));
  out.push(check('catch-up from 1,000,000 messages on disk', find('catchup', 'tidings-uws', 'replayed/s', { backlog: 1_000_000 }), '>=', 500_000, 'msg/s'));
  out.push(check('catch-up memory stays flat (hub anonymous RSS growth while replaying)', find('catchup', 'tidings-uws', 'anonymous RSS growth', { backlog: 1_000_000 }), '<=', 64 * 1024 * 1024, 'bytes'));
  for (const fsync of ['interval', 'always']) {
    out.push(check(`acked publishes on one topic, fsync ${fsync}`, find('durable', 'tidings-uws', 'acked publishes/s', { topics: 1, fsync }), '>=', 100_000, 'msg/s'));
  }
  const perConnection = check('hub RSS per idle subscribed connection, Tidings on uWS (10,000)', find('connections', 'tidings-uws', 'bytes/connection', { clients: 10_000 }), '<=', 2048, 'bytes');
  if (perConnection && !perConnection.met) {
    perConnection.note = "includes V8's one-off young-generation growth during the connect burst; see RESULTS.md notes";
  }
  out.push(perConnection);
  return out.filter((c): c is TargetCheck => c !== undefined);
}
