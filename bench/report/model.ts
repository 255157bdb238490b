/**
 * What the report writers share about the results: system order and colours,
 * scenario titles, grouping by parameters and the ratios to the ceiling
 * (`uws-batched`) and to Socket.IO.
 */
import type { BenchResults, Measurement } from '../lib/results.js';

/** Raw uWebSockets.js with per-tick batching: the best a hub on this machine could do. */
export const CEILING = 'uws-batched';
export const SOCKETIO = 'socketio';

/** Known systems, in the order they are listed everywhere. */
export const SYSTEM_ORDER = ['tidings-uws', 'tidings-uws-memory', 'tidings-ws', 'tidings-ws-memory', 'uws-batched', 'uws-raw', 'ws-cork', 'ws-raw', 'socketio'];

/** Tidings in strong colours, the ceiling in dark grey, the other peers muted. */
const FIXED_COLORS: Record<string, string> = {
  'tidings-uws': '#1f57d6',
  'tidings-uws-memory': '#74a0f7',
  'tidings-ws': '#e8590c',
  'tidings-ws-memory': '#f5a26b',
  'uws-batched': '#3f4650',
  'uws-raw': '#97a3b3',
  'ws-cork': '#5f9c86',
  'ws-raw': '#a9cbbd',
  socketio: '#c9a46c',
};

/** Colours for systems not in the list (URLs in URL mode): strong, since they are the hub under test. */
const EXTRA_COLORS = ['#7b3fe4', '#c2255c', '#0c9488', '#b45309', '#4263eb', '#862e9c', '#2b8a3e', '#d9480f'];

export const SYSTEM_DESCRIPTIONS: Record<string, string> = {
  'tidings-uws': 'Tidings hub on uWebSockets.js',
  'tidings-uws-memory': 'Tidings hub on uWebSockets.js, memory storage',
  'tidings-ws': 'Tidings hub on the ws library',
  'tidings-ws-memory': 'Tidings hub on the ws library, memory storage',
  'uws-batched': 'raw uWebSockets.js with per-tick batching (the ceiling)',
  'uws-raw': 'raw uWebSockets.js app.publish',
  'ws-cork': 'raw ws library with cork',
  'ws-raw': 'raw ws library',
  socketio: 'Socket.IO 4 rooms',
};

export function isTidings(system: string): boolean {
  return system.startsWith('tidings');
}

/** Systems drawn in a strong colour and bold: Tidings, and a user's hub in URL mode. */
export function isEmphasized(system: string): boolean {
  return isTidings(system) || !(system in FIXED_COLORS);
}

export function describeSystem(system: string): string {
  return SYSTEM_DESCRIPTIONS[system] ?? 'hub under test';
}

function systemRank(system: string): number {
  const i = SYSTEM_ORDER.indexOf(system);
  return i < 0 ? SYSTEM_ORDER.length : i;
}

