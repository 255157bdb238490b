/**
 * The benchmark report as one self-contained HTML page: inline CSS, inline SVG,
 * no scripts, so that it opens from disk on a machine without a network.
 */
import type { BenchResults, Measurement, TargetCheck } from '../lib/results.js';
import {
  NONE,
  escapeHtml as esc,
  fmtComparison,
  fmtDate,
  fmtDuration,
  fmtInt,
  fmtParams,
  fmtPct,
  fmtRange,
  fmtRatio,
  fmtTargetValue,
  fmtValue,
  sig,
} from './format.js';
import {
  CEILING,
  SOCKETIO,
  colorOf,
  describeSystem,
  groupByParams,
  isEmphasized,
  loadgenSaturated,
  makePalette,
  metricsOf,
  paramsKey,
  percentileKeysOf,
  ratios,
  scenarioInfo,
  scenariosOf,
  sortRows,
  systemsOf,
  targetsMet,
  type Palette,
} from './model.js';
import { barChart, lineChart, percentileChart, type LegendItem } from './svg.js';

const CSS = `
:root{--ink:#1d2330;--muted:#5f6b7a;--line:#e3e7ee;--bg:#f4f6fa;--card:#fff;--accent:#1f57d6;--ok:#1a7f37;--okbg:#e6f4ea;--bad:#c92a2a;--badbg:#fdecec;--warn:#b35c00}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
header.top{background:linear-gradient(135deg,#14306f 0%,#1f57d6 100%);color:#fff;padding:28px 0 30px}
.wrap{max-width:1200px;margin:0 auto;padding:0 24px}
h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
.sub{opacity:.85;font-size:14px}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;font-weight:600;vertical-align:2px;margin-left:6px}
.badge.quick{background:#ffd8a8;color:#7a3e00}
.badge.full{background:#d3f9d8;color:#1a5e2a}
.meta{display:grid;grid-template-columns:repeat(auto-fit,minmax(210px,1fr));gap:10px 24px;margin-top:20px}
.meta div{min-width:0}
.meta dt,.cmd .label{font-size:11px;text-transform:uppercase;letter-spacing:.06em;opacity:.7}
.meta dd{margin:0;font-weight:500;overflow-wrap:anywhere}
.cmd{margin-top:16px}
.cmd code{display:block;background:rgba(0,0,0,.28);border-radius:6px;padding:8px 12px;font:12.5px/1.5 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
.versions{margin-top:12px;display:flex;flex-wrap:wrap;gap:6px}
.versions span{background:rgba(255,255,255,.14);border-radius:4px;padding:1px 7px;font-size:12px}
nav.toc{position:sticky;top:0;z-index:2;background:rgba(255,255,255,.94);border-bottom:1px solid var(--line);backdrop-filter:blur(4px)}
nav.toc .wrap{display:flex;flex-wrap:wrap;gap:4px 18px;padding-top:9px;padding-bottom:9px;font-size:13px}
nav.toc a{color:var(--ink);text-decoration:none}
nav.toc a:hover{color:var(--accent)}
main{padding:24px 0 40px}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:14px;margin-bottom:22px}
.stat{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 16px}
.stat b{display:block;font-size:22px;font-weight:650}
.stat span{color:var(--muted);font-size:12.5px}
section.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:20px 24px 22px;margin-bottom:24px;box-shadow:0 1px 2px rgba(16,24,40,.04)}
section.card h2{margin:0 0 2px;font-size:19px;font-weight:650}
section.card h3{margin:22px 0 8px;font-size:14px;font-weight:650;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
.blurb{color:var(--muted);margin:0 0 14px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
.charts figure{margin:0;border:1px solid var(--line);border-radius:8px;padding:6px;background:#fff;overflow:hidden}
svg.chart{display:block;width:100%;height:auto}
.tablewrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums;font-size:13px}
th{font-size:11.5px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600;text-align:left;border-bottom:2px solid var(--line);padding:6px 10px;white-space:nowrap}
td{padding:5px 10px;border-bottom:1px solid var(--line);vertical-align:top}
td.num,th.num{text-align:right;white-space:nowrap}
td.nw{white-space:nowrap}
tr.newgroup td{border-top:2px solid var(--line)}
tr.strong td{background:#f5f8ff}
tr.strong td.sys{font-weight:650}
.sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:7px;vertical-align:-1px}
.sys{min-width:125px;overflow-wrap:anywhere;padding-left:27px;text-indent:-17px}
.dir{color:var(--muted);font-size:11px}
.warn{color:var(--warn);font-weight:600}
.ok{color:var(--ok);font-weight:700}
.bad{color:var(--bad);font-weight:700}
tr.met td.status{background:var(--okbg)}
tr.missed td.status{background:var(--badbg)}
td.note{color:var(--muted);max-width:520px}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12.5px;padding:0 0 40px}
footer p{margin:4px 0}
@media print{nav.toc{display:none}section.card{break-inside:avoid}}
`;

