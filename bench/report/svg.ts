/**
 * Small, pure SVG chart builders for the HTML report: a grouped horizontal bar
 * chart with min–max whiskers, a line chart and a latency-percentile chart on a
 * log scale. Each returns a self-contained `<svg>` string; all text is escaped.
 */
import { NONE, escapeHtml as esc, fmtMsTick, fmtTick, fmtValue, isBytesUnit, sig } from './format.js';

const FONT = 'system-ui, -apple-system, &quot;Segoe UI&quot;, Roboto, Helvetica, Arial, sans-serif';
const INK = '#1d2330';
const MUTED = '#5f6b7a';
const GRID = '#e6e9ef';
const AXIS = '#9aa3af';
const PAD = 16;

export interface LegendItem {
  name: string;
  color: string;
  /** Drawn bold, for the hub under test. */
  strong?: boolean;
}

/** Rough width of `text` in px at `size` px (the page font is not known to us). */
export function textWidth(text: string, size: number): number {
  let w = 0;
  for (const ch of text) w += /[mwMW@%]/.test(ch) ? 0.86 : /[A-Z0-9]/.test(ch) ? 0.66 : /[ il.,:;'|!/]/.test(ch) ? 0.32 : 0.57;
  return w * size;
}

/** `text` shortened with an ellipsis until it fits in `maxWidth` px at `size` px. */
export function fitText(text: string, size: number, maxWidth: number): string {
  if (textWidth(text, size) <= maxWidth) return text;
  let chars = [...text];
  while (chars.length > 1 && textWidth(`${chars.join('')}…`, size) > maxWidth) chars = chars.slice(0, -1);
  return `${chars.join('')}…`;
}

function num(n: number): string {
  return Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '0';
}

function svgOpen(kind: 'bar' | 'line' | 'percentile', width: number, height: number, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${kind}" viewBox="0 0 ${width} ${num(height)}" width="${width}" height="${num(height)}" ` +
    `role="img" aria-label="${esc(title)}" font-family="${FONT}" style="max-width:100%;height:auto">` +
    `<title>${esc(title)}</title><rect width="100%" height="100%" fill="#fff"/>`
  );
}

/** Title and subtitle; returns the y where the content below may start. */
function heading(title: string, subtitle: string | undefined, width: number): { svg: string; bottom: number } {
  let svg = `<text x="${PAD}" y="22" font-size="14" font-weight="600" fill="${INK}">${esc(fitText(title, 14 * 1.08, width - 2 * PAD))}</text>`;
  let bottom = 30;
  if (subtitle) {
    svg += `<text x="${PAD}" y="39" font-size="11" fill="${MUTED}">${esc(fitText(subtitle, 11, width - 2 * PAD))}</text>`;
    bottom = 46;
  }
  return { svg, bottom };
}

/** A legend that wraps to the width; returns its height. `mark` is a swatch for bars or a line for lines. */
function legend(items: LegendItem[], top: number, width: number, mark: 'swatch' | 'line'): { svg: string; height: number } {
  if (items.length === 0) return { svg: '', height: 0 };
  const size = 11;
  const rowH = 16;
  let x = PAD;
  let y = top + 10;
  let svg = '<g class="legend">';
  for (const item of items) {
    const label = fitText(item.name, size * 1.08, 260);
    const w = 16 + textWidth(label, size) + 14;
    if (x + w > width - PAD && x > PAD) {
      x = PAD;
      y += rowH;
    }
    svg +=
      mark === 'swatch'
        ? `<rect x="${num(x)}" y="${num(y - 8)}" width="10" height="10" rx="2" fill="${item.color}"/>`
        : `<line x1="${num(x - 1)}" y1="${num(y - 3)}" x2="${num(x + 11)}" y2="${num(y - 3)}" stroke="${item.color}" stroke-width="3" stroke-linecap="round"/>`;
    svg += `<text x="${num(x + 15)}" y="${num(y)}" font-size="${size}" fill="${INK}"${item.strong ? ' font-weight="600"' : ''}>${esc(label)}<title>${esc(item.name)}</title></text>`;
    x += w;
  }
  svg += '</g>';
  return { svg, height: y - top + 8 };
}

