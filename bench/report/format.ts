/**
 * Number, unit and text formatting shared by the HTML report, RESULTS.md and
 * the terminal summary. Every function is pure and returns `—` for values that
 * are not finite numbers (a missing median, a ratio against zero…).
 */

export const NONE = '—';

/** Escapes text for HTML and SVG, both in element content and in quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** `x` with `digits` significant digits, no exponent for ordinary magnitudes, no trailing zeros: 1.50 → "1.5". */
export function sig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return NONE;
  if (x === 0) return '0';
  let s = x.toPrecision(digits);
  if (/e/i.test(s)) {
    // toPrecision switches to exponent notation for |x| ≥ 10^digits: round instead.
    const abs = Math.abs(x);
    if (abs >= 1) s = String(Math.round(x));
    else return s;
  }
  if (s.includes('.')) s = s.replace(/\.?0+$/, '');
  return s === '-0' ? '0' : s;
}

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** A whole number with thousands separators: 100000 → "100,000". */
export function fmtInt(n: number): string {
  if (!Number.isFinite(n)) return NONE;
  return INT.format(n);
}

const SI: Array<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** A compact number with 3 significant digits: 1234567 → "1.23M", 12345 → "12.3k", 0.5 → "0.5". */
export function fmtNum(n: number): string {
  if (!Number.isFinite(n)) return NONE;
  const abs = Math.abs(n);
  for (let i = 0; i < SI.length; i++) {
    const [div, suffix] = SI[i]!;
    if (abs >= div) {
      const scaled = sig(n / div);
      // 999,999 rounds up to "1000k": use the next unit up instead.
      if (Math.abs(Number(scaled)) >= 1000 && i > 0) {
        const [up, upSuffix] = SI[i - 1]!;
        return sig(n / up) + upSuffix;
      }
      return scaled + suffix;
    }
  }
  const small = sig(n);
  if (Math.abs(Number(small)) >= 1000) return sig(n / 1e3) + 'k';
  return small;
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Bytes in binary units with 3 significant digits: 1536 → "1.5 KiB", 300 → "300 B". */
export function fmtBytes(n: number): string {
  if (!Number.isFinite(n)) return NONE;
  const abs = Math.abs(n);
  if (abs < 1024) return `${Math.round(n)} B`;
  let i = 0;
  let v = n;
  while (Math.abs(v) >= 1024 && i < BINARY.length - 1) {
    v /= 1024;
    i++;
  }
  let s = sig(v);
  if (Math.abs(Number(s)) >= 1024 && i < BINARY.length - 1) {
    v /= 1024;
    i++;
    s = sig(v);
  }
  return `${s} ${BINARY[i]}`;
}

/** Milliseconds with 2–3 significant digits: 0.1234 → "0.12 ms", 12.34 → "12.3 ms", 1234 → "1.23 s". */
export function fmtMs(ms: number): string {
  if (!Number.isFinite(ms)) return NONE;
  const abs = Math.abs(ms);
  if (abs >= 1000) return fmtSeconds(ms / 1000);
  if (abs >= 100) return `${Math.round(ms)} ms`;
  if (abs >= 1 || abs === 0) return `${sig(ms, 3)} ms`;
  return `${sig(ms, 2)} ms`;
}

/** A plain number of milliseconds for an axis tick (no unit): 0.25 → "0.25", 1500 → "1,500". */
export function fmtMsTick(ms: number): string {
  if (!Number.isFinite(ms)) return NONE;
  if (Math.abs(ms) >= 1000) return fmtInt(ms);
  return sig(ms, 3);
}

/** Seconds with 3 significant digits, or minutes past 100 s: 1.234 → "1.23 s", 150 → "2 min 30 s". */
export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return NONE;
  if (Math.abs(s) >= 100) return fmtDuration(s);
  return `${sig(s, 3)} s`;
}