function sysCell(system: string, palette: Palette): string {
  return `<td class="sys" title="${esc(describeSystem(system))}"><span class="sw" style="background:${colorOf(palette, system)}"></span>${esc(system).replace(/\//g, '/<wbr>')}</td>`;
}

function direction(m: Measurement): string {
  return m.higherIsBetter ? '↑ higher is better' : '↓ lower is better';
}

function runsCell(m: Measurement): string {
  const values = m.runs.map((r) => fmtValue(r, m.unit)).join(', ');
  return `<td class="num" title="${esc(values || 'no runs')}">${m.runs.length}</td>`;
}

function cpuCell(m: Measurement): string {
  if (m.loadgenCpu === undefined) return `<td class="num">${NONE}</td>`;
  if (loadgenSaturated(m)) {
    return `<td class="num warn" title="the load generator was near one full core: this figure may be bounded by it">⚠ ${esc(fmtPct(m.loadgenCpu))}</td>`;
  }
  return `<td class="num">${esc(fmtPct(m.loadgenCpu))}</td>`;
}

function ratioCell(value: number | undefined, ref: string, m: Measurement): string {
  const tip = `median ÷ ${ref} median with the same parameters (${m.higherIsBetter ? 'higher' : 'lower'} is better)`;
  return `<td class="num" title="${esc(tip)}">${esc(fmtRatio(value))}</td>`;
}

function measurementsTable(rows: Measurement[], all: Measurement[], palette: Palette): string {
  const sorted = sortRows(rows);
  let body = '';
  let prev = '';
  for (const m of sorted) {
    const group = `${m.metric}|${paramsKey(m.params)}`;
    const classes = [group !== prev && prev !== '' ? 'newgroup' : '', isEmphasized(m.system) ? 'strong' : ''].filter(Boolean).join(' ');
    prev = group;
    const r = ratios(all, m);
    body +=
      `<tr${classes ? ` class="${classes}"` : ''}>` +
      sysCell(m.system, palette) +
      `<td class="nw">${esc(fmtParams(m.params))}</td>` +
      `<td class="nw">${esc(m.metric)} <span class="dir" title="${esc(direction(m))}">${m.higherIsBetter ? '↑' : '↓'}</span></td>` +
      `<td class="num"><b>${esc(fmtValue(m.median, m.unit))}</b></td>` +
      `<td class="num">${esc(fmtRange(m.min, m.max, m.unit))}</td>` +
      runsCell(m) +
      cpuCell(m) +
      ratioCell(r.ceiling, CEILING, m) +
      ratioCell(r.socketio, SOCKETIO, m) +
      '</tr>';
  }
  return (
    '<div class="tablewrap"><table><thead><tr>' +
    '<th>System</th><th>Params</th><th>Metric</th><th class="num">Median</th><th class="num">Min–max</th>' +
    `<th class="num">Runs</th><th class="num">Loadgen CPU</th><th class="num">vs ${CEILING}</th><th class="num">vs ${SOCKETIO}</th>` +
    `</tr></thead><tbody>${body}</tbody></table></div>`
  );
}

function percentileTable(rows: Measurement[], palette: Palette): string {
  const withP = sortRows(rows.filter((m) => m.percentiles && Object.keys(m.percentiles).length));
  if (withP.length === 0) return '';
  const keys = percentileKeysOf(withP);
  let body = '';
  let prev = '';
  for (const m of withP) {
    const group = `${m.metric}|${paramsKey(m.params)}`;
    const classes = [group !== prev && prev !== '' ? 'newgroup' : '', isEmphasized(m.system) ? 'strong' : ''].filter(Boolean).join(' ');
    prev = group;
    body += `<tr${classes ? ` class="${classes}"` : ''}>${sysCell(m.system, palette)}<td class="nw">${esc(fmtParams(m.params))}</td><td class="nw">${esc(m.metric)}</td>`;
    for (const k of keys) {
      const v = m.percentiles?.[k];
      body += `<td class="num">${v === undefined ? NONE : esc(fmtValue(v, 'ms'))}</td>`;
    }
    body += '</tr>';
  }
  return (
    '<h3>Latency percentiles (ms)</h3><div class="tablewrap"><table><thead><tr><th>System</th><th>Params</th><th>Metric</th>' +
    keys.map((k) => `<th class="num">${esc(k)}</th>`).join('') +
    `</tr></thead><tbody>${body}</tbody></table></div>`
  );
}