/** A step of 1, 2, 2.5 or 5 × 10^k giving about `count` intervals over `span`. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
}

/** Ticks from 0 to a round value ≥ `max`; binary-aligned (KiB, MiB…) for bytes. */
export function linearTicks(max: number, count = 5, bytes = false): number[] {
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  let div = 1;
  if (bytes) while (top / div >= 1024) div *= 1024;
  const step = niceStep(top / div, count) * div;
  const n = Math.max(1, Math.ceil(top / step - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => i * step);
}

/** Ticks on a log scale: every decade, plus 2 and 5 when the span is short. */
export function logTicks(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min));
  const hi = Math.ceil(Math.log10(max));
  const ticks: number[] = [];
  const mults = hi - lo <= 2 ? [1, 2, 5] : [1];
  for (let e = lo; e <= hi; e++) {
    for (const m of mults) {
      const v = m * 10 ** e;
      if (v >= min * 0.999 && v <= max * 1.001) ticks.push(Number(v.toPrecision(6)));
    }
  }
  return ticks;
}

// ---------------------------------------------------------------- bar chart

/** The value written after a bar: ms and seconds in their own unit ("1.4 s"), others as on the axis. */
function fmtBarValue(v: number, unit: string): string {
  return /^(ms|s)$/i.test(unit.trim()) ? fmtValue(v, unit) : fmtTick(v, unit);
}

export interface Bar {
  /** The system. */
  series: string;
  value: number;
  min?: number;
  max?: number;
  color: string;
  strong?: boolean;
  /** Tooltip. */
  note?: string;
}

export interface BarGroup {
  /** e.g. "1,000 subscribers". */
  label: string;
  bars: Bar[];
}

export interface BarChartOptions {
  title: string;
  subtitle?: string;
  /** Axis label, e.g. "deliveries/s (msg/s)". */
  axisLabel: string;
  /** Unit of the values, for value labels and ticks. */
  unit: string;
  groups: BarGroup[];
  legend?: LegendItem[];
  width?: number;
}

/**
 * A grouped horizontal bar chart: one block per group (a parameter value), one
 * bar per system with its name at the left, the median as the bar, min–max as
 * a whisker, and the median written after the bar.
 */
