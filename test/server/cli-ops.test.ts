/** The operator commands: publish, tail, topics, check-config, against real hub processes on both transports. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAIN, TRANSPORTS, removeDir, runCli, startHub, tempDir, type HubProcess, type Transport } from '../helpers/hub-process.js';
import { freePort, within } from '../helpers/wait.js';

const CLI_TIMEOUT_MS = 10_000;
const WAIT_MS = 8000;

/** A `tidings` command that keeps running (tail), with its output so far. */
function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  void exited.then(() => clearTimeout(kill));
  return { child, out, exited };
}

/** Polls `check` until it returns true; fails after `ms`. */
async function until(check: () => boolean | Promise<boolean>, what: () => string, ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface TopicRow { topic: string; epoch: string; earliest: number; head: number; subscribers: number }

async function topicRow(hub: HubProcess, topic: string): Promise<TopicRow | undefined> {
  const res = await fetch(`${hub.httpUrl}/v1/topics?prefix=${encodeURIComponent(topic)}`);
  const body = (await res.json()) as { topics: TopicRow[] };
  return body.topics.find((t) => t.topic === topic);
}

/** Offsets and data of `offset<TAB>ISO time<TAB>data` lines. */
function parseTail(stdout: string): Array<{ offset: number; data: unknown }> {
  return stdout.trim().split('\n').filter(Boolean).map((line) => {
    const [offset, time, data, ...rest] = line.split('\t');
    assert.equal(rest.length, 0, line);
    assert.match(time as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, line);
    return { offset: Number(offset), data: JSON.parse(data as string) as unknown };
  });
}

/** Publishes through the HTTP API directly, for setting up what a command then reads. */
async function seed(hub: HubProcess, topic: string, datas: unknown[]): Promise<void> {
  for (const data of datas) {
    const res = await fetch(`${hub.httpUrl}/v1/topics/${topic}/messages`, { method: 'POST', body: JSON.stringify({ data }) });
    assert.equal(res.status, 201, await res.text());
  }
}

function cli(hub: HubProcess, args: string[]) {
  return runCli([...args, '--url', hub.httpUrl], {}, CLI_TIMEOUT_MS);
}

describe('tidings check-config', () => {
  let dir: string;
  before(() => (dir = tempDir()));
  after(() => removeDir(dir));

  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('says ok with a summary for a good file', async () => {
    const file = write('good.json', JSON.stringify({
      port: 9000,
      topics: [{ pattern: 'ticker.>', storage: 'memory', maxMessages: 100 }, { pattern: 'chat.*', maxAge: '7d', fsync: 'always' }],
    }));
    const { code, stdout, stderr } = await runCli(['check-config', file], {}, CLI_TIMEOUT_MS);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.match(stdout, new RegExp(`^${file}: ok\n`));
    assert.match(stdout, /listens on 127\.0\.0\.1:9000/);
    assert.match(stdout, /2 topic rules: ticker\.> \(memory, 100 messages\); chat\.\* \(fsync always, 7d\)/);
  });

  it('names each bad setting on its own line, the first as serve says it', async () => {
    const file = write('bad.json', JSON.stringify({ port: 'abc', maxAge: '7x', topics: [{ pattern: 'a..b' }] }));
    const { code, stdout, stderr } = await runCli(['check-config', file], {}, CLI_TIMEOUT_MS);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    const lines = stderr.trim().split('\n');
    assert.deepEqual(lines.map((l) => l.replace(/: .*$/s, '').replace(`${file}`, 'FILE')), ['FILE', 'FILE', 'FILE']);
    assert.match(lines[0] as string, new RegExp(`^${file}: port: expected a port number from 0 to 65535 \\(got "abc"\\)$`));
    assert.match(lines[1] as string, /: maxAge: expected an age .*\(got "7x"\)$/);
    assert.match(lines[2] as string, /: topics\.0\.pattern: not a valid topic pattern/);
    const serve = await runCli(['serve', '--config', file], {}, CLI_TIMEOUT_MS);
    assert.equal(serve.code, 2);
    assert.equal(serve.stderr.trim(), `tidings: ${lines[0]}`);
  });

  it('refuses unknown settings, suggesting the spelling it knows', async () => {
    const file = write('unknown.json', JSON.stringify({ 'max-age': '1d', prot: 1 }));
    const { code, stderr } = await runCli(['check-config', file], {}, CLI_TIMEOUT_MS);
    assert.equal(code, 2);
    assert.deepEqual(stderr.trim().split('\n'), [
      `${file}: unknown setting "max-age" (did you mean "maxAge"?)`,
      `${file}: unknown setting "prot"`,
    ]);
  });

  it('says when the file is not JSON or cannot be read', async () => {
    const file = write('syntax.json', '{ nope');
    const r1 = await runCli(['check-config', file], {}, CLI_TIMEOUT_MS);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, new RegExp(`^${file} is not valid JSON: `));
    const r2 = await runCli(['check-config', join(dir, 'missing.json')], {}, CLI_TIMEOUT_MS);
    assert.equal(r2.code, 2);
    assert.equal(r2.stderr, `cannot read ${join(dir, 'missing.json')}: no such file\n`);
    assert.doesNotMatch(r1.stderr + r2.stderr, /\n\s+at /);
  });
});