export function compareSystems(a: string, b: string): number {
  return systemRank(a) - systemRank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Every system of `measurements`, known ones first in their fixed order, then the others by name. */
export function systemsOf(measurements: Measurement[]): string[] {
  return [...new Set(measurements.map((m) => m.system))].sort(compareSystems);
}

export type Palette = ReadonlyMap<string, string>;

/** A colour per system: fixed ones for known systems, distinct extra ones for the others. */
export function makePalette(systems: string[]): Palette {
  const map = new Map<string, string>();
  let extra = 0;
  for (const s of [...new Set(systems)].sort(compareSystems)) {
    const fixed = FIXED_COLORS[s];
    if (fixed) map.set(s, fixed);
    else map.set(s, EXTRA_COLORS[extra++ % EXTRA_COLORS.length]!);
  }
  return map;
}

export function colorOf(palette: Palette, system: string): string {
  return palette.get(system) ?? '#868e96';
}

export interface ScenarioInfo {
  id: string;
  title: string;
  blurb: string;
  /** Title of the percentile charts, when rows carry percentiles. */
  percentileTitle: string;
  /** Y axis label of the curve charts, when rows carry curves. */
  curveLabel: string;
}

const SCENARIOS: ScenarioInfo[] = [
  {
    id: 'fanout',
    title: 'Fan-out throughput',
    blurb: 'One publisher, N subscribers on one topic: messages delivered to subscribers per second and publishes per second.',
    percentileTitle: 'Delivery latency percentiles',
    curveLabel: 'messages delivered',
  },
  {
    id: 'latency',
    title: 'Latency under load',
    blurb: 'Publish-to-delivery latency at a fixed publish rate; the bars show p99, the lines every percentile.',
    percentileTitle: 'Delivery latency percentiles',
    curveLabel: 'messages',
  },
  {
    id: 'fixedrate',
    title: 'Cost at a fixed rate',
    blurb: 'One publisher at a fixed rate to 100 subscribers: publish-to-delivery latency, and the server process\'s CPU in % of one core and per delivery; Tidings on disk and on memory storage.',
    percentileTitle: 'Delivery latency percentiles',
    curveLabel: 'messages',
  },
  {
    id: 'durable',
    title: 'Durable publishes',
    blurb: 'Publishes acknowledged after the append to the persisted log, per number of topics and fsync policy.',
    percentileTitle: 'Store append latency percentiles',
    curveLabel: 'publishes acknowledged',
  },
  {
    id: 'catchup',
    title: 'Catch-up replay',
    blurb: 'A subscriber joins behind a backlog and replays it: replay rate, peak RSS of the hub and time until it is live.',
    percentileTitle: 'Replay latency percentiles',
    curveLabel: 'messages replayed',
  },
  {
    id: 'connections',
    title: 'Connection cost',
    blurb: 'Memory per idle connection and how fast clients can connect.',
    percentileTitle: 'Connect latency percentiles',
    curveLabel: 'connections',
  },
  {
    id: 'topics',
    title: 'Many topics',
    blurb: 'Hub RSS, open files and publish throughput as the number of topics grows.',
    percentileTitle: 'Latency percentiles',
    curveLabel: 'value',
  },
  {
    id: 'url',
    title: 'Load test of a hub URL',
    blurb: 'Deliveries per second and latency percentiles against a running hub.',
    percentileTitle: 'Delivery latency percentiles',
    curveLabel: 'messages delivered',
  },
];

export function scenarioInfo(id: string): ScenarioInfo {
  return (
    SCENARIOS.find((s) => s.id === id) ?? {
      id,
      title: id,
      blurb: '',
      percentileTitle: 'Latency percentiles',
      curveLabel: 'value',
    }
  );
}

/** The scenarios present in `measurements`: known ones in their fixed order, then the others as they appear. */
export function scenariosOf(measurements: Measurement[]): string[] {
  const present = [...new Set(measurements.map((m) => m.scenario))];
  const known = SCENARIOS.map((s) => s.id).filter((id) => present.includes(id));
  return [...known, ...present.filter((id) => !known.includes(id))];
}

/** Metrics of `measurements` in order of first appearance. */
export function metricsOf(measurements: Measurement[]): string[] {
  return [...new Set(measurements.map((m) => m.metric))];
}

/** A key equal for equal parameter sets, whatever their key order. */
export function paramsKey(params: Record<string, string | number>): string {
  return JSON.stringify(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Orders parameter sets by their values, numbers numerically, key by key. */
export function compareParams(a: Record<string, string | number>, b: Record<string, string | number>): number {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  for (const k of keys) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    const sx = String(x);
    const sy = String(y);
    if (sx !== sy) return sx < sy ? -1 : 1;
  }
  return 0;
}

export interface ParamGroup {
  key: string;
  params: Record<string, string | number>;
  measurements: Measurement[];
}

/** `measurements` grouped by parameter set, groups in parameter order, systems in their fixed order. */
export function groupByParams(measurements: Measurement[]): ParamGroup[] {
  const groups = new Map<string, ParamGroup>();
  for (const m of measurements) {
    const key = paramsKey(m.params);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, params: m.params, measurements: [] }));
    g.measurements.push(m);
  }
  const list = [...groups.values()].sort((a, b) => compareParams(a.params, b.params));
  for (const g of list) g.measurements.sort((a, b) => compareSystems(a.system, b.system));
  return list;
}

/** Rows of one scenario in table order: by metric (as first seen), then parameters, then system. */
export function sortRows(measurements: Measurement[]): Measurement[] {
  const metrics = metricsOf(measurements);
  return [...measurements].sort(
    (a, b) =>
      metrics.indexOf(a.metric) - metrics.indexOf(b.metric) ||
      compareParams(a.params, b.params) ||
      compareSystems(a.system, b.system),
  );
}

/** The measurement of `system` with the same scenario, metric and parameters as `m`. */
export function referenceOf(all: Measurement[], m: Measurement, system: string): Measurement | undefined {
  const key = paramsKey(m.params);
  return all.find((r) => r.system === system && r.scenario === m.scenario && r.metric === m.metric && paramsKey(r.params) === key);
}

/** `m.median ÷ ref.median`, or undefined when there is no usable reference. */
export function ratioTo(all: Measurement[], m: Measurement, system: string): number | undefined {
  const ref = referenceOf(all, m, system);
  if (!ref || !Number.isFinite(ref.median) || ref.median === 0 || !Number.isFinite(m.median)) return undefined;
  return m.median / ref.median;
}

export function ratios(all: Measurement[], m: Measurement): { ceiling: number | undefined; socketio: number | undefined } {
  return { ceiling: ratioTo(all, m, CEILING), socketio: ratioTo(all, m, SOCKETIO) };
}

/** Percentile keys in order: p50 < p90 < p99 < p99.9 < max; others after, as given. */
export function sortPercentileKeys(keys: string[]): string[] {
  const rank = (k: string): number => {
    const lower = k.toLowerCase();
    if (lower === 'min') return -1;
    if (lower === 'max') return 1000;
    const m = /^p(\d+(?:\.\d+)?)$/.exec(lower);
    return m ? Number(m[1]) : 2000;
  };
  return [...new Set(keys)].sort((a, b) => rank(a) - rank(b));
}

/** Percentile keys present in any of `measurements`. */
export function percentileKeysOf(measurements: Measurement[]): string[] {
  return sortPercentileKeys(measurements.flatMap((m) => Object.keys(m.percentiles ?? {})));
}

/** Whether the load generator was close to one full core: the figure may be bounded by it. */
export function loadgenSaturated(m: Measurement): boolean {
  return m.loadgenCpu !== undefined && m.loadgenCpu >= 90;
}

export function targetsMet(results: BenchResults): { met: number; total: number } {
  return { met: results.targets.filter((t) => t.met).length, total: results.targets.length };
}