export function barChart(opts: BarChartOptions): string {
  const width = opts.width ?? 560;
  const head = heading(opts.title, opts.subtitle, width);
  const leg = legend(opts.legend ?? [], head.bottom, width, 'swatch');
  let y = head.bottom + leg.height + (leg.height ? 8 : 0);

  // Bold labels are about 8% wider than the estimate.
  const labelW = Math.min(170, Math.max(40, ...opts.groups.flatMap((g) => g.bars.map((b) => textWidth(b.series, 11) * 1.08))));
  const x0 = PAD + labelW + 8;
  const x1 = width - PAD - 62;
  const dataMax = Math.max(0, ...opts.groups.flatMap((g) => g.bars.flatMap((b) => [b.value, b.max ?? b.value].filter(Number.isFinite))));
  const ticks = linearTicks(dataMax, 5, isBytesUnit(opts.unit));
  const domain = ticks[ticks.length - 1]!;
  const sx = (v: number): number => x0 + (Math.max(0, Math.min(v, domain)) / domain) * (x1 - x0);

  const rowH = 17;
  const barH = 11;
  const groupHeadH = 18;
  const plotTop = y;
  let body = '';
  for (const g of opts.groups) {
    body += `<text x="${PAD}" y="${num(y + 12)}" font-size="11.5" font-weight="600" fill="${INK}">${esc(fitText(g.label, 11.5 * 1.08, width - 2 * PAD))}</text>`;
    y += groupHeadH;
    for (const b of g.bars) {
      const cy = y + rowH / 2;
      const finite = Number.isFinite(b.value);
      const tip = `${b.series}: ${fmtValue(b.value, opts.unit)}${b.note ? ` — ${b.note}` : ''}`;
      body += `<g><title>${esc(tip)}</title>`;
      body += `<text x="${num(x0 - 6)}" y="${num(cy + 4)}" font-size="11" text-anchor="end" fill="${INK}"${b.strong ? ' font-weight="600"' : ''}>${esc(fitText(b.series, 11 * 1.08, labelW))}</text>`;
      if (finite) {
        const w = Math.max(1, sx(b.value) - x0);
        body += `<rect x="${num(x0)}" y="${num(cy - barH / 2)}" width="${num(w)}" height="${barH}" rx="2" fill="${b.color}"/>`;
      }
      let labelX = finite ? sx(b.value) : x0;
      if (b.min !== undefined && b.max !== undefined && Number.isFinite(b.min) && Number.isFinite(b.max) && b.max > b.min) {
        const a = sx(b.min);
        const z = sx(b.max);
        body +=
          `<path d="M${num(a)} ${num(cy)}H${num(z)}M${num(a)} ${num(cy - 4)}V${num(cy + 4)}M${num(z)} ${num(cy - 4)}V${num(cy + 4)}" ` +
          `stroke="${INK}" stroke-opacity="0.65" stroke-width="1.2" fill="none"/>`;
        labelX = Math.max(labelX, z);
      }
      const text = finite ? fmtBarValue(b.value, opts.unit) : NONE;
      body += `<text x="${num(labelX + 5)}" y="${num(cy + 4)}" font-size="10.5" fill="${INK}"${b.strong ? ' font-weight="600"' : ''}>${esc(text)}</text></g>`;
      y += rowH;
    }
    y += 8;
  }
  const plotBottom = y - 4;

  let grid = '';
  for (const t of ticks) {
    const x = sx(t);
    grid += `<line x1="${num(x)}" y1="${num(plotTop)}" x2="${num(x)}" y2="${num(plotBottom)}" stroke="${t === 0 ? AXIS : GRID}"/>`;
    grid += `<text x="${num(x)}" y="${num(plotBottom + 14)}" font-size="10" text-anchor="middle" fill="${MUTED}">${esc(fmtTick(t, opts.unit))}</text>`;
  }
  const axis =
    `<line x1="${num(x0)}" y1="${num(plotBottom)}" x2="${num(x1)}" y2="${num(plotBottom)}" stroke="${AXIS}"/>` +
    `<text x="${num((x0 + x1) / 2)}" y="${num(plotBottom + 32)}" font-size="11" text-anchor="middle" fill="${MUTED}">${esc(opts.axisLabel)}</text>`;
  const height = plotBottom + 42;
  return `${svgOpen('bar', width, height, opts.title)}${head.svg}${leg.svg}${grid}${axis}${body}</svg>`;
}

// ---------------------------------------------------------------- line chart

export interface LineSeries {
  name: string;
  color: string;
  points: Array<[number, number]>;
  strong?: boolean;
}

export interface LineChartOptions {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** Units for tick labels (`s`, `msg`, `bytes`…). */
  xUnit?: string;
  yUnit?: string;
  series: LineSeries[];
  /** Horizontal reference lines, e.g. the backlog size. */
  hLines?: Array<{ y: number; label: string }>;
  width?: number;
  height?: number;
}

/** Keeps at most `max` points of a curve, always the first and the last. */
function thin(points: Array<[number, number]>, max: number): Array<[number, number]> {
  if (points.length <= max) return points;
  const stride = (points.length - 1) / (max - 1);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round(i * stride)]!);
  return out;
}

/** Title, legend and plot bounds shared by the line and percentile charts. */
function lineFrame(opts: {
  title: string; subtitle?: string; width?: number; height?: number;
  series: Array<{ name: string; color: string; strong?: boolean }>;
}): { width: number; head: ReturnType<typeof heading>; leg: ReturnType<typeof legend>; top: number; bottom: number } {
  const width = opts.width ?? 560;
  const head = heading(opts.title, opts.subtitle, width);
  const leg = legend(opts.series.map((s) => ({ name: s.name, color: s.color, strong: s.strong })), head.bottom, width, 'line');
  const top = head.bottom + leg.height + 12;
  return { width, head, leg, top, bottom: top + Math.max(120, (opts.height ?? 320) - 70 - head.bottom) };
}

