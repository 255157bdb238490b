/**
 * The shape of one benchmark run, as written to `bench/results/<timestamp>.json`
 * and read back by the HTML report and RESULTS.md writer.
 */

/** One figure of one system in one scenario, measured `runs.length` times. */
export interface Measurement {
  /** `fanout`, `latency`, `fixedrate`, `durable`, `catchup`, `connections`, `topics`, `url`. */
  scenario: string;
  /** `tidings-uws`, `tidings-ws` (`-memory`: on memory storage), `uws-raw`, `uws-batched`, `ws-raw`, `ws-cork`, `socketio`, or a URL. */
  system: string;
  /** The scenario's parameters for this row, e.g. `{ subscribers: 1000 }`. */
  params: Record<string, string | number>;
  /** What was measured, e.g. `deliveries/s`, `p99`, `bytes/connection`, `server CPU`. */
  metric: string;
  /** `msg/s`, `ms`, `bytes`, `conn/s`, `%` (of one core), `µs`… */
  unit: string;
  /** True when a larger value is better (throughput), false for latency and memory. */
  higherIsBetter: boolean;
  /** One value per repeat, in run order (warm-up excluded). */
  runs: number[];
  median: number;
  min: number;
  max: number;
  /** Median CPU use of the load generator during the runs, in % of one core. */
  loadgenCpu?: number;
  /** Latency percentiles of the median run, in ms. */
  percentiles?: Record<string, number>;
  /** A curve of the median run, e.g. catch-up progress: [seconds, value]. */
  curve?: Array<[number, number]>;
}

/** A target of the benchmark issue, checked on this run's medians. */
export interface TargetCheck {
  name: string;
  /** The measured figure, as a ratio or in `unit`. */
  value: number;
  target: number;
  unit: string;
  /** `>=` or `<=`. */
  comparison: '>=' | '<=';
  met: boolean;
  /** Why it is missed, when it is, and the next step. */
  note?: string;
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  /** Cores the hub and the load generator ran on, when pinned. */
  pinning: string;
}

export interface BenchResults {
  startedAt: string;
  durationSec: number;
  quick: boolean;
  command: string;
  machine: Machine;
  /** Package versions of every system measured. */
  versions: Record<string, string>;
  measurements: Measurement[];
  targets: TargetCheck[];
}

export function summarize(runs: number[]): { median: number; min: number; max: number } {
  const sorted = [...runs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0] ?? NaN, max: sorted[sorted.length - 1] ?? NaN };
}
