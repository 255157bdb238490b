import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { summarize, type BenchResults, type Measurement } from '../../bench/lib/results.js';
import { checkTargets } from '../../bench/lib/targets.js';
import {
  escapeHtml,
  fmtBytes,
  fmtMs,
  fmtNum,
  fmtParams,
  fmtPct,
  fmtRatio,
  fmtValue,
  fsTimestamp,
} from '../../bench/report/format.js';
import { renderHtml } from '../../bench/report/html.js';
import { NOTES_MARKER, extractNotes, mdCell, renderResultsMd } from '../../bench/report/results-md.js';
import { renderSummary } from '../../bench/report/summary.js';
import { barChart, lineChart, linearTicks, logTicks, percentileChart } from '../../bench/report/svg.js';
import { writeReport } from '../../bench/report/write.js';

const ALL = ['tidings-uws', 'tidings-ws', 'uws-batched', 'uws-raw', 'ws-cork', 'ws-raw', 'socketio'];
const TIDINGS = ['tidings-uws', 'tidings-ws'];
const URLS = ['ws://x/<y>', 'wss://hub.example.com/ws'];

/** Runs around `median` whose median is exactly `median`. */
function runsAround(median: number): number[] {
  return [median * 1.02, median * 0.97, median, median * 1.01, median * 0.99];
}

function meas(
  scenario: string,
  system: string,
  params: Record<string, string | number>,
  metric: string,
  unit: string,
  higherIsBetter: boolean,
  median: number,
  extra: Partial<Measurement> = {},
): Measurement {
  const runs = runsAround(median);
  return { scenario, system, params, metric, unit, higherIsBetter, runs, ...summarize(runs), loadgenCpu: 55, ...extra };
}

/** Relative speed of each system, the ceiling at 1 (tidings-uws at exactly 0.8). */
const SPEED: Record<string, number> = {
  'tidings-uws': 0.8,
  'tidings-ws': 0.45,
  'uws-batched': 1,
  'uws-raw': 0.7,
  'ws-cork': 0.4,
  'ws-raw': 0.3,
  socketio: 0.12,
};

function pct(p50: number, spread: number): Record<string, number> {
  return { p50, p99: p50 * spread, 'p99.9': p50 * spread * 2.2, max: p50 * spread * 6 };
}

function curve(total: number, seconds: number): Array<[number, number]> {
  const pts: Array<[number, number]> = [];
  for (let i = 0; i <= 40; i++) {
    const t = (seconds * i) / 40;
    pts.push([t, Math.round(total * (1 - (1 - i / 40) ** 1.6))]);
  }
  return pts;
}

