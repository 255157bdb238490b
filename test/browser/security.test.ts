/**
 * The browser-facing defences in a real browser (Debian's Chromium): a page on
 * another origin cannot open a WebSocket to the hub nor publish through it
 * (cross-site WebSocket hijacking) unless --allowed-origins lists it, in which
 * case CORS lets it read answers; and the demo page works on a hub with auth on
 * when given a token.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeInChromium, launchChromium } from '../helpers/browser.js';
import { removeDir, runCli, startHub, type HubProcess } from '../helpers/hub-process.js';

const SECRET = 'browser-security-test-secret-0123456789abcdef';

/** A site of its own (another port, so another origin) serving one empty page. */
function otherSite(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>other site</title><p>another origin</p>');
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ origin: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server });
  }));
}

/** What a page on `page`'s origin gets when it tries the hub: a WebSocket, then a publish. */
function tryFromPage(page: Page, hubHttp: string): Promise<{ ws: string; post: string }> {
  return page.evaluate(async (base) => {
    const ws = await new Promise<string>((resolve) => {
      const socket = new WebSocket(base.replace('http', 'ws') + '/ws');
      socket.onopen = () => {
        socket.close();
        resolve('open');
      };
      socket.onerror = () => resolve('refused');
    });
    let post: string;
    try {
      const res = await fetch(base + '/v1/topics/xsite.t/messages', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: 'from another site' }),
      });
      post = String(res.status);
    } catch {
      post = 'blocked';
    }
    // A no-cors form-like post still reaches a server that does not check Origin.
    await fetch(base + '/v1/topics/xsite.t/messages', { method: 'POST', mode: 'no-cors', body: '{"data":"no-cors"}' }).catch(() => {});
    return { ws, post };
  }, hubHttp);
}

async function head(hub: HubProcess, topic: string): Promise<number> {
  const res = await fetch(`${hub.httpUrl}/v1/topics/${topic}/messages?limit=0`);
  return ((await res.json()) as { head: number }).head;
}

describeInChromium('browser defences in Chromium', { timeout: 120_000 }, () => {
  let browser: Browser;
  let site: { origin: string; server: Server };
  const hubs: HubProcess[] = [];
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchChromium();
    site = await otherSite();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    site?.server.close();
    for (const h of hubs) {
      await h.stop();
      removeDir(h.dataDir);
    }
  });

  async function page(url: string): Promise<Page> {
    const context = await browser.newContext();
    contexts.push(context);
    const p = await context.newPage();
    await p.goto(url);
    return p;
  }

  async function hub(args: string[], env: Record<string, string> = {}): Promise<HubProcess> {
    const h = await startHub({ args: ['--storage', 'memory', ...args], env });
    hubs.push(h);
    return h;
  }

  it('refuses a page on another origin: no WebSocket, no publish, nothing stored', async () => {
    const h = await hub(['--no-demo']);
    const result = await tryFromPage(await page(site.origin + '/'), h.httpUrl);
    // The JSON post needs a preflight, which the hub refuses: the browser never sends it.
    assert.deepEqual(result, { ws: 'refused', post: 'blocked' });
    assert.equal(await head(h, 'xsite.t'), 0, 'nothing published from the other site');
  });

  it('admits the hub\'s own pages, and an origin listed in --allowed-origins with CORS', async () => {
    const h = await hub(['--allowed-origins', site.origin]);
    const own = await tryFromPage(await page(h.httpUrl + '/'), h.httpUrl);
    assert.deepEqual(own, { ws: 'open', post: '201' });
    const listed = await tryFromPage(await page(site.origin + '/'), h.httpUrl);
    assert.deepEqual(listed, { ws: 'open', post: '201' }, 'the answer is readable cross-origin: CORS headers are there');
    assert.equal(await head(h, 'xsite.t'), 4);
  });

  it('runs the demo page on a hub with auth on when opened with ?token=, and not without', async () => {
    const h = await hub(['--demo-interval', '50ms'], { TIDINGS_AUTH_SECRET: SECRET });
    const gen = await runCli(['gen-token', '--subscribe', 'demo.*', '--publish', 'demo.chat', '--ttl', '10m'], { TIDINGS_AUTH_SECRET: SECRET });
    assert.equal(gen.code, 0, gen.stderr);
    const withToken = await page(`${h.httpUrl}/?token=${gen.stdout.trim()}`);
    await withToken.waitForFunction(() => document.getElementById('state')?.textContent === 'connected', undefined, { timeout: 15_000 });
    await withToken.waitForFunction(() => document.querySelectorAll('#ticks .row').length >= 3, undefined, { timeout: 15_000 });
    const without = await page(`${h.httpUrl}/`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.notEqual(await without.evaluate(() => document.getElementById('state')?.textContent), 'connected');
    assert.equal(await without.evaluate(() => document.querySelectorAll('#ticks .row').length), 0, 'no quote without a token');
  });
});
