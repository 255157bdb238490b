/**
 * `npm run bench -- --quick` end to end, so the benchmark never rots: every
 * scenario runs against every system and the report is written. No figure is
 * judged here; the benchmark's targets are for the benchmark.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BenchResults } from '../../bench/lib/results.js';
import { SYSTEMS } from '../../bench/lib/systems.js';
import { removeDir, startHub } from '../helpers/hub-process.js';

const RUN = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

function runBench(args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bench did not finish within ${timeoutMs / 1000} s:\n${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('npm run bench -- --quick', () => {
  const out = mkdtempSync(join(tmpdir(), 'tidings-bench-quick-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('runs every scenario on every system and writes the JSON and HTML report', async () => {
    const run = await runBench(['--quick', '--out', out], 180_000);
    assert.equal(run.code, 0, `bench failed:\n${run.stderr.slice(-3000)}`);
    const files = readdirSync(out);
    const json = files.find((f) => f.endsWith('.json'));
    const html = files.find((f) => f.endsWith('.html'));
    assert.ok(json && html, `report files missing: ${files.join(', ')}`);
    const results = JSON.parse(readFileSync(join(out, json), 'utf8')) as BenchResults;
    assert.equal(results.quick, true);
    for (const scenario of ['fanout', 'latency', 'connections']) {
      const systems = new Set(results.measurements.filter((m) => m.scenario === scenario).map((m) => m.system));
      assert.deepEqual([...systems].sort(), [...SYSTEMS].sort(), `${scenario} covers every system`);
    }
    for (const scenario of ['durable', 'catchup', 'topics']) {
      assert.ok(results.measurements.some((m) => m.scenario === scenario && m.median > 0), `${scenario} measured`);
    }
    for (const m of results.measurements) {
      assert.ok(m.runs.length > 0 && m.runs.every((v) => Number.isFinite(v)), `${m.scenario} ${m.system} ${m.metric}: ${m.runs.join(', ')}`);
    }
    const deliveries = results.measurements.filter((m) => m.metric === 'deliveries/s');
    // Quick windows are 300 ms: one can fall in a stall of a freshly started machine, so
    // this smoke run asks only that every system delivered in some window.
    const silent = deliveries.filter((m) => !m.runs.some((v) => v > 0)).map((m) => `${m.scenario} ${m.system}: ${m.runs.join(', ')}`);
    assert.deepEqual(silent, [], 'every system delivered messages');
    const page = readFileSync(join(out, html), 'utf8');
    assert.match(page, /<svg/);
    assert.match(run.stdout, /Targets/);
  });

  it('load-tests a running hub by URL with subscribers spread over worker processes', async () => {
    const hub = await startHub({ transport: 'ws' });
    const urlOut = mkdtempSync(join(tmpdir(), 'tidings-bench-url-'));
    try {
      const run = await runBench(
        ['--url', hub.url, '--subscribers', '40', '--rate', '200', '--duration', '3s', '--workers', '2', '--out', urlOut],
        60_000,
      );
      assert.equal(run.code, 0, `load test failed:\n${run.stderr.slice(-3000)}`);
      const json = readdirSync(urlOut).find((f) => f.endsWith('.json'));
      assert.ok(json);
      const results = JSON.parse(readFileSync(join(urlOut, json), 'utf8')) as BenchResults;
      const deliveries = results.measurements.find((m) => m.scenario === 'url' && m.metric === 'deliveries/s');
      const p99 = results.measurements.find((m) => m.scenario === 'url' && m.metric === 'p99');
      // 40 subscribers × 200 msg/s: each window should see about 8,000 deliveries a second.
      assert.ok(deliveries && deliveries.median > 4000 && deliveries.median < 12_000, `deliveries/s: ${deliveries?.median}`);
      assert.ok(p99 && p99.median > 0 && Number.isFinite(p99.median), `p99: ${p99?.median}`);
      assert.equal(results.targets.length, 0, 'a load test has no targets');
    } finally {
      await hub.stop();
      removeDir(hub.dataDir);
      rmSync(urlOut, { recursive: true, force: true });
    }
  });

  it('refuses a bad flag with a message that names it', async () => {
    const run = await runBench(['--url', 'http://x', '--quick'], 20_000);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /--url must start with ws:\/\/ or wss:\/\//);
    const bad = await runBench(['--scenarios', 'fanout,nope'], 20_000);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown scenario nope/);
  });
});