function legendFor(systems: string[], palette: Palette): LegendItem[] {
  return systems.map((s) => ({ name: s, color: colorOf(palette, s), strong: isEmphasized(s) }));
}

function scenarioCharts(scenario: string, rows: Measurement[], palette: Palette): string[] {
  const info = scenarioInfo(scenario);
  const charts: string[] = [];
  for (const metric of metricsOf(rows)) {
    const ms = rows.filter((m) => m.metric === metric);
    const first = ms[0]!;
    const groups = groupByParams(ms);
    const runs = Math.max(...ms.map((m) => m.runs.length));
    charts.push(
      barChart({
        title: `${info.title} — ${metric}`,
        subtitle: `median of ${runs} run${runs === 1 ? '' : 's'}, whiskers min–max · ${first.higherIsBetter ? 'higher' : 'lower'} is better`,
        axisLabel: first.unit ? `${metric} (${first.unit})` : metric,
        unit: first.unit,
        legend: legendFor(systemsOf(ms), palette),
        groups: groups.map((g) => ({
          label: fmtParams(g.params),
          bars: g.measurements.map((m) => ({
            series: m.system,
            value: m.median,
            min: m.min,
            max: m.max,
            color: colorOf(palette, m.system),
            strong: isEmphasized(m.system),
            note: `min ${fmtValue(m.min, m.unit)}, max ${fmtValue(m.max, m.unit)}, ${m.runs.length} runs`,
          })),
        })),
      }),
    );
  }
  for (const g of groupByParams(rows.filter((m) => m.percentiles && Object.keys(m.percentiles).length))) {
    const seen = new Set<string>();
    const series = g.measurements.filter((m) => !seen.has(m.system) && seen.add(m.system));
    charts.push(
      percentileChart({
        title: `${info.percentileTitle} — ${fmtParams(g.params)}`,
        subtitle: 'median run · ms on a log scale · lower is better',
        keys: percentileKeysOf(series),
        series: series.map((m) => ({
          name: m.system,
          color: colorOf(palette, m.system),
          values: m.percentiles ?? {},
          strong: isEmphasized(m.system),
        })),
      }),
    );
  }
  for (const g of groupByParams(rows.filter((m) => m.curve && m.curve.length))) {
    const seen = new Set<string>();
    const series = g.measurements.filter((m) => !seen.has(m.system) && seen.add(m.system));
    const backlog = g.params['backlog'];
    charts.push(
      lineChart({
        title: `${info.title} progress — ${fmtParams(g.params)}`,
        subtitle: 'median run',
        xLabel: 'time (s)',
        yLabel: info.curveLabel,
        xUnit: 's',
        yUnit: '',
        series: series.map((m) => ({
          name: m.system,
          color: colorOf(palette, m.system),
          points: m.curve ?? [],
          strong: isEmphasized(m.system),
        })),
        hLines: typeof backlog === 'number' ? [{ y: backlog, label: `backlog ${fmtInt(backlog)}` }] : [],
      }),
    );
  }
  return charts;
}

function targetRow(t: TargetCheck): string {
  const status = t.met ? '<span class="ok">✓ met</span>' : '<span class="bad">✗ missed</span>';
  return (
    `<tr class="${t.met ? 'met' : 'missed'}"><td class="status">${status}</td><td>${esc(t.name)}</td>` +
    `<td class="num"><b>${esc(fmtTargetValue(t.value, t.unit))}</b></td>` +
    `<td class="num">${esc(fmtComparison(t.comparison))} ${esc(fmtTargetValue(t.target, t.unit))}</td>` +
    `<td class="note">${t.note ? esc(t.note) : ''}</td></tr>`
  );
}

