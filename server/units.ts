/** Durations and sizes as people write them in flags and config files. */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const BYTE_UNITS: Record<string, number> = {
  b: 1, kb: 1000, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

function parseWithUnits(input: unknown, units: Record<string, number>, bare: string): number | undefined {
  if (typeof input === 'number') return input;
  if (typeof input !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(input);
  if (!m) return undefined;
  const factor = units[(m[2] || bare).toLowerCase()];
  return factor === undefined ? undefined : Math.round(Number(m[1]) * factor);
}

/** `1500`, `"1500"`, `"500ms"`, `"30s"`, `"5m"`, `"2h"`, `"7d"` → milliseconds. */
export function parseDuration(input: unknown): number | undefined {
  return parseWithUnits(input, DURATION_UNITS, 'ms');
}

/** `65536`, `"64KiB"`, `"1MiB"`, `"1GB"` → bytes. */
export function parseBytes(input: unknown): number | undefined {
  return parseWithUnits(input, BYTE_UNITS, 'b');
}

/** 67108864 → `64MiB`; a size that is no whole number of KiB stays in bytes. */
export function formatBytes(bytes: number): string {
  for (const [unit, n] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return `${bytes} bytes`;
}

/** 3600000 → `1h`, 90000 → `90s`, 1500 → `1500ms`. */
export function formatDuration(ms: number): string {
  for (const [unit, n] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= n && ms % n === 0) return `${ms / n}${unit}`;
  }
  return `${ms}ms`;
}
