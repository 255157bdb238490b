/**
 * The plain-text summary printed at the end of a benchmark run: one aligned
 * table per scenario with ratios, then the targets.
 */
import type { BenchResults } from '../lib/results.js';
import { NONE, fmtComparison, fmtDate, fmtDuration, fmtParams, fmtPct, fmtRange, fmtRatio, fmtTargetValue, fmtValue, sig, truncate } from './format.js';
import { CEILING, SOCKETIO, loadgenSaturated, ratios, scenarioInfo, scenariosOf, sortRows, targetsMet } from './model.js';

/** Display width of `s` in a terminal, counting every code point as one column. */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number, align: 'l' | 'r'): string {
  const fill = ' '.repeat(Math.max(0, w - width(s)));
  return align === 'r' ? fill + s : s + fill;
}

/** Columns aligned with two spaces between them; `indent` before every line. */
export function textTable(headers: string[], align: Array<'l' | 'r'>, rows: string[][], indent = '  '): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]): string =>
    indent +
    cells
      .map((c, i) => pad(c, widths[i]!, align[i] ?? 'l'))
      .join('  ')
      .trimEnd();
  const rule = indent + widths.map((w) => '─'.repeat(w)).join('  ');
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The end-of-run summary. */
export function renderSummary(results: BenchResults): string {
  const all = results.measurements;
  const m = results.machine;
  const out: string[] = [];
  out.push(
    `Tidings benchmark — ${fmtDate(results.startedAt)} — ${results.quick ? 'quick run' : 'full run'} — ${fmtDuration(results.durationSec)}`,
  );
  out.push(`${m.cpus} × ${m.cpuModel}, ${sig(m.memoryGiB, 3)} GiB, ${m.os}, node ${m.node}, pinning: ${m.pinning || 'none'}`);
  out.push('');

  for (const id of scenariosOf(all)) {
    const rows = sortRows(all.filter((x) => x.scenario === id));
    out.push(`${scenarioInfo(id).title} (${id})`);
    out.push(
      textTable(
        ['system', 'params', 'metric', 'median', 'min–max', 'runs', `vs ${CEILING}`, `vs ${SOCKETIO}`, 'loadgen'],
        ['l', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'r'],
        rows.map((x) => {
          const r = ratios(all, x);
          return [
            truncate(x.system, 40),
            fmtParams(x.params),
            `${x.metric} ${x.higherIsBetter ? '↑' : '↓'}`,
            fmtValue(x.median, x.unit),
            fmtRange(x.min, x.max, x.unit),
            String(x.runs.length),
            fmtRatio(r.ceiling),
            fmtRatio(r.socketio),
            x.loadgenCpu === undefined ? NONE : `${fmtPct(x.loadgenCpu)}${loadgenSaturated(x) ? ' !' : ''}`,
          ];
        }),
      ),
    );
    out.push('');
  }
  if (all.length === 0) out.push('No measurements.', '');

  const { met, total } = targetsMet(results);
  out.push(`Targets: ${met} of ${total} met`);
  if (total) {
    out.push(
      textTable(
        ['', 'target', 'measured', 'goal', 'note'],
        ['l', 'l', 'r', 'r', 'l'],
        results.targets.map((t) => [
          t.met ? '✓' : '✗',
          t.name,
          fmtTargetValue(t.value, t.unit),
          `${fmtComparison(t.comparison)} ${fmtTargetValue(t.target, t.unit)}`,
          t.met ? '' : (t.note ?? ''),
        ]),
      ),
    );
  }
  if (all.some(loadgenSaturated)) out.push('', '! the load generator used ≥ 90% of a core: that figure may be bounded by it.');
  return out.join('\n') + '\n';
}