/** A line chart with linear axes from zero, ticks, grid and a legend; several series. */
export function lineChart(opts: LineChartOptions): string {
  const { width, head, leg, top, bottom } = lineFrame(opts);
  const series = opts.series.map((s) => ({ ...s, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) }));
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = [...series.flatMap((s) => s.points.map((p) => p[1])), ...(opts.hLines ?? []).map((h) => h.y)];
  const yUnit = opts.yUnit ?? '';
  const xUnit = opts.xUnit ?? 's';
  const yTicks = linearTicks(Math.max(0, ...ys), 5, isBytesUnit(yUnit));
  const xTicks = linearTicks(Math.max(0, ...xs), 6, isBytesUnit(xUnit));
  const yMax = yTicks[yTicks.length - 1]!;
  const xMax = xTicks[xTicks.length - 1]!;
  const yLabelW = Math.max(...yTicks.map((t) => textWidth(fmtTick(t, yUnit), 10)));
  const left = PAD + 16 + yLabelW + 6;
  const right = width - PAD - 8;
  const sx = (v: number): number => left + (v / xMax) * (right - left);
  const sy = (v: number): number => bottom - (v / yMax) * (bottom - top);

  let svg = svgOpen('line', width, bottom + 44, opts.title) + head.svg + leg.svg;
  for (const t of yTicks) {
    svg += `<line x1="${num(left)}" y1="${num(sy(t))}" x2="${num(right)}" y2="${num(sy(t))}" stroke="${t === 0 ? AXIS : GRID}"/>`;
    svg += `<text x="${num(left - 6)}" y="${num(sy(t) + 3.5)}" font-size="10" text-anchor="end" fill="${MUTED}">${esc(fmtTick(t, yUnit))}</text>`;
  }
  for (const t of xTicks) {
    svg += `<line x1="${num(sx(t))}" y1="${num(bottom)}" x2="${num(sx(t))}" y2="${num(bottom + 4)}" stroke="${AXIS}"/>`;
    svg += `<text x="${num(sx(t))}" y="${num(bottom + 16)}" font-size="10" text-anchor="middle" fill="${MUTED}">${esc(fmtTick(t, xUnit))}</text>`;
  }
  svg += `<line x1="${num(left)}" y1="${num(top)}" x2="${num(left)}" y2="${num(bottom)}" stroke="${AXIS}"/>`;
  svg += `<text x="${num((left + right) / 2)}" y="${num(bottom + 34)}" font-size="11" text-anchor="middle" fill="${MUTED}">${esc(opts.xLabel)}</text>`;
  const midY = (top + bottom) / 2;
  svg += `<text transform="translate(${PAD + 6} ${num(midY)}) rotate(-90)" font-size="11" text-anchor="middle" fill="${MUTED}">${esc(opts.yLabel)}</text>`;
  for (const h of opts.hLines ?? []) {
    if (!Number.isFinite(h.y)) continue;
    svg += `<line x1="${num(left)}" y1="${num(sy(h.y))}" x2="${num(right)}" y2="${num(sy(h.y))}" stroke="${MUTED}" stroke-dasharray="4 3"/>`;
    svg += `<text x="${num(right - 2)}" y="${num(sy(h.y) - 4)}" font-size="10" text-anchor="end" fill="${MUTED}">${esc(h.label)}</text>`;
  }
  // Muted series first so the strong ones are drawn on top.
  const ordered = [...series].sort((a, b) => Number(Boolean(a.strong)) - Number(Boolean(b.strong)));
  for (const s of ordered) {
    const pts = thin(s.points, 600);
    if (pts.length === 0) continue;
    const sw = s.strong ? 2.6 : 1.8;
    svg += `<g><title>${esc(s.name)}</title>`;
    if (pts.length > 1) {
      const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${num(sx(x))} ${num(sy(y))}`).join('');
      svg += `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${sw}" stroke-linejoin="round" stroke-linecap="round"/>`;
    }
    const [lx, ly] = pts[pts.length - 1]!;
    svg += `<circle cx="${num(sx(lx))}" cy="${num(sy(ly))}" r="3" fill="${s.color}"/></g>`;
  }
  return svg + '</svg>';
}

// ---------------------------------------------------------- percentile chart

export interface PercentileSeries {
  name: string;
  color: string;
  /** e.g. { p50: 0.4, p99: 2.1, 'p99.9': 5, max: 12 } in ms. */
  values: Record<string, number>;
  strong?: boolean;
}

export interface PercentileChartOptions {
  title: string;
  subtitle?: string;
  /** Percentile keys, in order along x (p50, p99, p99.9, max). */
  keys: string[];
  series: PercentileSeries[];
  yLabel?: string;
  width?: number;
  height?: number;
}

