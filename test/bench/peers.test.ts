/**
 * The benchmark's peer servers (bench/peers/) each run as a child process: a
 * subscriber gets 100 publishes in order with the right data, every publish is
 * answered, and SIGTERM ends the process with status 0.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { io as ioClient, type Socket as IoSocket } from 'socket.io-client';
import { loadNativeUws } from '../../server/transport/load-uws.js';

const READY_TIMEOUT_MS = 10_000;
const STEP_TIMEOUT_MS = 5_000;
const EXIT_TIMEOUT_MS = 3_000;
const COUNT = 100;

interface Variant {
  name: string;
  script: string;
  flags: string[];
  client: 'ws' | 'socketio';
  needsUws: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'uws-raw', script: 'uws-raw.js', flags: [], client: 'ws', needsUws: true },
  { name: 'uws-raw --batched', script: 'uws-raw.js', flags: ['--batched'], client: 'ws', needsUws: true },
  { name: 'ws-raw', script: 'ws-raw.js', flags: [], client: 'ws', needsUws: false },
  { name: 'ws-raw --cork', script: 'ws-raw.js', flags: ['--cork'], client: 'ws', needsUws: false },
  { name: 'socketio', script: 'socketio.js', flags: [], client: 'socketio', needsUws: false },
];

/** Data of the n-th publish: non-ASCII, quotes and nesting, to catch framing mistakes. */
function payload(n: number): unknown {
  return { n, text: `héllo "${n}" \\ ✓`, list: [n, null, true], nested: { half: n / 2 } };
}

/** `promise`, or a rejection after `ms`; `what` may be a function so it can describe the state at timeout. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string | (() => string)): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`timed out after ${ms} ms waiting for ${typeof what === 'string' ? what : what()}`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

interface Peer {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

async function startPeer(variant: Variant): Promise<Peer> {
  const script = fileURLToPath(new URL(`../../bench/peers/${variant.script}`, import.meta.url));
  const child = spawn(process.execPath, [script, '--port', '0', ...variant.flags], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const output = (): string => `stdout: ${JSON.stringify(stdout)}, stderr: ${JSON.stringify(stderr)}`;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const ready = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^ready (\d+)\n/.exec(stdout);
      if (match) resolve(Number(match[1]));
    });
    void exited.then(({ code, signal }) => reject(new Error(`${variant.name} exited (code ${code}, signal ${signal}) before it was ready; ${output()}`)));
  });
  try {
    const port = await withTimeout(ready, READY_TIMEOUT_MS, `"ready <port>" from ${variant.name}`);
    return { child, port, output, exited };
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

async function stopPeer(peer: Peer): Promise<void> {
  assert.equal(peer.child.exitCode, null, `the peer ended early; ${peer.output()}`);
  peer.child.kill('SIGTERM');
  const result = await withTimeout(peer.exited, EXIT_TIMEOUT_MS, 'the peer to exit after SIGTERM');
  assert.deepEqual(result, { code: 0, signal: null }, `exit after SIGTERM; ${peer.output()}`);
  // Nothing but the ready line on stdout: no per-message logging.
  assert.match(peer.output(), /^stdout: "ready \d+\\n", stderr: ""$/);
}

interface Message {
  topic: string;
  offset: number;
  time: number;
  data: unknown;
}

/** A raw-dialect client: JSON text frames, replies matched by id. */
class RawClient {
  readonly ws: WebSocket;
  readonly messages: Message[] = [];
  readonly #waiting = new Map<number, (frame: Record<string, unknown>) => void>();
  #onMessage: (() => void) | undefined;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      assert.equal(isBinary, false);
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      if (frame.op === 'reply') {
        const resolve = this.#waiting.get(frame.id as number);
        assert.ok(resolve, `unexpected reply ${data.toString()}`);
        this.#waiting.delete(frame.id as number);
        resolve(frame);
      } else if (frame.op === 'message') {
        this.messages.push(frame as unknown as Message);
        this.#onMessage?.();
      } else {
        assert.fail(`unexpected frame ${data.toString()}`);
      }
    });
  }

  static async connect(port: number): Promise<RawClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      }),
      STEP_TIMEOUT_MS,
      'the WebSocket to open',
    );
    return new RawClient(ws);
  }

  /** Sends a request with `id` and resolves with its reply. */
  request(frame: Record<string, unknown> & { id: number }): Promise<Record<string, unknown>> {
    const reply = new Promise<Record<string, unknown>>((resolve) => this.#waiting.set(frame.id, resolve));
    this.ws.send(JSON.stringify(frame));
    return withTimeout(reply, STEP_TIMEOUT_MS, `the reply to ${frame.op} #${frame.id}`);
  }

  waitForMessages(count: number): Promise<void> {
    const done = new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.messages.length >= count) resolve();
      };
      this.#onMessage = check;
      check();
    });
    return withTimeout(done, STEP_TIMEOUT_MS, () => `${count} messages (got ${this.messages.length})`);
  }

  close(): void {
    this.ws.terminate();
  }
}

