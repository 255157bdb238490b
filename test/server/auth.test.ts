/**
 * Authentication and permissions (PROTOCOL.md §10) against the real hub: tokens
 * that must be refused, on every way a token reaches the hub (hello, ?token=,
 * Authorization on HTTP), on both engines; topic grants on WebSocket and HTTP;
 * expiry and refresh; and `tidings gen-token`.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, createHmac, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { removeDir, runCli, startHub, tempDir, TRANSPORTS, type HubProcess } from '../helpers/hub-process.js';
import { RawClient, type Frame } from '../helpers/raw-client.js';

const SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const OTHER_SECRET = 'another-secret-0123456789-abcdefghijklmnopqrstuv';
const AUD = 'tidings-test';
const ISS = 'https://issuer.test';
const GRANTS = { subscribe: ['chat.*'], publish: ['chat.*'] };

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const attackerRsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaPem = rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string;
const ecPem = ec.publicKey.export({ type: 'spki', format: 'pem' }) as string;

const now = (): number => Math.floor(Date.now() / 1000);
const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function claims(extra: JWTPayload = {}): JWTPayload {
  return { sub: 'u1', aud: AUD, iss: ISS, iat: now(), exp: now() + 600, topics: GRANTS, ...extra };
}

async function sign(payload: JWTPayload, key: Uint8Array | KeyObject, alg: string, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT', ...header }).sign(key);
}

const hs = (payload: JWTPayload, secret = SECRET): Promise<string> => sign(payload, new TextEncoder().encode(secret), 'HS256');

/** An HMAC-signed token built by hand, so nothing in a library stops a malicious header. */
function handHs256(header: object, payload: object, key: string | Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

interface Case {
  name: string;
  token: () => Promise<string> | string;
}

/** Tokens an HS256 hub (audience and issuer set) must refuse. */
const HS_BAD: Case[] = [
  { name: 'expired a minute ago', token: () => hs(claims({ exp: now() - 60 })) },
  { name: 'expired past the clock tolerance', token: () => hs(claims({ exp: now() - 7 })) },
  { name: 'not valid for an hour yet (nbf)', token: () => hs(claims({ nbf: now() + 3600 })) },
  { name: 'signed with another secret', token: () => hs(claims(), OTHER_SECRET) },
  { name: 'payload swapped after signing', token: async () => {
    const [h, , s] = (await hs(claims())).split('.');
    return `${h}.${b64(claims({ topics: { subscribe: ['>'], publish: ['>'] } }))}.${s}`;
  } },
  { name: 'signature removed', token: async () => (await hs(claims())).split('.').slice(0, 2).join('.') + '.' },
  { name: 'alg none', token: () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.` },
  { name: 'alg None', token: () => `${b64({ alg: 'None', typ: 'JWT' })}.${b64(claims())}.` },
  { name: 'alg NONE with a signature', token: async () => `${b64({ alg: 'NONE' })}.${b64(claims())}.${(await hs(claims())).split('.')[2]}` },
  { name: 'HS512 with the right secret', token: () => sign(claims(), new TextEncoder().encode(SECRET), 'HS512') },
  { name: 'HS384 with the right secret', token: () => sign(claims(), new TextEncoder().encode(SECRET), 'HS384') },
  { name: 'RS256 from an attacker key', token: () => sign(claims(), attackerRsa.privateKey, 'RS256') },
  { name: 'attacker key embedded in the header (jwk)', token: async () =>
    sign(claims(), attackerRsa.privateKey, 'RS256', { jwk: await exportJWK(attackerRsa.publicKey) }) },
  { name: 'no exp', token: () => { const c = claims(); delete c.exp; return hs(c); } },
  { name: 'exp as a string', token: () => hs(claims({ exp: String(now() + 600) as unknown as number })) },
  { name: 'exp as an object', token: () => hs(claims({ exp: { $gt: 0 } as unknown as number })) },
  { name: 'wrong audience', token: () => hs(claims({ aud: 'someone-else' })) },
  { name: 'no audience', token: () => { const c = claims(); delete c.aud; return hs(c); } },
  { name: 'wrong issuer', token: () => hs(claims({ iss: 'https://evil.test' })) },
  { name: 'no issuer', token: () => { const c = claims(); delete c.iss; return hs(c); } },
  { name: 'unknown critical header', token: () => handHs256({ alg: 'HS256', crit: ['x-bypass'], 'x-bypass': true }, claims(), SECRET) },
  { name: 'b64:false header', token: () => handHs256({ alg: 'HS256', b64: false, crit: ['b64'] }, claims(), SECRET) },
  { name: 'header not JSON', token: async () => `${b64('{alg:')}.${(await hs(claims())).split('.').slice(1).join('.')}` },
  { name: 'garbage', token: () => 'not-a-token' },
  { name: 'four parts', token: async () => `${await hs(claims())}.extra` },
  { name: 'empty string', token: () => '' },
  { name: 'oversized (20 KB)', token: () => hs(claims({ pad: 'x'.repeat(20_000) })) },
  { name: 'topics as a list', token: () => hs(claims({ topics: ['>'] as unknown as JWTPayload })) },
  { name: 'topics with a bad pattern', token: () => hs(claims({ topics: { subscribe: ['chat.>.x'], publish: [] } })) },
  { name: 'topics with a reserved name', token: () => hs(claims({ topics: { subscribe: ['$sys.>'], publish: [] } })) },
];

/** Tokens a hub with an RSA public key must refuse: algorithm confusion among them. */
const RS_BAD: Case[] = [
  { name: 'HS256 signed with the RSA public key PEM', token: () => handHs256({ alg: 'HS256', typ: 'JWT' }, claims(), rsaPem) },
  { name: 'HS256 signed with the RSA public key DER', token: () =>
    handHs256({ alg: 'HS256' }, claims(), rsa.publicKey.export({ type: 'spki', format: 'der' })) },
  { name: 'RS384 with the right private key', token: () => sign(claims(), rsa.privateKey, 'RS384') },
  { name: 'PS256 with the right private key', token: () => sign(claims(), rsa.privateKey, 'PS256') },
  { name: 'ES256 from an EC key', token: () => sign(claims(), ec.privateKey, 'ES256') },
  { name: 'RS256 from an attacker key', token: () => sign(claims(), attackerRsa.privateKey, 'RS256') },
  { name: 'RS256 with a jku pointing elsewhere', token: () => sign(claims(), attackerRsa.privateKey, 'RS256', { jku: 'http://127.0.0.1:1/keys' }) },
  { name: 'alg none', token: () => `${b64({ alg: 'none' })}.${b64(claims())}.` },
  { name: 'expired', token: () => sign(claims({ exp: now() - 60 }), rsa.privateKey, 'RS256') },
];

/** Tokens a hub with a JWKS file (RSA kid r1, EC kid e1) must refuse. */
const JWKS_BAD: Case[] = [
  { name: 'kid of a missing key', token: () => sign(claims(), rsa.privateKey, 'RS256', { kid: 'nope' }) },
  { name: 'kid path traversal', token: () => sign(claims(), rsa.privateKey, 'RS256', { kid: '../../../../etc/passwd' }) },
  { name: 'EC key named as the RSA kid', token: () => sign(claims(), ec.privateKey, 'ES256', { kid: 'r1' }) },
  { name: 'attacker RSA key with the right kid', token: () => sign(claims(), attackerRsa.privateKey, 'RS256', { kid: 'r1' }) },
  { name: 'HS256 with the JWKS JSON as secret', token: () => handHs256({ alg: 'HS256', kid: 'r1' }, claims(), JSON.stringify({ kty: 'RSA' })) },
  { name: 'alg none with a kid', token: () => `${b64({ alg: 'none', kid: 'r1' })}.${b64(claims())}.` },
];

type Outcome = 'accepted' | 'refused';

/** Waits for a reply, or for the close that ends the connection instead. */
async function attempt(client: RawClient, frame: Record<string, unknown>): Promise<Frame | { op: 'closed'; code: number }> {
  return Promise.race([
    client.request(frame, 5000),
    client.closed.then(({ code }) => ({ op: 'closed' as const, code })),
  ]);
}

async function viaHello(hub: HubProcess, token: string): Promise<Outcome> {
  const client = await RawClient.connect(hub.url);
  try {
    const reply = await attempt(client, { op: 'hello', protocol: 1, token });
    if (reply.op === 'reply' && typeof reply.session === 'string' && !reply.error) return 'accepted';
    assert.equal((reply as Frame).op === 'closed' ? 'unauthorized' : ((reply as Frame).error as { code: string }).code, 'unauthorized');
    const closed = await Promise.race([client.closed, new Promise<undefined>((r) => setTimeout(r, 3000))]);
    assert.equal(closed?.code, 4001, 'a refused first hello closes with 4001');
    return 'refused';
  } finally {
    client.terminate();
  }
}

async function viaQuery(hub: HubProcess, token: string): Promise<Outcome> {
  let client: RawClient;
  try {
    client = await RawClient.connect(`${hub.url}?token=${encodeURIComponent(token)}`);
  } catch {
    return 'refused'; // e.g. a URL past the header limit: no connection at all
  }
  try {
    const reply = await attempt(client, { op: 'publish', topic: 'chat.probe', data: 1 });
    if (reply.op === 'reply' && typeof reply.offset === 'number') return 'accepted';
    if (reply.op !== 'closed') assert.equal(((reply as Frame).error as { code: string }).code, 'unauthorized');
    const closed = await client.closed;
    assert.equal(closed.code, 4001);
    return 'refused';
  } finally {
    client.terminate();
  }
}

async function viaHttp(hub: HubProcess, token: string): Promise<Outcome> {
  let res: Response;
  try {
    res = await fetch(`${hub.httpUrl}/v1/topics/chat.probe/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"data":1}',
    });
  } catch {
    return 'refused'; // a header past the engine's limit can end the connection
  }
  if (res.status === 201) return 'accepted';
  if (res.status === 431) return 'refused';
  const body = (await res.json()) as { error?: { code: string } };
  assert.equal(res.status, 401, JSON.stringify(body));
  assert.equal(body.error?.code, 'unauthorized');
  assert.equal(res.headers.get('www-authenticate'), 'Bearer');
  return 'refused';
}

