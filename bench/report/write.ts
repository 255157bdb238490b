/**
 * Writes one run to disk: `<resultsDir>/<timestamp>.json`, `<resultsDir>/<timestamp>.html`
 * and, when asked, RESULTS.md (keeping the hand-written notes of the existing file).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BenchResults } from '../lib/results.js';
import { fsTimestamp } from './format.js';
import { renderHtml } from './html.js';
import { extractNotes, renderResultsMd } from './results-md.js';

export interface WriteReportOptions {
  /** Where the JSON and HTML go, e.g. `bench/results`; created when missing. */
  resultsDir: string;
  /** RESULTS.md to (re)write; left alone when omitted. */
  resultsMdPath?: string;
  /** Text for the notes section; when omitted the existing file's notes are kept. */
  notes?: string;
}

export interface WrittenReport {
  json: string;
  html: string;
  md?: string;
}

export function writeReport(results: BenchResults, opts: WriteReportOptions): WrittenReport {
  mkdirSync(opts.resultsDir, { recursive: true });
  const stamp = fsTimestamp(results.startedAt);
  const json = join(opts.resultsDir, `${stamp}.json`);
  const html = join(opts.resultsDir, `${stamp}.html`);
  writeFileSync(json, JSON.stringify(results, null, 2) + '\n');
  writeFileSync(html, renderHtml(results));
  if (opts.resultsMdPath === undefined) return { json, html };

  const md = opts.resultsMdPath;
  let notes = opts.notes;
  if (notes === undefined && existsSync(md)) notes = extractNotes(readFileSync(md, 'utf8'));
  mkdirSync(dirname(md), { recursive: true });
  writeFileSync(md, renderResultsMd(results, notes));
  return { json, html, md };
}