async function connectIo(port: number): Promise<IoSocket> {
  const socket = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false, forceNew: true });
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    }),
    STEP_TIMEOUT_MS,
    'the Socket.IO client to connect',
  );
  return socket;
}

function assertDelivered(messages: Message[], offsets: number[]): void {
  assert.equal(messages.length, COUNT, 'message count');
  messages.forEach((message, i) => {
    assert.equal(message.topic, 't');
    assert.equal(message.offset, i + 1, `offset of message #${i + 1}`);
    assert.equal(typeof message.time, 'number');
    assert.ok(Math.abs(message.time - Date.now()) < 60_000, 'time is a recent Date.now()');
    assert.deepEqual(message.data, payload(i + 1));
  });
  assert.deepEqual(offsets, Array.from({ length: COUNT }, (_, i) => i + 1), 'offsets in the publish replies');
}

async function rawRoundTrip(port: number): Promise<void> {
  const subscriber = await RawClient.connect(port);
  const publisher = await RawClient.connect(port);
  try {
    assert.deepEqual(await subscriber.request({ op: 'subscribe', id: 1, topic: 't' }), { op: 'reply', id: 1 });
    assert.deepEqual(await publisher.request({ op: 'ping', id: 7 }), { op: 'reply', id: 7 });
    // Garbage and unknown ops are ignored, not answered and not fatal.
    publisher.ws.send('not json');
    publisher.ws.send(JSON.stringify({ op: 'frobnicate', id: 8 }));
    // Sent back to back without waiting, as a load generator would.
    const replies = Array.from({ length: COUNT }, (_, i) =>
      publisher.request({ op: 'publish', id: 100 + i, topic: 't', data: payload(i + 1) }),
    );
    const answered = await Promise.all(replies);
    answered.forEach((reply, i) => assert.deepEqual(reply, { op: 'reply', id: 100 + i, offset: i + 1 }));
    await subscriber.waitForMessages(COUNT);
    assertDelivered(subscriber.messages, answered.map((reply) => reply.offset as number));
    assert.equal(publisher.messages.length, 0, 'the publisher is not subscribed');
  } finally {
    subscriber.close();
    publisher.close();
  }
}

async function socketIoRoundTrip(port: number): Promise<void> {
  const subscriber = await connectIo(port);
  const publisher = await connectIo(port);
  try {
    const messages: Message[] = [];
    let onMessage: (() => void) | undefined;
    subscriber.on('message', (message: Message) => {
      messages.push(message);
      onMessage?.();
    });
    await subscriber.timeout(STEP_TIMEOUT_MS).emitWithAck('subscribe', 't');
    const acks = Array.from({ length: COUNT }, (_, i) =>
      publisher.timeout(STEP_TIMEOUT_MS).emitWithAck('publish', { topic: 't', data: payload(i + 1) }) as Promise<{ offset: number }>,
    );
    const answered = await Promise.all(acks);
    await withTimeout(
      new Promise<void>((resolve) => {
        onMessage = () => {
          if (messages.length >= COUNT) resolve();
        };
        onMessage();
      }),
      STEP_TIMEOUT_MS,
      () => `${COUNT} messages (got ${messages.length})`,
    );
    assertDelivered(messages, answered.map((ack) => ack.offset));
  } finally {
    subscriber.disconnect();
    publisher.disconnect();
  }
}

for (const variant of VARIANTS) {
  describe(`bench peer ${variant.name}`, () => {
    let peer: Peer | undefined;

    before(async () => {
      if (variant.needsUws) {
        const load = loadNativeUws();
        if (!load.ok) assert.fail(`the uWebSockets.js native binary did not load, so ${variant.name} cannot run: ${load.reason}`);
      }
      peer = await startPeer(variant);
    });

    after(() => {
      if (peer && peer.child.exitCode === null && peer.child.signalCode === null) peer.child.kill('SIGKILL');
    });

    it('delivers 100 publishes in order and answers each one', async () => {
      assert.ok(peer, 'the peer started');
      if (variant.client === 'ws') await rawRoundTrip(peer.port);
      else await socketIoRoundTrip(peer.port);
    });

    it('exits with status 0 on SIGTERM within 3 s', async () => {
      assert.ok(peer, 'the peer started');
      await stopPeer(peer);
    });
  });
}
