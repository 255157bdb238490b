/**
 * The client's transport choice in a real browser (Debian's Chromium via
 * playwright-core), on a small page that loads the hub's /tidings.min.js and
 * holds a wildcard (`room.*`) and an exact subscription (`room.a`, from the
 * earliest). A hub restarted under it (kill -9, SIGTERM) leaves it on WebSocket
 * with the wildcard delivering; behind a proxy that drops WebSocket upgrades it
 * falls back to Server-Sent Events with the wildcard waiting, and comes back to
 * WebSocket by itself once they get through, with every offset once, in order.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import WebSocket from 'ws';
import { TidingsClient } from '../../client/index.js';
import { describeInChromium, launchChromium } from '../helpers/browser.js';
import { removeDir, startHub, tempDir, type HubProcess } from '../helpers/hub-process.js';
import { freePort } from '../helpers/wait.js';
import { startWsProxy, type WsProxy } from '../helpers/ws-proxy.js';

/** The page: small backoffs so a test runs in seconds. */
const PAGE = `<!doctype html><title>transport</title><script type="module">
import { TidingsClient } from '/tidings.min.js';
const hub = new TidingsClient('ws://' + location.host + '/ws', {
  backoff: { initialMs: 50, maxMs: 300 }, probeBackoff: { initialMs: 100, maxMs: 500 },
});
const t = { hub, exact: [], wild: [], attempts: [], changes: [], errors: [], story: [] };
hub.on('state', (s) => {
  t.story.push(s.to + ' (' + s.reason + ')');
  if (s.to === 'connecting') t.attempts.push(hub.transport);
});
hub.on('transport', (c) => t.changes.push(c.from + '>' + c.to));
hub.on('error', (e) => t.errors.push(e.code + ': ' + e.message));
const exact = hub.subscribe('room.a', (m) => t.exact.push(m.offset), { from: 'earliest' });
exact.on('subscribed', (i) => t.story.push('room.a subscribed: head ' + i.head + ', earliest ' + i.earliest + (i.reset ? ', reset' : '') + (i.truncated ? ', truncated' : '')));
t.wildcard = hub.subscribe('room.*', (m) => t.wild.push(m.topic));
t.wildcard.on('error', (e) => t.errors.push('room.*: ' + e.message));
window.t = t;
</script>`;

interface Seen {
  state: string;
  transport: string;
  exact: number[];
  wild: string[];
  attempts: string[];
  changes: string[];
  errors: string[];
  wildcardActive: boolean;
  /** What the page went through, for failure messages. */
  story: string[];
}

function seen(page: Page): Promise<Seen> {
  return page.evaluate(() => {
    const t = (window as unknown as { t: Record<string, unknown> & { hub: { state: string; transport: string }; wildcard: { active: boolean } } }).t;
    return {
      state: t.hub.state, transport: t.hub.transport, exact: [...(t.exact as number[])], wild: [...(t.wild as string[])],
      attempts: [...(t.attempts as string[])], changes: [...(t.changes as string[])], errors: [...(t.errors as string[])],
      wildcardActive: t.wildcard.active, story: [...(t.story as string[])],
    };
  });
}

/** Waits until the page's client is connected over `transport`. */
async function waitConnected(page: Page, transport: string, timeout = 20_000): Promise<void> {
  await page.waitForFunction((tr) => {
    const hub = (window as unknown as { t?: { hub: { state: string; transport: string } } }).t?.hub;
    return hub?.state === 'connected' && hub.transport === tr;
  }, transport, { timeout });
}