export function sampleResults(): BenchResults {
  const m: Measurement[] = [];
  for (const subscribers of [100, 1000, 10000]) {
    for (const s of ALL) {
      const base = 4_000_000 * (subscribers === 100 ? 1 : subscribers === 1000 ? 1.25 : 1.1);
      m.push(meas('fanout', s, { subscribers }, 'deliveries/s', 'msg/s', true, base * SPEED[s]!, { loadgenCpu: s === 'uws-batched' ? 94 : 60 }));
      m.push(meas('fanout', s, { subscribers }, 'publishes/s', 'msg/s', true, (base / subscribers) * SPEED[s]!));
    }
  }
  for (const rate of [1000, 10000]) {
    for (const s of ALL) {
      const p50 = (0.2 / SPEED[s]!) * (rate / 1000) ** 0.3;
      const p = pct(p50, 4);
      m.push(meas('latency', s, { rate, subscribers: 100 }, 'p99', 'ms', false, p.p99!, { percentiles: p }));
    }
  }
  for (const topics of [1, 100]) {
    for (const fsync of ['always', 'never']) {
      for (const s of TIDINGS) {
        const v = (fsync === 'always' ? 40_000 : 400_000) * SPEED[s]! * (topics === 1 ? 1 : 0.9);
        const p50 = (fsync === 'always' ? 1.8 : 0.02) * (s === 'tidings-ws' ? 1.4 : 1);
        m.push(meas('durable', s, { topics, fsync }, 'acked publishes/s', 'msg/s', true, v, { percentiles: pct(p50, 3) }));
      }
    }
  }
  for (const backlog of [100_000, 1_000_000]) {
    for (const s of TIDINGS) {
      const rate = 900_000 * SPEED[s]!;
      const secs = backlog / rate;
      m.push(meas('catchup', s, { backlog }, 'replayed/s', 'msg/s', true, rate, { curve: curve(backlog, secs) }));
      m.push(meas('catchup', s, { backlog }, 'peak RSS', 'bytes', false, 80 * 2 ** 20 + backlog * 120 * (s === 'tidings-ws' ? 1.3 : 1)));
      m.push(meas('catchup', s, { backlog }, 'time to live', 'ms', false, secs * 1000 + 12));
    }
  }
  for (const s of ALL) {
    m.push(meas('connections', s, { clients: 10000 }, 'bytes/connection', 'bytes', false, 2_000 / SPEED[s]!));
    m.push(meas('connections', s, { clients: 10000 }, 'connects/s', 'conn/s', true, 25_000 * SPEED[s]!));
  }
  for (const topics of [1000, 100_000]) {
    for (const s of TIDINGS) {
      m.push(meas('topics', s, { topics }, 'RSS', 'bytes', false, 60 * 2 ** 20 + topics * 900));
      m.push(meas('topics', s, { topics }, 'open files', 'files', false, 40 + Math.round(topics / 1000)));
      m.push(meas('topics', s, { topics }, 'publishes/s', 'msg/s', true, 300_000 * SPEED[s]!));
    }
  }
  for (const [i, url] of URLS.entries()) {
    m.push(meas('url', url, { subscribers: 1000 }, 'deliveries/s', 'msg/s', true, 2_500_000 / (i + 1)));
    const p = pct(0.6 * (i + 1), 5);
    m.push(meas('url', url, { subscribers: 1000 }, 'p99', 'ms', false, p.p99!, { percentiles: p }));
  }
  return {
    startedAt: '2026-11-23T17:30:00.412Z',
    durationSec: 1874,
    quick: false,
    command: 'node dist/bench/main.js --repeats 5 --systems all',
    machine: {
      cpus: 16,
      cpuModel: 'AMD Ryzen 9 7950X 16-Core Processor',
      memoryGiB: 62.6,
      os: 'Linux 6.8.0-45-generic x64',
      node: 'v20.18.0',
      pinning: 'hub on cores 0-3, load generator on 8-15',
    },
    versions: {
      tidings: '0.1.0',
      'uWebSockets.js': '20.30.0',
      ws: '8.23.0',
      'socket.io': '4.8.4',
    },
    measurements: m,
    targets: [
      { name: 'fanout: tidings-uws ≥ 0.75 of the ceiling', value: 0.8, target: 0.75, unit: 'ratio', comparison: '>=', met: true },
      { name: 'latency p99 at 10k msg/s', value: 1.3, target: 2, unit: 'ms', comparison: '<=', met: true },
      {
        name: 'catch-up replay rate',
        value: 720_000,
        target: 1_000_000,
        unit: 'msg/s',
        comparison: '>=',
        met: false,
        note: 'LMDB reads copy each message; next: read ranges into one buffer <and> send in batches',
      },
      { name: 'memory per connection', value: 2500, target: 4096, unit: 'bytes', comparison: '<=', met: true },
    ],
  };
}

