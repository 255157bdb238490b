/** The client SDK against a hub with auth on: tokens renewed before they expire, and after a 4001, with no gap. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { TidingsClient, TidingsError, type StateChange } from '../../client/index.js';
import { tokenExpiry } from '../../client/token-refresher.js';
import { startHub, type HubProcess } from '../helpers/hub-process.js';
import { until } from '../helpers/wait.js';

const SECRET = 'client-auth-test-secret-0123456789abcdefghij';
const FAST = { initialMs: 50, maxMs: 300, factor: 2 };

function token(ttlSeconds: number, publish = ['sdk.*']): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ topics: { subscribe: ['sdk.*'], publish } })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('sdk-user')
    .setExpirationTime(now + ttlSeconds)
    .sign(new TextEncoder().encode(SECRET));
}

describe('client SDK with auth', { timeout: 120_000 }, () => {
  let hub: HubProcess;
  const clients: TidingsClient[] = [];
  before(async () => {
    hub = await startHub({ args: ['--storage', 'memory', '--no-demo'], env: { TIDINGS_AUTH_SECRET: SECRET } });
  });
  after(async () => {
    for (const c of clients) c.close();
    await hub?.stop();
  });

  it('reads exp from a token and ignores what is not a JWT', async () => {
    const t = await token(60);
    const exp = tokenExpiry(t) as number;
    assert.ok(Math.abs(exp - (Date.now() + 60_000)) < 2000);
    assert.equal(tokenExpiry('nope'), undefined);
    assert.equal(tokenExpiry(undefined), undefined);
  });

  it('renews a short token on the open connection: no 4001, no reconnect, no missed message', async () => {
    let renewals = 0;
    const states: StateChange[] = [];
    const c = new TidingsClient(hub.url, {
      WebSocket, backoff: FAST, token: await token(6),
      refreshToken: async () => (renewals++, token(600)),
    });
    clients.push(c);
    c.on('state', (s) => states.push(s));
    const seen: number[] = [];
    c.subscribe<number>('sdk.renew', (m) => seen.push(m.data));
    await until(() => c.state === 'connected', 'connected');
    // Past the first token's expiry (6 s, renewed about 5 s before it), publishing the whole time.
    for (let n = 1; n <= 40; n++) {
      await c.publish('sdk.renew', n);
      await new Promise((r) => setTimeout(r, 200));
    }
    await until(() => seen.length === 40, 'all 40 messages');
    assert.equal(renewals, 1);
    assert.deepEqual(seen, Array.from({ length: 40 }, (_, i) => i + 1));
    assert.deepEqual(states.map((s) => s.to), ['connecting', 'connected'], 'never disconnected');
  });

  it('after a 4001 close it reconnects with the token set meanwhile and resumes with no gap', async () => {
    const closes: number[] = [];
    const c = new TidingsClient(hub.url, { WebSocket, backoff: FAST, token: await token(2) });
    clients.push(c);
    c.on('error', () => {}); // hellos with the expired token are refused until the new one is set
    c.on('state', (s) => s.to === 'disconnected' && closes.push(Number.parseInt(s.reason, 10)));
    const seen: number[] = [];
    c.subscribe<number>('sdk.expire', (m) => seen.push(m.data));
    await until(() => c.state === 'connected', 'connected');
    const publisher = new TidingsClient(hub.url, { WebSocket, backoff: FAST, token: await token(600) });
    clients.push(publisher);
    let n = 0;
    const publishing = (async () => {
      while (n < 30) {
        await publisher.publish('sdk.expire', ++n);
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    await until(() => closes.includes(4001), 'the hub closes the expired connection with 4001', 10_000);
    await c.setToken(await token(600));
    await publishing;
    await until(() => seen.length === 30, 'all 30 messages');
    assert.deepEqual(seen, Array.from({ length: 30 }, (_, i) => i + 1));
    assert.equal(c.state, 'connected');
  });

  it('a token refused by the hub rejects setToken with unauthorized and keeps the connection', async () => {
    const c = new TidingsClient(hub.url, { WebSocket, backoff: FAST, token: await token(600) });
    clients.push(c);
    await until(() => c.state === 'connected', 'connected');
    const forged = (await token(600)).replace(/\.[^.]+$/, '.AAAA');
    await assert.rejects(c.setToken(forged), (e: unknown) => e instanceof TidingsError && e.code === 'unauthorized');
    assert.equal(c.state, 'connected');
    assert.equal(typeof (await c.publish('sdk.kept', 1)).offset, 'number');
  });

  it('a publish outside the grants rejects with forbidden', async () => {
    const c = new TidingsClient(hub.url, { WebSocket, backoff: FAST, token: await token(600, []) });
    clients.push(c);
    await assert.rejects(c.publish('sdk.nope', 1), (e: unknown) => e instanceof TidingsError && e.code === 'forbidden');
  });
});