async function waitFor(page: Page, what: string, check: (s: Seen) => boolean, timeoutMs = 15_000): Promise<Seen> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await seen(page);
    if (check(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Publishes to room.b until the page's wildcard got one more (a wildcard has no reply to wait for). */
async function wildcardDelivers(page: Page, pub: TidingsClient, what: string): Promise<void> {
  const before = (await seen(page)).wild.filter((t) => t === 'room.b').length;
  for (let n = 0; n < 100; n++) {
    await pub.publish('room.b', n);
    if ((await seen(page)).wild.filter((t) => t === 'room.b').length > before) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: the wildcard got nothing after 100 publishes: ${JSON.stringify(await seen(page))}`);
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describeInChromium('transport fallback in Chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  const hubs: HubProcess[] = [];
  const dirs: string[] = [];
  const contexts: BrowserContext[] = [];
  const clients: TidingsClient[] = [];
  const proxies: WsProxy[] = [];
  let pageErrors: string[] = [];

  /** Each test's page, hubs, proxy and publisher go when it ends, so the next one runs alone. */
  async function cleanUp(): Promise<void> {
    for (const c of clients.splice(0)) c.close();
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
    for (const p of proxies.splice(0)) await p.close();
    for (const h of hubs.splice(0)) await h.stop();
  }

  before(async () => {
    browser = await launchChromium();
  });
  afterEach(cleanUp);
  after(async () => {
    await cleanUp();
    await browser?.close();
    for (const d of dirs) removeDir(d);
  });

  /** The page, served from `origin` (the hub, or a proxy to it). */
  async function openPage(origin: string): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${origin}/healthz`); // any page of that origin, for '/tidings.min.js'
    await page.setContent(PAGE);
    return page;
  }

  function publisher(url: string): TidingsClient {
    const c = new TidingsClient(url, { WebSocket, transport: 'websocket', backoff: { initialMs: 50, maxMs: 300 } });
    clients.push(c);
    return c;
  }

  for (const restart of ['kill -9', 'SIGTERM'] as const) {
    it(`a hub restarted with ${restart} under the page: back on WebSocket, the wildcard delivering, room.a every offset once`, async () => {
      const port = await freePort();
      const dataDir = tempDir();
      dirs.push(dataDir);
      const args = ['--port', String(port)];
      let hub = await startHub({ transport: 'uws', args, dataDir });
      hubs.push(hub);
      const page = await openPage(hub.httpUrl);
      await waitConnected(page, 'websocket');
      const pub = publisher(hub.url);
      for (let n = 1; n <= 5; n++) await pub.publish('room.a', n);
      await wildcardDelivers(page, pub, 'before the restart');

      const attempts = (await seen(page)).attempts.length;
      if (restart === 'kill -9') await hub.kill9();
      else await hub.stop();
      const down = Date.now();
      // Down as long as a slow redeploy: several refused attempts, each with a failed /healthz.
      await waitFor(page, 'attempts while the hub is down', (s) => s.attempts.length >= attempts + 4 && Date.now() - down >= 2500);
      hub = await startHub({ transport: 'uws', args, dataDir });
      hubs.push(hub);
      await waitConnected(page, 'websocket');
      for (let n = 6; n <= 10; n++) await pub.publish('room.a', n);
      await wildcardDelivers(page, pub, 'after the restart');
      const s = await waitFor(page, 'room.a up to 10', (x) => x.exact.length >= 10);

      assert.deepEqual(s.attempts.filter((t) => t !== 'websocket'), [], `every attempt on WebSocket: ${s.attempts.join(' ')}`);
      assert.deepEqual(s.changes, ['undefined>websocket']);
      assert.equal(s.wildcardActive, true, 'the wildcard subscription is still active');
      assert.deepEqual(s.errors, []);
      assert.deepEqual(pageErrors, []);
      await new Promise((r) => setTimeout(r, 200));
      const last = await seen(page);
      assert.deepEqual(last.exact, range(1, 10), `room.a: every offset once, in order; the page went:\n${last.story.join('\n')}`);
    });
  }

  it('behind a proxy that drops WebSockets: SSE with the wildcard waiting, then back on WebSocket by itself', async () => {
    const hub = await startHub({ transport: 'ws' });
    hubs.push(hub);
    dirs.push(hub.dataDir);
    const proxy = await startWsProxy(hub.port, { passWebSockets: false });
    proxies.push(proxy);
    const page = await openPage(`http://127.0.0.1:${proxy.port}`);
    await waitConnected(page, 'sse');
    const pub = publisher(hub.url);
    for (let n = 1; n <= 5; n++) await pub.publish('room.a', n);
    await pub.publish('room.b', 'while on SSE');
    let s = await waitFor(page, 'room.a over SSE', (x) => x.exact.length >= 5);
    assert.equal(s.wildcardActive, true, 'the wildcard is kept, waiting');
    assert.deepEqual(s.wild, [], 'nothing reaches a waiting wildcard');
    assert.deepEqual(s.errors, [], 'the wildcard is not refused');
    assert.ok(proxy.dropped >= 2, `WebSockets dropped before the fallback: ${proxy.dropped}`);

    // Publishes keep coming while the page switches back.
    let stop = false;
    let published = 5;
    const publishing = (async () => {
      while (!stop) {
        published = (await pub.publish('room.a', 'during the switch')).offset;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    proxy.passWebSockets = true;
    try {
      await waitConnected(page, 'websocket');
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      stop = true;
      await publishing;
    }
    await wildcardDelivers(page, pub, 'back on WebSocket');
    s = await waitFor(page, `room.a up to ${published}`, (x) => x.exact.length >= published);

    assert.deepEqual(s.changes, ['undefined>sse', 'sse>websocket']);
    assert.equal(s.wildcardActive, true);
    assert.deepEqual(s.errors, []);
    assert.deepEqual(pageErrors, []);
    await new Promise((r) => setTimeout(r, 200));
    const last = await seen(page);
    assert.deepEqual(last.exact, range(1, published), `room.a: every offset once, in order, across both switches; the page went:\n${last.story.join('\n')}`);
  });
});