const CHANNELS = { hello: viaHello, query: viaQuery, http: viaHttp };
const tally = { tried: 0, accepted: 0 };

/** Tries every case on every channel; all must be refused. A good token first, so a hub that refuses everything fails. */
function refusesAll(hubOf: () => HubProcess, good: () => Promise<string>, cases: Case[]): void {
  it('accepts a good token on hello, ?token= and HTTP', async () => {
    const token = await good();
    for (const [name, via] of Object.entries(CHANNELS)) assert.equal(await via(hubOf(), token), 'accepted', name);
  });
  for (const c of cases) {
    it(`refuses: ${c.name}`, async () => {
      const token = await c.token();
      for (const [name, via] of Object.entries(CHANNELS)) {
        tally.tried++;
        const outcome = await via(hubOf(), token);
        if (outcome === 'accepted') tally.accepted++;
        assert.equal(outcome, 'refused', `${c.name} via ${name}`);
      }
    });
  }
}

const dirs: string[] = [];
after(() => {
  process.stdout.write(`auth bypass attempts: ${tally.tried} tried, ${tally.accepted} accepted\n`);
  for (const d of dirs) removeDir(d);
});

for (const transport of TRANSPORTS) {
  describe(`auth over ${transport}`, () => {
    let hsHub: HubProcess;
    let rsHub: HubProcess;
    let jwksHub: HubProcess;

    before(async () => {
      const dir = tempDir();
      dirs.push(dir);
      writeFileSync(join(dir, 'rsa.pem'), rsaPem);
      const jwks = { keys: [
        { ...(await exportJWK(rsa.publicKey)), kid: 'r1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(ec.publicKey)), kid: 'e1', alg: 'ES256', use: 'sig' },
      ] };
      writeFileSync(join(dir, 'jwks.json'), JSON.stringify(jwks));
      const common = ['--storage', 'memory', '--no-demo', '--handshake-timeout', '3s'];
      [hsHub, rsHub, jwksHub] = await Promise.all([
        startHub({ transport, args: [...common, '--auth-audience', AUD, '--auth-issuer', ISS], env: { TIDINGS_AUTH_SECRET: SECRET } }),
        startHub({ transport, args: [...common, '--auth-public-key', join(dir, 'rsa.pem')] }),
        startHub({ transport, args: [...common, '--auth-jwks', join(dir, 'jwks.json')] }),
      ]);
    });
    after(async () => {
      await Promise.all([hsHub?.stop(), rsHub?.stop(), jwksHub?.stop()]);
    });

    describe('HS256 shared secret', () => {
      refusesAll(() => hsHub, () => hs(claims()), HS_BAD);
      it('counts the refused tokens in /metrics', async () => {
        const text = await (await fetch(`${hsHub.httpUrl}/metrics`)).text();
        const failures = Number(/^tidings_auth_failures_total (\d+)/m.exec(text)?.[1]);
        // Each bad token was refused on hello and on ?token= (HTTP 401s are not counted there),
        // except the oversized one's URL, which the ws engine refuses (431) before any check.
        assert.ok(failures >= HS_BAD.length * 2 - 1, `tidings_auth_failures_total ${failures}`);
      });
    });
    describe('RS256 public key', () => refusesAll(() => rsHub, () => sign(claims(), rsa.privateKey, 'RS256'), RS_BAD));
    describe('JWKS file', () => {
      it('accepts an ES256 token by its kid', async () => {
        assert.equal(await viaHello(jwksHub, await sign(claims(), ec.privateKey, 'ES256', { kid: 'e1' })), 'accepted');
      });
      refusesAll(() => jwksHub, () => sign(claims(), rsa.privateKey, 'RS256', { kid: 'r1' }), JWKS_BAD);
    });

    describe('permissions', () => {
      let client: RawClient;
      before(async () => {
        client = await RawClient.connect(hsHub.url);
        const hello = await client.request({ op: 'hello', protocol: 1, token: await hs(claims()) });
        assert.equal(typeof hello.session, 'string');
      });
      after(() => client?.terminate());

      const code = (reply: Frame): string | undefined => (reply.error as { code: string } | undefined)?.code;
      const denied: Array<[string, Record<string, unknown>, string]> = [
        ['wildcard escape chat.> under chat.*', { op: 'subscribe', topic: 'chat.>' }, 'forbidden'],
        ['match-all >', { op: 'subscribe', topic: '>' }, 'forbidden'],
        ['match-all *', { op: 'subscribe', topic: '*' }, 'forbidden'],
        ['*.lobby', { op: 'subscribe', topic: '*.lobby' }, 'forbidden'],
        ['chat.*.x (deeper)', { op: 'subscribe', topic: 'chat.*.x' }, 'forbidden'],
        ['chat (the parent)', { op: 'subscribe', topic: 'chat' }, 'forbidden'],
        ['chat.a.b (a level down)', { op: 'subscribe', topic: 'chat.a.b' }, 'forbidden'],
        ['another prefix', { op: 'subscribe', topic: 'news.a' }, 'forbidden'],
        ['case changed', { op: 'subscribe', topic: 'CHAT.a' }, 'forbidden'],
        ['reserved $ topic', { op: 'subscribe', topic: '$sys.chat' }, 'invalid_topic'],
        ['reserved _ topic', { op: 'subscribe', topic: '_chat.a' }, 'invalid_topic'],
        ['publish a level down', { op: 'publish', topic: 'chat.a.b', data: 1 }, 'forbidden'],
        ['publish elsewhere', { op: 'publish', topic: 'news.a', data: 1 }, 'forbidden'],
        ['publish to a pattern', { op: 'publish', topic: 'chat.*', data: 1 }, 'invalid_topic'],
        ['publish to reserved', { op: 'publish', topic: '$chat', data: 1 }, 'invalid_topic'],
        ['path traversal as a topic', { op: 'subscribe', topic: '../../etc/passwd' }, 'invalid_topic'],
      ];
      for (const [name, frame, expected] of denied) {
        it(`refuses ${name}`, async () => {
          tally.tried++;
          const reply = await client.request(frame);
          if (!reply.error) tally.accepted++;
          assert.equal(code(reply), expected);
        });
      }

      it('allows what the grants name, including a wildcard inside them', async () => {
        assert.equal(code(await client.request({ op: 'subscribe', topic: 'chat.*' })), undefined);
        assert.equal(code(await client.request({ op: 'subscribe', topic: 'chat.lobby' })), undefined);
        const pub = await client.request({ op: 'publish', topic: 'chat.lobby', data: { text: 'hi' } });
        assert.equal(typeof pub.offset, 'number');
      });

      it('keeps its grants when a refresh brings a forged token', async () => {
        const forged = handHs256({ alg: 'HS256' }, claims({ topics: { subscribe: ['>'], publish: ['>'] } }), OTHER_SECRET);
        tally.tried++;
        const refresh = await client.request({ op: 'hello', protocol: 1, token: forged });
        assert.equal(code(refresh), 'unauthorized');
        const reply = await client.request({ op: 'subscribe', topic: 'news.a' });
        if (!reply.error) tally.accepted++;
        assert.equal(code(reply), 'forbidden');
        assert.equal(code(await client.request({ op: 'ping' })), undefined, 'the connection stays open');
      });

      it('gives a token without topics nothing', async () => {
        const c = await RawClient.connect(hsHub.url);
        try {
          const none = claims();
          delete none.topics;
          await c.request({ op: 'hello', protocol: 1, token: await hs(none) });
          for (const frame of [{ op: 'subscribe', topic: 'chat.a' }, { op: 'publish', topic: 'chat.a', data: 1 }]) {
            tally.tried++;
            const reply = await c.request(frame);
            if (!reply.error) tally.accepted++;
            assert.equal(code(reply), 'forbidden');
          }
        } finally {
          c.terminate();
        }
      });

      it('answers every op before hello with unauthorized', async () => {
        const c = await RawClient.connect(hsHub.url);
        try {
          for (const frame of [{ op: 'subscribe', topic: 'chat.a' }, { op: 'publish', topic: 'chat.a', data: 1 }, { op: 'unsubscribe', topic: 'chat.a' }]) {
            tally.tried++;
            const reply = await c.request(frame);
            if (!reply.error) tally.accepted++;
            assert.equal(code(reply), 'unauthorized');
          }
        } finally {
          c.terminate();
        }
      });

      it('holds the same grants on HTTP: publish, history, events and the topic list', async () => {
        const token = await hs(claims({ topics: { subscribe: ['chat.*'], publish: [] } }));
        const auth = { authorization: `Bearer ${token}` };
        const post = await fetch(`${hsHub.httpUrl}/v1/topics/chat.lobby/messages`, { method: 'POST', headers: auth, body: '{"data":1}' });
        assert.equal(post.status, 403);
        assert.equal(((await post.json()) as { error: { code: string } }).error.code, 'forbidden');
        assert.equal((await fetch(`${hsHub.httpUrl}/v1/topics/news.a/messages`, { headers: auth })).status, 403);
        assert.equal((await fetch(`${hsHub.httpUrl}/v1/topics/chat.lobby/messages`, { headers: auth })).status, 200);
        const events = await fetch(`${hsHub.httpUrl}/v1/topics/news.a/events?token=${token}`);
        assert.equal(events.status, 403);
        await events.body?.cancel();
        const publisher = await hs(claims({ topics: { subscribe: [], publish: ['news.*'] } }));
        const stored = await fetch(`${hsHub.httpUrl}/v1/topics/news.hidden/messages`, {
          method: 'POST', headers: { authorization: `Bearer ${publisher}` }, body: '{"data":1}',
        });
        assert.equal(stored.status, 201);
        const list = (await (await fetch(`${hsHub.httpUrl}/v1/topics`, { headers: auth })).json()) as { topics: Array<{ topic: string }> };
        assert.ok(list.topics.some((t) => t.topic === 'chat.lobby'), 'lists topics it may read');
        assert.ok(!list.topics.some((t) => t.topic === 'news.hidden'), 'hides topics it may not read');
        assert.equal((await fetch(`${hsHub.httpUrl}/v1/topics`)).status, 401);
        assert.equal((await fetch(`${hsHub.httpUrl}/healthz`)).status, 200, 'health needs no token');
      });
    });

    describe('expiry and refresh', () => {
      it('closes with 4001 when the token expires', async () => {
        const c = await RawClient.connect(hsHub.url);
        try {
          await c.request({ op: 'hello', protocol: 1, token: await hs(claims({ exp: now() + 2 })) });
          const closed = await c.closed;
          assert.equal(closed.code, 4001);
          assert.ok(c.frames.some((f) => f.op === 'error' && (f.error as { code: string }).code === 'unauthorized'));
        } finally {
          c.terminate();
        }
      });

      it('stays open past the first expiry when hello brings a fresh token in time', async () => {
        const c = await RawClient.connect(hsHub.url);
        try {
          const exp = now() + 2;
          await c.request({ op: 'hello', protocol: 1, token: await hs(claims({ exp })) });
          const refreshed = await c.request({ op: 'hello', protocol: 1, token: await hs(claims({ exp: now() + 600 })) });
          assert.equal(typeof refreshed.session, 'string');
          while (now() <= exp + 1) await new Promise((r) => setTimeout(r, 250));
          assert.equal(typeof (await c.request({ op: 'publish', topic: 'chat.a', data: 1 })).offset, 'number');
        } finally {
          c.terminate();
        }
      });

      it('closes with 4001 a connection that never sends a valid token', async () => {
        const c = await RawClient.connect(hsHub.url);
        try {
          assert.equal((await c.closed).code, 4001);
        } finally {
          c.terminate();
        }
      });

      it('ends an event stream with a 4001 close event when its token expires', async () => {
        const token = await hs(claims({ exp: now() + 2 }));
        const res = await fetch(`${hsHub.httpUrl}/v1/topics/chat.sse/events?token=${token}`);
        assert.equal(res.status, 200);
        const text = await res.text();
        assert.match(text, /event: close\ndata: \{"code":4001/);
      });
    });
  });
}

describe('tidings gen-token', () => {
  it('prints a token the hub accepts, with the grants asked for', async () => {
    const out = await runCli(['gen-token', '--sub', 'u9', '--subscribe', 'chat.*', '--publish', 'chat.*,news.a', '--ttl', '1h'],
      { TIDINGS_AUTH_SECRET: SECRET });
    assert.equal(out.code, 0, out.stderr);
    const token = out.stdout.trim();
    const payload = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString()) as JWTPayload;
    assert.equal(payload.sub, 'u9');
    assert.deepEqual(payload.topics, { subscribe: ['chat.*'], publish: ['chat.*', 'news.a'] });
    assert.ok((payload.exp as number) - now() > 3500 && (payload.exp as number) - now() <= 3600);
    const hub = await startHub({ args: ['--storage', 'memory', '--no-demo'], env: { TIDINGS_AUTH_SECRET: SECRET } });
    try {
      assert.equal(await viaHello(hub, token), 'accepted');
      assert.equal(await viaHttp(hub, token), 'accepted');
    } finally {
      await hub.stop();
    }
  });

  it('signs with a private key for a public-key hub', async () => {
    const dir = tempDir();
    dirs.push(dir);
    writeFileSync(join(dir, 'ec.key'), ec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    writeFileSync(join(dir, 'ec.pem'), ecPem);
    const out = await runCli(['gen-token', '--private-key', join(dir, 'ec.key'), '--publish', 'chat.*']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(JSON.parse(Buffer.from(out.stdout.split('.')[0] as string, 'base64url').toString()).alg, 'ES256');
    const hub = await startHub({ args: ['--storage', 'memory', '--no-demo', '--auth-public-key', join(dir, 'ec.pem')] });
    try {
      assert.equal(await viaHttp(hub, out.stdout.trim()), 'accepted');
    } finally {
      await hub.stop();
    }
  });

  it('says what to fix: no secret, a short secret, a bad pattern', async () => {
    const noSecret = await runCli(['gen-token', '--publish', 'chat.*'], { TIDINGS_AUTH_SECRET: '' });
    assert.equal(noSecret.code, 2);
    assert.match(noSecret.stderr, /--secret/);
    const short = await runCli(['gen-token', '--secret', 'short'], {});
    assert.equal(short.code, 2);
    assert.match(short.stderr, /at least 32/);
    const bad = await runCli(['gen-token', '--secret', SECRET, '--subscribe', 'chat..x'], {});
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--subscribe chat\.\.x/);
  });

  it('refuses to start on bad auth settings, naming the flag', async () => {
    const both = await runCli(['serve', '--port', '0', '--auth-secret', SECRET, '--auth-jwks', '/nonexistent.json']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /only one way/);
    const missing = await runCli(['serve', '--port', '0', '--auth-public-key', '/nonexistent.pem']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'tidings: --auth-public-key /nonexistent.pem: cannot read it: no such file\n');
  });
});