describe('operator commands without a hub', () => {
  let url: string;
  before(async () => (url = `http://127.0.0.1:${await freePort()}`));
  const expected = (u: string): string => `cannot reach the hub at ${u}: is it running? (start it with: tidings serve)`;

  it('publish and topics say the hub cannot be reached, exit 1', async () => {
    for (const args of [['publish', 'a.b', '1'], ['topics']]) {
      const { code, stdout, stderr } = await runCli([...args, '--url', url], {}, CLI_TIMEOUT_MS);
      assert.equal(code, 1, args.join(' '));
      assert.equal(stdout, '');
      assert.equal(stderr, `tidings: ${expected(url)}\n`);
    }
  });

  it('tail says so once, keeps trying, and gives up after --timeout (TIDINGS_URL as a ws:// address)', async () => {
    const started = Date.now();
    const { code, stdout, stderr } = await runCli(['tail', 'a.b', '--timeout', '1500ms'], { TIDINGS_URL: url.replace('http', 'ws') + '/ws' }, CLI_TIMEOUT_MS);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.ok(Date.now() - started >= 1400);
    assert.deepEqual(stderr.trim().split('\n'), [
      `tidings: ${expected(url)}; retrying`,
      'tidings: no connection to the hub for 1500ms: giving up',
    ]);
  });

  it('bad arguments exit 2 before anything is sent', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['publish', 'a..b', '1'], /^tidings: invalid topic "a\.\.b": topic has an empty segment/],
      [['publish', '$sys', '1'], /^tidings: invalid topic "\$sys": names starting with '\$' or '_' are reserved/],
      [['tail', 'a.b', '--from', 'yesterday'], /^tidings: --from yesterday: expected earliest, live, last:N or after:N\n/],
      [['tail', 'a.*', '--from', 'earliest'], /^tidings: --from: a wildcard \(a\.\*\) is live only/],
      [['topics', '--limit', 'lots'], /^tidings: --limit lots: expected a whole number of 1 or more\n/],
      [['topics', '--url', 'ftp://x', '--url'], /^tidings: --url: expected http:\/\/, https:\/\/, ws:\/\/ or wss:\/\//],
    ];
    await Promise.all(cases.map(async ([args, pattern]) => {
      const { code, stderr } = await runCli(args.at(-1) === '--url' ? args.slice(0, -1) : [...args, '--url', url], {}, CLI_TIMEOUT_MS);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, pattern);
    }));
  });
});

describe('operator commands against a hub', { concurrency: true }, () => {
  for (const transport of TRANSPORTS) describe(transport, { concurrency: 1 }, () => opsSuite(transport));
});