describe('report formatting', () => {
  it('formats numbers, bytes, ms, ratios and percentages', () => {
    assert.equal(fmtNum(1234567), '1.23M');
    assert.equal(fmtNum(12345), '12.3k');
    assert.equal(fmtNum(999_999), '1M');
    assert.equal(fmtNum(512), '512');
    assert.equal(fmtNum(0.5), '0.5');
    assert.equal(fmtNum(NaN), '—');
    assert.equal(fmtBytes(1536), '1.5 KiB');
    assert.equal(fmtBytes(300), '300 B');
    assert.equal(fmtBytes(3 * 2 ** 30), '3 GiB');
    assert.equal(fmtMs(0.1234), '0.12 ms');
    assert.equal(fmtMs(12.34), '12.3 ms');
    assert.equal(fmtMs(250.4), '250 ms');
    assert.equal(fmtMs(1234), '1.23 s');
    assert.equal(fmtRatio(0.82), '0.82×');
    assert.equal(fmtRatio(12.34), '12.3×');
    assert.equal(fmtRatio(undefined), '—');
    assert.equal(fmtPct(85.4), '85%');
    assert.equal(fmtValue(1_230_000, 'msg/s'), '1.23M msg/s');
    assert.equal(fmtValue(0.8, 'ratio'), '0.80×');
    assert.equal(fmtParams({ rate: 5000, subscribers: 100 }), '5,000 msg/s · 100 subscribers');
    assert.equal(fmtParams({ topics: 100, fsync: 'always' }), '100 topics · fsync always');
    assert.equal(fmtParams({ topics: 1, fsync: 'never' }), '1 topic · fsync never');
    assert.equal(escapeHtml(`<a href="x">&'`), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;');
  });

  it('makes filesystem-safe timestamps', () => {
    assert.equal(fsTimestamp('2026-11-23T17:30:00.412Z'), '2026-11-23T17-30-00Z');
    assert.equal(fsTimestamp('2026-11-23T18:30:00+01:00'), '2026-11-23T17-30-00Z');
    assert.match(fsTimestamp('not a date: a/b'), /^[0-9A-Za-z._-]+$/);
  });

  it('picks round axis ticks', () => {
    assert.deepEqual(linearTicks(4.2e6, 5), [0, 1e6, 2e6, 3e6, 4e6, 5e6]);
    assert.deepEqual(linearTicks(300 * 2 ** 20, 5, true), [0, 100, 200, 300].map((x) => x * 2 ** 20));
    assert.deepEqual(logTicks(0.1, 100), [0.1, 1, 10, 100]);
    assert.deepEqual(logTicks(1, 10), [1, 2, 5, 10]);
  });
});

describe('SVG charts', () => {
  it('draws bars, whiskers, lines and percentiles with escaped text', () => {
    const bar = barChart({
      title: 'a <b>',
      axisLabel: 'deliveries/s',
      unit: 'msg/s',
      legend: [{ name: 'ws://x/<y>', color: '#123456' }],
      groups: [{ label: '100 subscribers', bars: [{ series: 'ws://x/<y>', value: 10, min: 8, max: 12, color: '#123456' }] }],
    });
    assert.match(bar, /^<svg[^>]+data-chart="bar"/);
    assert.ok(bar.includes('ws://x/&lt;y&gt;') && !bar.includes('<y>') && !bar.includes('<b>'));
    assert.match(bar, /<path d="M[^"]*H/); // the whisker
    const line = lineChart({ title: 't', xLabel: 's', yLabel: 'n', series: [{ name: 'a', color: '#000', points: [[0, 0], [1, 5]] }] });
    assert.match(line, /data-chart="line"/);
    const p = percentileChart({ title: 't', keys: ['p50', 'p99'], series: [{ name: 'a', color: '#000', values: { p50: 0.3, p99: 3 } }] });
    assert.match(p, /data-chart="percentile"/);
    // Empty input does not throw or produce NaN coordinates.
    for (const svg of [
      barChart({ title: 'e', axisLabel: 'x', unit: '', groups: [] }),
      lineChart({ title: 'e', xLabel: 'x', yLabel: 'y', series: [] }),
      percentileChart({ title: 'e', keys: [], series: [] }),
    ]) {
      assert.ok(!svg.includes('NaN') && !svg.includes('Infinity'), svg);
    }
  });
});

