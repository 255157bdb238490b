/**
 * What the client does on each close code (PROTOCOL.md §8): refresh its token
 * after 4001, stop after 1000 and 4400, reconnect after the rest. The hub has no
 * authentication yet, so a small stand-in server on 127.0.0.1 closes on cue.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { TidingsClient, TidingsError } from '../../client/index.js';
import { until } from '../helpers/wait.js';

interface Hello {
  token?: string;
}

/** Answers hello like the hub, then lets the test close each connection with a chosen code. */
class StandIn {
  readonly server: WebSocketServer;
  readonly hellos: Hello[] = [];
  readonly sockets: WebSocket[] = [];
  onHello: (socket: WebSocket, hello: Hello, n: number) => void = () => {};
  /** An error to answer hello with, or undefined to accept it. */
  answerHello: (hello: Hello) => { code: string; message: string } | undefined = () => undefined;

  constructor() {
    this.server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.server.on('connection', (socket) => {
      this.sockets.push(socket);
      socket.on('message', (raw) => {
        const frame = JSON.parse(String(raw)) as { op: string; id?: number; token?: string };
        if (frame.op !== 'hello') return;
        this.hellos.push({ token: frame.token });
        const refusal = this.answerHello({ token: frame.token });
        if (refusal) return socket.send(JSON.stringify({ op: 'reply', id: frame.id, error: refusal }));
        socket.send(JSON.stringify({ op: 'reply', id: frame.id, session: `s${this.hellos.length}`, protocol: 1, heartbeat: 25_000, limits: { maxPayload: 65_536, maxSubscriptions: 1000 } }));
        this.onHello(socket, { token: frame.token }, this.hellos.length);
      });
    });
  }

  get url(): Promise<string> {
    return new Promise((resolve) => {
      const done = (): void => resolve(`ws://127.0.0.1:${(this.server.address() as { port: number }).port}/ws`);
      if (this.server.address()) done();
      else this.server.once('listening', done);
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const FAST = { initialMs: 20, maxMs: 100, factor: 2 };

describe('client close codes', { timeout: 60_000 }, () => {
  const servers: StandIn[] = [];
  const clients: TidingsClient[] = [];
  after(async () => {
    for (const c of clients) c.close();
    for (const s of servers) await s.close();
  });
  const setUp = async (opts: ConstructorParameters<typeof TidingsClient>[1] = {}): Promise<{ server: StandIn; client: TidingsClient }> => {
    const server = new StandIn();
    servers.push(server);
    const client = new TidingsClient(await server.url, { WebSocket, backoff: FAST, ...opts });
    clients.push(client);
    return { server, client };
  };

  it('after 4001 it calls refreshToken, then sends the new token in hello', async () => {
    let refreshed = 0;
    const { server, client } = await setUp({ token: 'old', refreshToken: async () => `new-${++refreshed}` });
    server.onHello = (socket, _hello, n) => {
      if (n === 1) socket.close(4001, 'token expired');
    };
    await until(() => server.hellos.length === 2 && client.state === 'connected', 'the second hello');
    assert.deepEqual(server.hellos.map((h) => h.token), ['old', 'new-1']);
    assert.equal(refreshed, 1);
  });

  it('after 4001 with a failing refreshToken it reports the error and retries with backoff', async () => {
    let calls = 0;
    const { server, client } = await setUp({
      token: 't',
      refreshToken: async () => {
        calls++;
        throw new Error('auth server down');
      },
    });
    const errors: TidingsError[] = [];
    client.on('error', (e) => errors.push(e));
    server.onHello = (socket, _hello, n) => {
      if (n <= 2) socket.close(4001, 'token expired');
    };
    await until(() => server.hellos.length === 3 && client.state === 'connected', 'a third hello');
    assert.equal(calls, 2);
    assert.equal(errors.length, 2);
    assert.ok(errors.every((e) => e instanceof TidingsError && e.code === 'unauthorized'));
  });

  for (const [code, reason] of [[1000, 'bye'], [4400, 'bad frames']] as const) {
    it(`after ${code} it stops: no reconnect, and queued publishes reject with a TidingsError`, async () => {
      const { server, client } = await setUp();
      const states: string[] = [];
      client.on('state', (s) => states.push(s.to));
      await until(() => client.state === 'connected', 'connected');
      server.sockets[0]!.close(code, reason);
      await until(() => client.state === 'disconnected', 'disconnected');
      const late = client.publish('x.y', 1).then(() => undefined, (e: unknown) => e);
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(server.hellos.length, 1, 'no second connection');
      assert.deepEqual(states.slice(-1), ['disconnected']);
      const error = await late;
      assert.ok(error instanceof TidingsError, `rejects with a TidingsError, got ${String(error)}`);
    });
  }

  it('close() or disconnect() right after construction wins over the automatic connect', async () => {
    for (const stop of ['close', 'disconnect'] as const) {
      const { server, client } = await setUp();
      client[stop]();
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(server.sockets.length, 0, `${stop}(): no connection was opened`);
      assert.equal(client.state, 'disconnected');
    }
  });

  it('a hello refused as unauthorized refreshes the token before the next attempt', async () => {
    const { server, client } = await setUp({ token: 'stale', refreshToken: async () => 'fresh' });
    server.answerHello = (hello) => (hello.token === 'stale' ? { code: 'unauthorized', message: 'token expired' } : undefined);
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    await until(() => client.state === 'connected', 'connected with the fresh token');
    assert.deepEqual(server.hellos.map((h) => h.token), ['stale', 'fresh']);
    assert.deepEqual(errors, ['unauthorized']);
  });

  it('a hello refused as unsupported_protocol stops the client; publishes reject', async () => {
    const { server, client } = await setUp();
    server.answerHello = () => ({ code: 'unsupported_protocol', message: 'protocol 1 is not supported' });
    const errors: string[] = [];
    client.on('error', (e) => errors.push(e.code));
    await until(() => errors.length === 1, 'the error');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(server.hellos.length, 1, 'no retry');
    assert.equal(client.state, 'disconnected');
    await assert.rejects(client.publish('x.y', 1), (e: unknown) => e instanceof TidingsError && e.code === 'unsupported_protocol');
  });

  for (const code of [1001, 4008, 4009]) {
    it(`after ${code} it reconnects by itself`, async () => {
      const { server, client } = await setUp();
      server.onHello = (socket, _hello, n) => {
        if (n === 1) socket.close(code, 'go away');
      };
      await until(() => server.hellos.length === 2 && client.state === 'connected', 'reconnected');
    });
  }
});