/** Latency by percentile: x = the percentiles, y = ms on a log scale, one line per system. */
export function percentileChart(opts: PercentileChartOptions): string {
  const { width, head, leg, top, bottom } = lineFrame(opts);
  const values = opts.series.flatMap((s) => opts.keys.map((k) => s.values[k]).filter((v): v is number => v !== undefined && Number.isFinite(v) && v > 0));
  const vMin = values.length ? Math.min(...values) : 0.1;
  const vMax = values.length ? Math.max(...values) : 10;
  const lo = 10 ** Math.floor(Math.log10(vMin));
  let hi = 10 ** Math.ceil(Math.log10(vMax));
  if (hi <= lo) hi = lo * 10;
  const ticks = logTicks(lo, hi);
  const yLabelW = Math.max(...ticks.map((t) => textWidth(fmtMsTick(t), 10)));
  const left = PAD + 16 + yLabelW + 6;
  const right = width - PAD - 12;
  const n = opts.keys.length;
  const sx = (i: number): number => (n <= 1 ? (left + right) / 2 : left + 24 + (i / (n - 1)) * (right - left - 48));
  const sy = (v: number): number => bottom - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (bottom - top);

  let svg = svgOpen('percentile', width, bottom + 44, opts.title) + head.svg + leg.svg;
  for (const t of ticks) {
    const major = Number.isInteger(Math.log10(t)) || Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9;
    svg += `<line x1="${num(left)}" y1="${num(sy(t))}" x2="${num(right)}" y2="${num(sy(t))}" stroke="${GRID}"${major ? '' : ' stroke-dasharray="2 3"'}/>`;
    svg += `<text x="${num(left - 6)}" y="${num(sy(t) + 3.5)}" font-size="10" text-anchor="end" fill="${MUTED}">${esc(fmtMsTick(t))}</text>`;
  }
  svg += `<line x1="${num(left)}" y1="${num(top)}" x2="${num(left)}" y2="${num(bottom)}" stroke="${AXIS}"/>`;
  svg += `<line x1="${num(left)}" y1="${num(bottom)}" x2="${num(right)}" y2="${num(bottom)}" stroke="${AXIS}"/>`;
  opts.keys.forEach((k, i) => {
    svg += `<line x1="${num(sx(i))}" y1="${num(top)}" x2="${num(sx(i))}" y2="${num(bottom)}" stroke="${GRID}"/>`;
    svg += `<text x="${num(sx(i))}" y="${num(bottom + 16)}" font-size="10.5" text-anchor="middle" fill="${INK}">${esc(k)}</text>`;
  });
  svg += `<text x="${num((left + right) / 2)}" y="${num(bottom + 34)}" font-size="11" text-anchor="middle" fill="${MUTED}">percentile</text>`;
  svg += `<text transform="translate(${PAD + 6} ${num((top + bottom) / 2)}) rotate(-90)" font-size="11" text-anchor="middle" fill="${MUTED}">${esc(opts.yLabel ?? 'latency (ms, log scale)')}</text>`;

  const ordered = [...opts.series].sort((a, b) => Number(Boolean(a.strong)) - Number(Boolean(b.strong)));
  for (const s of ordered) {
    const pts: Array<[number, number, string]> = [];
    opts.keys.forEach((k, i) => {
      const v = s.values[k];
      if (v !== undefined && Number.isFinite(v)) pts.push([sx(i), sy(Math.max(v, lo)), `${s.name} ${k}: ${sig(v, 3)} ms`]);
    });
    if (pts.length === 0) continue;
    const sw = s.strong ? 2.6 : 1.8;
    svg += '<g>';
    if (pts.length > 1) {
      const d = pts.map(([x, y], i) => `${i ? 'L' : 'M'}${num(x)} ${num(y)}`).join('');
      svg += `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="${sw}" stroke-linejoin="round"/>`;
    }
    for (const [x, y, tip] of pts) {
      svg += `<circle cx="${num(x)}" cy="${num(y)}" r="${s.strong ? 3.5 : 3}" fill="${s.color}" stroke="#fff" stroke-width="1"><title>${esc(tip)}</title></circle>`;
    }
    svg += '</g>';
  }
  return svg + '</svg>';
}