/** A run duration: 45 → "45 s", 312 → "5 min 12 s", 3780 → "1 h 3 min". */
export function fmtDuration(sec: number): string {
  if (!Number.isFinite(sec)) return NONE;
  const total = Math.round(sec);
  if (total < 60) return `${total} s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return m ? `${h} h ${m} min` : `${h} h`;
  return s ? `${m} min ${s} s` : `${m} min`;
}

/** A ratio: 0.8 → "0.80×", 12.34 → "12.3×", 250 → "250×", 0.0033 → "0.0033×". */
export function fmtRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return NONE;
  const abs = Math.abs(r);
  if (abs > 0 && abs < 0.01) return `${sig(r, 2)}×`;
  const digits = abs < 10 ? 2 : abs < 100 ? 1 : 0;
  return `${r.toFixed(digits)}×`;
}

/** A percentage (of one core for CPU): 85.4 → "85%", 4.25 → "4.3%". */
export function fmtPct(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return NONE;
  return Math.abs(p) < 10 ? `${sig(p, 2)}%` : `${Math.round(p)}%`;
}

function unitKind(unit: string): 'bytes' | 'ms' | 's' | 'pct' | 'ratio' | 'count' | 'other' {
  switch (unit.trim().toLowerCase()) {
    case 'b':
    case 'byte':
    case 'bytes':
      return 'bytes';
    case 'ms':
      return 'ms';
    case 's':
    case 'sec':
    case 'seconds':
      return 's';
    case '%':
      return 'pct';
    case 'ratio':
    case '×':
    case 'x':
      return 'ratio';
    case '':
    case 'count':
      return 'count';
    default:
      return 'other';
  }
}

/** A value in its unit: bytes in KiB/MiB, ms with 2–3 digits, throughput as "1.23M msg/s". */
export function fmtValue(v: number, unit: string): string {
  if (!Number.isFinite(v)) return NONE;
  switch (unitKind(unit)) {
    case 'bytes':
      return fmtBytes(v);
    case 'ms':
      return fmtMs(v);
    case 's':
      return fmtSeconds(v);
    case 'pct':
      return fmtPct(v);
    case 'ratio':
      return fmtRatio(v);
    case 'count':
      return fmtNum(v);
    default:
      return `${fmtNum(v)} ${unit}`;
  }
}

/** A value in its unit without a trailing unit word where the unit is a rate or a count (for axes and ranges). */
export function fmtTick(v: number, unit: string): string {
  switch (unitKind(unit)) {
    case 'bytes':
      return fmtBytes(v);
    case 'ms':
      return fmtMsTick(v);
    case 's':
      return sig(v, 3);
    case 'pct':
      return fmtPct(v);
    case 'ratio':
      return fmtRatio(v);
    default:
      return fmtNum(v);
  }
}

/** A min–max range: "1.2M–1.25M" for rates and counts, "1.5 KiB – 2 KiB" for units that vary. */
export function fmtRange(min: number, max: number, unit: string): string {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return NONE;
  switch (unitKind(unit)) {
    case 'bytes':
    case 'ms':
    case 's':
      return `${fmtValue(min, unit)} – ${fmtValue(max, unit)}`;
    default:
      return `${fmtTick(min, unit)}–${fmtTick(max, unit)}`;
  }
}

/** Whether `unit` is bytes (for binary-aligned axis ticks). */
export function isBytesUnit(unit: string): boolean {
  return unitKind(unit) === 'bytes';
}

/** A target's comparison as a sign: `>=` → "≥", `<=` → "≤". */
export function fmtComparison(comparison: string): string {
  return comparison === '>=' ? '≥' : comparison === '<=' ? '≤' : comparison;
}

/** A target's value: ratios as "0.82×", others in their unit. */
export function fmtTargetValue(value: number, unit: string): string {
  return fmtValue(value, unit);
}

/**
 * A scenario's parameters as words: `{ subscribers: 1000 }` → "1,000 subscribers",
 * `{ rate: 5000, subscribers: 100 }` → "5,000 msg/s · 100 subscribers", `{ fsync: 'always' }` → "fsync always".
 * `compact` uses "1k" rather than "1,000" (for chart labels).
 */
export function fmtParams(params: Record<string, string | number>, compact = false): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'number') {
      const n = compact ? fmtNum(value) : fmtInt(value);
      if (key === 'rate') parts.push(`${n} msg/s`);
      else parts.push(`${n} ${value === 1 && /[^s]s$/.test(key) ? key.slice(0, -1) : key}`);
    } else {
      parts.push(`${key} ${value}`);
    }
  }
  return parts.length ? parts.join(' · ') : NONE;
}

/** An ISO date as "2026-11-23 17:30 UTC" (or the text itself when it is not a date). */
export function fmtDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A filesystem-safe timestamp from an ISO date: "2026-11-23T17:30:00.123Z" → "2026-11-23T17-30-00Z". */
export function fsTimestamp(iso: string): string {
  const d = new Date(iso);
  if (!Number.isNaN(d.getTime())) return d.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const cleaned = iso.replace(/[^0-9A-Za-z._-]+/g, '-').replace(/^-+|-+$/g, '');
  return cleaned || 'results';
}

/** Shortens text to `max` characters with an ellipsis (before escaping). */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(1, max - 1))}…`;
}