describe('renderHtml', () => {
  const results = sampleResults();
  const html = renderHtml(results);

  it('is one self-contained page', () => {
    assert.match(html, /^<!doctype html>/);
    assert.ok(html.includes('<style>'));
    assert.ok(!/<script/i.test(html), 'no scripts');
    assert.ok(!/<link\b/i.test(html), 'no linked resources');
    const urls = (html.match(/(?:src|href)="[^"#][^"]*"/g) ?? []).filter((u) => !u.startsWith('href="#'));
    assert.deepEqual(urls, []);
    assert.ok(!html.includes('NaN') && !html.includes('Infinity'));
  });

  it('has a chart of every kind and every system, escaped', () => {
    for (const kind of ['bar', 'line', 'percentile']) assert.match(html, new RegExp(`<svg[^>]+data-chart="${kind}"`), kind);
    const svgs = html.match(/<svg/g) ?? [];
    assert.ok(svgs.length >= 20, `${svgs.length} charts`);
    for (const s of [...ALL, ...URLS]) assert.ok(html.includes(escapeHtml(s)), s);
    assert.ok(html.includes('ws://x/&lt;y&gt;'));
    assert.ok(!html.includes('ws://x/<y>'));
  });

  it('shows the header, the targets with their status and notes', () => {
    for (const text of ['AMD Ryzen 9 7950X', 'v20.18.0', 'hub on cores 0-3', 'node dist/bench/main.js --repeats 5', '2026-11-23 17:30 UTC']) {
      assert.ok(html.includes(text), text);
    }
    for (const t of results.targets) assert.ok(html.includes(escapeHtml(t.name)), t.name);
    assert.equal((html.match(/✓ met/g) ?? []).length, 3);
    assert.equal((html.match(/✗ missed/g) ?? []).length, 1);
    assert.ok(html.includes('read ranges into one buffer &lt;and&gt; send in batches'));
  });

  it('lists every measurement with ratios to the ceiling and Socket.IO', () => {
    const rows = html.match(/<tr[^>]*><td class="sys"/g) ?? [];
    const withPercentiles = results.measurements.filter((m) => m.percentiles).length;
    assert.equal(rows.length, results.measurements.length + withPercentiles);
    assert.ok(html.includes('>0.80×<'), 'tidings-uws at 0.8 of uws-batched');
    assert.ok(html.includes(`>${fmtRatio(0.8 / 0.12)}<`), 'tidings-uws vs socketio');
    assert.ok(html.includes('⚠ 94%'), 'saturated load generator flagged');
  });
});

describe('renderResultsMd', () => {
  const results = sampleResults();
  const md = renderResultsMd(results);

  it('has the header, machine, versions, command and targets', () => {
    assert.match(md, /^# Tidings benchmark results\n/);
    for (const text of ['2026-11-23 17:30 UTC', 'AMD Ryzen 9 7950X', 'v20.18.0', '| socket.io | 4.8.4 |', 'node dist/bench/main.js --repeats 5']) {
      assert.ok(md.includes(text), text);
    }
    assert.ok(md.includes('| ✓ | fanout: tidings-uws ≥ 0.75 of the ceiling | 0.80× | ≥ 0.75× |'));
    assert.ok(md.includes('| ✗ | catch-up replay rate | 720k msg/s | ≥ 1M msg/s | LMDB reads copy each message; next: read ranges into one buffer &lt;and> send in batches |'));
  });

  it('has a table row per measurement with ratios', () => {
    const lines = md.split('\n');
    for (const m of results.measurements) {
      const sys = mdCell(m.system);
      const found = lines.filter(
        (l) => l.startsWith('| ') && l.includes(sys) && l.includes(mdCell(fmtParams(m.params))) && l.includes(mdCell(fmtValue(m.median, m.unit))),
      );
      assert.ok(found.length >= 1, `${m.scenario} ${m.system} ${m.metric}`);
    }
    const tidings = lines.find((l) => l.startsWith('| **tidings-uws** | 100 subscribers | **3.2M msg/s**'));
    assert.ok(tidings, 'tidings-uws fan-out row');
    assert.ok(tidings.includes('| 0.80× |'), tidings);
    assert.ok(tidings.includes(`| ${fmtRatio(0.8 / 0.12)} |`), tidings);
    const ceiling = lines.find((l) => l.startsWith('| uws-batched | 100 subscribers | **4M msg/s**'));
    assert.ok(ceiling?.includes('| 1.00× |'), ceiling);
    assert.ok(md.includes('ws://x/&lt;y>') && !md.includes('ws://x/<y>'));
  });

  it('has latency percentile tables', () => {
    assert.ok(md.includes('### Delivery latency percentiles (ms)'));
    assert.ok(md.includes('### Store append latency percentiles (ms)'));
    assert.match(md, /\| system \| params \| metric \| p50 \| p99 \| p99\.9 \| max \|/);
  });

  it('ends with the notes section, holding the notes given', () => {
    assert.ok(md.includes(`\n${NOTES_MARKER}\n## Notes`));
    const withNotes = renderResultsMd(results, '## Notes\n\nflamegraph: send path 40%\n');
    assert.ok(withNotes.endsWith(`${NOTES_MARKER}\n## Notes\n\nflamegraph: send path 40%\n`));
    assert.equal(extractNotes(withNotes), '## Notes\n\nflamegraph: send path 40%\n');
    assert.equal(extractNotes('# no notes here\n'), undefined);
  });
});

describe('renderSummary', () => {
  it('prints aligned tables with ratios and the targets', () => {
    const results = sampleResults();
    const text = renderSummary(results);
    assert.ok(text.includes('Fan-out throughput (fanout)'));
    assert.ok(text.includes('0.80×'));
    assert.ok(text.includes('Targets: 3 of 4 met'));
    for (const t of results.targets) assert.ok(text.includes(t.name), t.name);
    assert.ok(text.includes('✗  catch-up replay rate'));
    // Every line of a table has the same width: its last column is right-aligned.
    const block = text.split('\n\n')[1]!.split('\n').slice(1);
    const widths = new Set(block.map((l) => [...l].length));
    assert.equal(widths.size, 1, block.join('\n'));
    for (const s of [...ALL, ...URLS]) assert.ok(text.includes(s), s);
  });
});

describe('fixed-rate figures', () => {
  /** p50 and CPU per delivery of the fixedrate scenario, per system, at `rate`. */
  function fixedRate(rate: number, p50: Record<string, number>, perDelivery: Record<string, number>): Measurement[] {
    const params = { rate, subscribers: 100 };
    return [
      ...Object.entries(p50).map(([s, v]) => meas('fixedrate', s, params, 'p50', 'ms', false, v)),
      ...Object.entries(perDelivery).map(([s, v]) => meas('fixedrate', s, params, 'server CPU', '%', false, v * 5)),
      ...Object.entries(perDelivery).map(([s, v]) => meas('fixedrate', s, params, 'CPU per delivery', 'µs', false, v)),
    ];
  }

  it('checks disk p50 against memory storage and CPU per delivery against the ceiling, at 500 msg/s', () => {
    const m = [
      ...fixedRate(500, { 'tidings-uws': 2.0, 'tidings-uws-memory': 0.85, 'uws-batched': 0.59 }, { 'tidings-uws': 11.8, 'uws-batched': 6.6 }),
      // Other rates are not what the targets are about.
      ...fixedRate(2000, { 'tidings-uws': 0.5, 'tidings-uws-memory': 0.45 }, { 'tidings-uws': 1, 'uws-batched': 1 }),
    ];
    const targets = checkTargets(m);
    const p50 = targets.find((t) => t.name.startsWith('p50 latency at 500 msg/s'));
    const cpu = targets.find((t) => t.name.startsWith('server CPU per delivery at 500 msg/s'));
    assert.ok(p50 && cpu, targets.map((t) => t.name).join('\n'));
    assert.ok(Math.abs(p50.value - 1.15) < 1e-9, String(p50.value));
    assert.deepEqual([p50.target, p50.unit, p50.comparison, p50.met], [0.3, 'ms', '<=', false]);
    assert.ok(Math.abs(cpu.value - 11.8 / 6.6) < 1e-9, String(cpu.value));
    assert.deepEqual([cpu.target, cpu.comparison, cpu.met], [1.3, '<=', false]);

    const close = checkTargets(fixedRate(500, { 'tidings-uws': 0.95, 'tidings-uws-memory': 0.8 }, { 'tidings-uws': 7, 'uws-batched': 6 }));
    assert.deepEqual(close.filter((t) => t.name.includes('500 msg/s')).map((t) => t.met), [true, true]);
    // Without memory storage or the ceiling in the run, there is nothing to check.
    assert.equal(checkTargets(fixedRate(500, { 'tidings-uws': 2 }, { 'tidings-uws': 11 })).length, 0);
  });

  it('prints CPU in % of a core and µs, the memory-storage row after its disk one', () => {
    const full = sampleResults();
    const m = fixedRate(500, { 'tidings-uws': 2.0, 'tidings-uws-memory': 0.85, 'uws-batched': 0.59 }, { 'tidings-uws': 11.8, 'tidings-uws-memory': 9.8, 'uws-batched': 6.6 });
    const text = renderSummary({ ...full, measurements: m, targets: checkTargets(m) });
    assert.ok(text.includes('Cost at a fixed rate (fixedrate)'), text);
    const rows = text.split('\n').filter((l) => l.includes('500 msg/s · 100 subscribers'));
    const cpuRows = rows.filter((l) => l.includes('server CPU ↓'));
    assert.deepEqual(cpuRows.map((l) => l.trim().split(/\s+/)[0]), ['tidings-uws', 'tidings-uws-memory', 'uws-batched']);
    assert.match(cpuRows[0]!, /\s59%\s/);
    assert.match(rows.find((l) => l.startsWith('  tidings-uws ') && l.includes('CPU per delivery'))!, /11\.8 µs .* 1\.79×/);
    assert.ok(renderResultsMd({ ...full, measurements: m }).includes('Tidings hub on uWebSockets.js, memory storage'));
  });
});

describe('smaller runs', () => {
  it('renders a single scenario, and no measurements at all, without throwing', () => {
    const full = sampleResults();
    const one: BenchResults = { ...full, quick: true, measurements: full.measurements.filter((m) => m.scenario === 'latency'), targets: [] };
    const html = renderHtml(one);
    assert.match(html, /data-chart="percentile"/);
    assert.ok(!html.includes('Fan-out throughput'));
    assert.ok(html.includes('quick run'));
    const md = renderResultsMd(one);
    assert.ok(md.includes('## Latency under load'));
    assert.ok(!md.includes('## Fan-out throughput'));
    renderSummary(one);

    const none: BenchResults = { ...full, measurements: [], targets: [] };
    assert.ok(renderHtml(none).includes('no measurements'));
    renderResultsMd(none);
    renderSummary(none);

    // A row without a reference, without runs and without CPU.
    const odd: BenchResults = {
      ...full,
      measurements: [{ scenario: 'custom', system: 'x', params: {}, metric: 'm', unit: '', higherIsBetter: true, runs: [], median: NaN, min: NaN, max: NaN }],
    };
    assert.ok(renderHtml(odd).includes('custom'));
    assert.ok(renderResultsMd(odd).includes('| x | — | **—** | — | 0 | — | — | — |'));
  });
});

describe('writeReport', () => {
  it('writes JSON, HTML and RESULTS.md, keeping existing notes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tidings-report-'));
    try {
      const results = sampleResults();
      const resultsDir = join(dir, 'results');
      const mdPath = join(dir, 'RESULTS.md');
      const out = writeReport(results, { resultsDir, resultsMdPath: mdPath });
      assert.equal(out.json, join(resultsDir, '2026-11-23T17-30-00Z.json'));
      assert.equal(out.html, join(resultsDir, '2026-11-23T17-30-00Z.html'));
      assert.equal(out.md, mdPath);
      assert.deepEqual(JSON.parse(readFileSync(out.json, 'utf8')), results);
      assert.equal(readFileSync(out.html, 'utf8'), renderHtml(results));
      assert.equal(readFileSync(mdPath, 'utf8'), renderResultsMd(results));

      // A person writes notes; the next run keeps them.
      const notes = '## Notes\n\nBefore: 2.1M deliveries/s. After batching: 3.2M.\n\n![profile](profile.svg)\n';
      writeFileSync(mdPath, renderResultsMd(results, notes));
      const next = { ...results, startedAt: '2026-11-24T09:00:00Z' };
      const out2 = writeReport(next, { resultsDir, resultsMdPath: mdPath });
      assert.ok(existsSync(join(resultsDir, '2026-11-24T09-00-00Z.json')));
      const md2 = readFileSync(mdPath, 'utf8');
      assert.ok(md2.includes('2026-11-24 09:00 UTC'));
      assert.ok(md2.endsWith(`${NOTES_MARKER}\n${notes}`), md2.slice(-300));
      assert.equal(out2.md, mdPath);

      // Notes passed explicitly replace them.
      writeReport(next, { resultsDir, resultsMdPath: mdPath, notes: 'replaced\n' });
      assert.ok(readFileSync(mdPath, 'utf8').endsWith(`${NOTES_MARKER}\nreplaced\n`));

      // Without a RESULTS.md path only JSON and HTML are written.
      const out3 = writeReport(results, { resultsDir: join(dir, 'only') });
      assert.equal(out3.md, undefined);
      assert.ok(existsSync(out3.json) && existsSync(out3.html));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  if (process.env['REPORT_SAMPLE']) {
    it('writes a sample page', () => {
      writeFileSync(process.env['REPORT_SAMPLE']!, renderHtml(sampleResults()));
    });
  }
});