function targetsSection(results: BenchResults): string {
  const { met, total } = targetsMet(results);
  const table = total
    ? '<div class="tablewrap"><table><thead><tr><th>Status</th><th>Target</th><th class="num">Measured</th><th class="num">Goal</th><th>Note</th></tr></thead><tbody>' +
      results.targets.map(targetRow).join('') +
      '</tbody></table></div>'
    : '<p class="empty">No targets were checked in this run.</p>';
  return `<section class="card" id="targets"><h2>Targets</h2><p class="blurb">${met} of ${total} met, on this run's medians.</p>${table}</section>`;
}

function header(results: BenchResults): string {
  const m = results.machine;
  const item = (label: string, value: string): string => `<div><dt>${esc(label)}</dt><dd>${esc(value)}</dd></div>`;
  const versions = Object.entries(results.versions)
    .map(([name, v]) => `<span>${esc(name)} ${esc(v)}</span>`)
    .join('');
  return (
    '<header class="top"><div class="wrap">' +
    `<h1>Tidings benchmark report <span class="badge ${results.quick ? 'quick">quick run' : 'full">full run'}</span></h1>` +
    `<div class="sub">${esc(fmtDate(results.startedAt))} · ${esc(fmtDuration(results.durationSec))}</div>` +
    '<dl class="meta">' +
    item('CPU', `${m.cpus} × ${m.cpuModel}`) +
    item('Memory', `${sig(m.memoryGiB, 3)} GiB`) +
    item('OS', m.os) +
    item('Node', m.node) +
    item('Pinning', m.pinning || 'not pinned') +
    item('Started', results.startedAt) +
    '</dl>' +
    `<div class="cmd"><div class="label">Command</div><code>${esc(results.command)}</code></div>` +
    (versions ? `<div class="versions">${versions}</div>` : '') +
    '</div></header>'
  );
}

function stats(results: BenchResults, scenarios: string[]): string {
  const { met, total } = targetsMet(results);
  const systems = systemsOf(results.measurements);
  const stat = (value: string, label: string): string => `<div class="stat"><b>${esc(value)}</b><span>${esc(label)}</span></div>`;
  return (
    '<div class="stats">' +
    stat(total ? `${met} / ${total}` : NONE, 'targets met') +
    stat(String(scenarios.length), scenarios.length === 1 ? 'scenario' : 'scenarios') +
    stat(String(systems.length), systems.length === 1 ? 'system' : 'systems') +
    stat(String(results.measurements.length), 'measurements') +
    '</div>'
  );
}

/** The whole report page for one run. */
export function renderHtml(results: BenchResults): string {
  const all = results.measurements;
  const palette = makePalette(systemsOf(all));
  const scenarios = scenariosOf(all);
  const sections = scenarios.map((id) => {
    const info = scenarioInfo(id);
    const rows = all.filter((m) => m.scenario === id);
    const charts = scenarioCharts(id, rows, palette);
    return (
      `<section class="card" id="s-${esc(id)}"><h2>${esc(info.title)}</h2>` +
      (info.blurb ? `<p class="blurb">${esc(info.blurb)}</p>` : '') +
      (charts.length ? `<div class="charts">${charts.map((c) => `<figure>${c}</figure>`).join('')}</div>` : '') +
      `<h3>Measurements</h3>${measurementsTable(rows, all, palette)}` +
      percentileTable(rows, palette) +
      '</section>'
    );
  });
  const toc =
    '<nav class="toc"><div class="wrap"><a href="#targets">Targets</a>' +
    scenarios.map((id) => `<a href="#s-${esc(id)}">${esc(scenarioInfo(id).title)}</a>`).join('') +
    '</div></nav>';
  const title = `Tidings benchmark — ${fmtDate(results.startedAt)}`;
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${esc(title)}</title><style>${CSS}</style></head><body>` +
    header(results) +
    toc +
    '<main><div class="wrap">' +
    stats(results, scenarios) +
    targetsSection(results) +
    (sections.length ? sections.join('') : '<section class="card"><p class="empty">This run has no measurements.</p></section>') +
    '</div></main>' +
    '<footer><div class="wrap">' +
    `<p>Bars are medians over the runs, whiskers the min and max. Ratios are this row's median ÷ the median of ${esc(CEILING)} (raw uWebSockets.js with per-tick batching, the ceiling) or ${esc(SOCKETIO)} with the same scenario, parameters and metric; for ↓ metrics (latency, memory) a ratio below 1× is better.</p>` +
    '<p>⚠ marks rows where the load generator used ≥ 90% of a core: those figures may be bounded by the load generator rather than the system.</p>' +
    '</div></footer>' +
    '</body></html>\n'
  );
}