function opsSuite(transport: Transport): void {
  let hub: HubProcess;
  before(async () => {
    hub = await startHub({ transport, args: ['--no-demo', '--max-payload', '1KiB', '--max-messages', '3'] });
  });
  after(async () => {
    await hub.stop();
    removeDir(hub.dataDir);
  });

  it('publish prints each offset; tail --from earliest --count N prints them in order and exits 0', async () => {
    const topic = 'ops.order';
    const datas = [{ text: 'hi' }, 'two', 3];
    const epochs = new Set<string>();
    for (const [i, data] of datas.entries()) {
      const { code, stdout, stderr } = await cli(hub, ['publish', topic, JSON.stringify(data)]);
      assert.equal(code, 0, stderr);
      const m = /^stored at offset (\d+) \(epoch (\S+)\)\n$/.exec(stdout);
      assert.ok(m, stdout);
      assert.equal(Number(m[1]), i + 1);
      epochs.add(m[2] as string);
    }
    assert.equal(epochs.size, 1);
    const { code, stdout, stderr } = await cli(hub, ['tail', topic, '--from', 'earliest', '--count', '3']);
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.deepEqual(parseTail(stdout), datas.map((data, i) => ({ offset: i + 1, data })));
    const json = await runCli(['tail', topic, '--from', 'earliest', '--count', '2', '--json', '--url', hub.url], {}, CLI_TIMEOUT_MS);
    assert.equal(json.code, 0, json.stderr);
    const objects = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(objects.map((o) => [o.topic, o.offset, o.data, typeof o.time]), [[topic, 1, { text: 'hi' }, 'number'], [topic, 2, 'two', 'number']]);
  });

  it('tail --from last:2 and after:N start where asked', async () => {
    const topic = 'ops.from';
    await seed(hub, topic, [10, 20, 30, 40, 50]);
    const [last, afterN] = await Promise.all([
      cli(hub, ['tail', topic, '--from', 'last:2', '--count', '2']),
      cli(hub, ['tail', topic, '--from', 'after:3', '--count', '2']),
    ]);
    assert.equal(last.code, 0, last.stderr);
    assert.deepEqual(parseTail(last.stdout), [{ offset: 4, data: 40 }, { offset: 5, data: 50 }]);
    assert.equal(afterN.code, 0, afterN.stderr);
    assert.equal(afterN.stderr, '');
    assert.deepEqual(parseTail(afterN.stdout), [{ offset: 4, data: 40 }, { offset: 5, data: 50 }]);
  });

  it('reset and truncated notices go to stderr, the messages to stdout', async () => {
    const topic = 'ops.notices';
    await seed(hub, topic, [1, 2, 3, 4, 5]); // the hub keeps 3
    const [truncated, reset] = await Promise.all([
      cli(hub, ['tail', topic, '--from', 'after:1', '--count', '3']),
      cli(hub, ['tail', topic, '--from', 'after:99', '--count', '3']),
    ]);
    for (const r of [truncated, reset]) {
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(parseTail(r.stdout), [3, 4, 5].map((n) => ({ offset: n, data: n })));
    }
    assert.equal(truncated.stderr, `truncated: ${topic} no longer holds offsets 2 to 2 (retention); replaying from offset 3\n`);
    assert.match(reset.stderr, new RegExp(`^reset: ${topic} has a new log .*\\(epoch \\S+, head 5\\); replaying from offset 3\n$`));
  });

  it('a live tail prints what is published after it; topics shows its head and the subscriber', async () => {
    const topic = 'ops.live';
    await seed(hub, topic, ['before']);
    const tail = spawnCli(['tail', topic, '--count', '2', '--url', hub.httpUrl]);
    await until(async () => (await topicRow(hub, topic))?.subscribers === 1, () => `a subscriber; tail stderr: ${tail.out.stderr}`);
    const listed = await cli(hub, ['topics', '--prefix', 'ops.live']);
    assert.equal(listed.code, 0, listed.stderr);
    const [header, row, ...more] = listed.stdout.trimEnd().split('\n');
    assert.equal(more.length, 0, listed.stdout);
    assert.deepEqual(header?.split(/\s+/), ['TOPIC', 'EARLIEST', 'HEAD', 'SUBSCRIBERS', 'EPOCH']);
    const cells = (row as string).split(/\s+/);
    assert.deepEqual(cells.slice(0, 4), [topic, '1', '1', '1']);
    await seed(hub, topic, ['one', 'two']);
    assert.equal(await within(tail.exited, WAIT_MS, 'tail --count 2 to exit'), 0, tail.out.stderr);
    assert.deepEqual(parseTail(tail.out.stdout), [{ offset: 2, data: 'one' }, { offset: 3, data: 'two' }]);
    const after = await runCli(['topics', '--prefix', topic, '--json', '--url', hub.url], {}, CLI_TIMEOUT_MS);
    assert.equal(after.code, 0, after.stderr);
    const rows = after.stdout.trim().split('\n').map((l) => JSON.parse(l) as TopicRow);
    assert.deepEqual(rows.map((r) => [r.topic, r.earliest, r.head, r.subscribers, r.epoch]), [[topic, 1, 3, 0, cells[4]]]);
  });

  it('a duplicate key is stored once and reported as a duplicate', async () => {
    const topic = 'ops.dupe';
    const first = await cli(hub, ['publish', topic, '{"n":1}', '--key', 'order-7']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^stored at offset 1 \(epoch \S+\)\n$/);
    const again = await cli(hub, ['publish', topic, '{"n":1}', '--key', 'order-7']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^duplicate of offset 1 \(epoch \S+\)\n$/);
    assert.equal((await topicRow(hub, topic))?.head, 1);
  });

  it('bad JSON is refused with how to quote it, exit 2, nothing stored', async () => {
    const topic = 'ops.badjson';
    const { code, stdout, stderr } = await cli(hub, ['publish', topic, 'hello world']);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, /^tidings: the data is not valid JSON: /);
    assert.ok(stderr.includes(`'"hello world"'`), stderr);
    assert.ok(stderr.includes(`'{"a":1}'`), stderr);
    assert.equal(await topicRow(hub, topic), undefined);
  });

  it('an error answer of the hub prints code: message, exit 1', async () => {
    const { code, stdout, stderr } = await cli(hub, ['publish', 'ops.big', JSON.stringify('x'.repeat(2000))]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^tidings: too_large: .*\n$/);
  });

  it('tail exits 0 on SIGTERM and on SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const topic = `ops.signal-${signal}`;
      const tail = spawnCli(['tail', topic, '--url', hub.httpUrl]);
      await until(async () => (await topicRow(hub, topic))?.subscribers === 1, () => `a subscriber; tail stderr: ${tail.out.stderr}`);
      tail.child.kill(signal);
      assert.equal(await within(tail.exited, WAIT_MS, `tail to exit on ${signal}`), 0);
      assert.equal(tail.out.stderr, '');
    }
  });

  it('tail rides out a hub restart and resumes with no gap and no duplicate', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    const args = ['--no-demo', '--port', String(port)];
    let own = await startHub({ transport, dataDir, args });
    try {
      const topic = 'ops.restart';
      await seed(own, topic, [1, 2]);
      const tail = spawnCli(['tail', topic, '--from', 'earliest', '--count', '4', '--url', own.url]);
      const tailAfter = spawnCli(['tail', topic, '--from', 'after:1', '--count', '3', '--url', own.httpUrl]);
      await until(() => tail.out.stdout.split('\n').length > 2 && tailAfter.out.stdout.length > 0,
        () => `the first lines; tails: ${JSON.stringify([tail.out, tailAfter.out])}`);
      await own.stop();
      own = await startHub({ transport, dataDir, args });
      await seed(own, topic, [3, 4]);
      assert.equal(await within(tail.exited, WAIT_MS, 'tail to exit after 4 messages'), 0, tail.out.stderr);
      assert.deepEqual(parseTail(tail.out.stdout), [1, 2, 3, 4].map((n) => ({ offset: n, data: n })));
      assert.match(tail.out.stderr, /lost the connection to the hub \(1001 [^)]*\); reconnecting\n/);
      assert.match(tail.out.stderr, /connected to the hub at ws:\/\/127\.0\.0\.1:\d+\/ws; resuming after offset 2\n/);
      // Started after an offset with no epoch: it learned the hub's, so resuming is neither refused nor a reset.
      assert.equal(await within(tailAfter.exited, WAIT_MS, 'tail --from after:1 to exit'), 0, tailAfter.out.stderr);
      assert.deepEqual(parseTail(tailAfter.out.stdout), [2, 3, 4].map((n) => ({ offset: n, data: n })));
      assert.doesNotMatch(tailAfter.out.stderr, /reset|bad_request/);
    } finally {
      await own.stop();
      removeDir(dataDir);
    }
  });
}
