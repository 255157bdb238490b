/**
 * The demo page in a real browser (Debian's Chromium via playwright-core): two
 * pages chat; the hub is killed and restarted under a running ticker and the
 * page shows every offset once, with no gap; a reloaded page resumes from the
 * offsets it kept in localStorage; the README's chat page runs as written.
 * Screenshots go to dist/test/artifacts/.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { after, before, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { artifactPath, describeInChromium, launchChromium } from '../helpers/browser.js';
import { removeDir, startHub, tempDir, type HubProcess, type Transport } from '../helpers/hub-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { freePort } from '../helpers/wait.js';
import { assertContiguous, seen, TICK, waitForState, waitForTicker, type DemoWindow } from './demo-helpers.js';

/**
 * A TCP proxy to the hub that passes plain HTTP but drops every WebSocket
 * upgrade, as some corporate proxies do.
 */
function proxyWithoutWebSockets(hubPort: number): Promise<{ port: number; server: Server }> {
  const server = createServer((client) => {
    client.once('data', (first) => {
      if (/^upgrade:\s*websocket/im.test(first.toString('latin1'))) return client.destroy();
      const upstream = connect(hubPort, '127.0.0.1', () => {
        upstream.write(first);
        client.pipe(upstream).pipe(client);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ port: (server.address() as { port: number }).port, server })));
}

/** Which transport the demo page's client is on. */
function transportOf(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { tidings: { hub: { transport: string } } }).tidings.hub.transport);
}

/** The ticker's message list as the page shows it (newest first, last 200). */
async function shownTickerOffsets(page: Page): Promise<number[]> {
  return (await tickerSnapshot(page)).shown;
}

/** What the page received and what it shows, read in one step so no tick lands between them. */
function tickerSnapshot(page: Page): Promise<{ seen: number[]; shown: number[] }> {
  return page.evaluate(() => ({
    seen: (window as unknown as DemoWindow).tidings.seen.ticker.slice(),
    shown: [...document.querySelectorAll('#ticks .row .off')].map((c) => Number((c.textContent ?? '').slice(1))).reverse(),
  }));
}

describeInChromium('demo page in Chromium', { timeout: 180_000 }, () => {
  let browser: Browser;
  const hubs: HubProcess[] = [];
  const dirs: string[] = [];
  const contexts: BrowserContext[] = [];

  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    for (const h of hubs) await h.stop();
    for (const d of dirs) removeDir(d);
  });

  /** A page in its own context, so each has its own localStorage, as two browsers would. */
  async function openDemo(url: string, opts: { webSocketBlocked?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1100, height: 760 } });
    contexts.push(context);
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error' && !(opts.webSocketBlocked && /^WebSocket connection to .* failed/.test(m.text()))) errors.push(m.text());
    });
    await page.goto(url);
    await waitForState(page, 'connected');
    assert.deepEqual(errors, [], 'no error in the page');
    return page;
  }

  async function hub(transport: Transport, port?: number, dataDir?: string, extra: string[] = []): Promise<HubProcess> {
    const args = [...TICK, ...(port ? ['--port', String(port)] : []), ...extra];
    const h = await startHub({ transport, args, dataDir });
    hubs.push(h);
    if (!dataDir) dirs.push(h.dataDir);
    return h;
  }

  it('two pages chat: each sees the other\'s message under the same offset', async () => {
    const h = await hub('uws');
    const alice = await openDemo(`${h.httpUrl}/`);
    const bob = await openDemo(`${h.httpUrl}/`);
    const say = async (page: Page, name: string, text: string): Promise<void> => {
      await page.fill('#name', name);
      await page.fill('#text', text);
      await page.click('#send button');
    };
    const rowOf = (page: Page, text: string): Promise<string> =>
      page.locator('#messages .row', { hasText: text }).locator('.off').textContent({ timeout: 10_000 }).then((t) => t ?? '');

    await say(alice, 'alice', 'hello from alice');
    const onBob = await rowOf(bob, 'hello from alice');
    assert.equal(await rowOf(alice, 'hello from alice'), onBob);
    assert.equal(await bob.locator('#messages .row', { hasText: 'hello from alice' }).locator('.who').textContent(), 'alice');

    await say(bob, 'bob', 'hi alice, bob here');
    const onAlice = await rowOf(alice, 'hi alice, bob here');
    assert.equal(await rowOf(bob, 'hi alice, bob here'), onAlice);
    assert.equal(Number(onAlice.slice(1)), Number(onBob.slice(1)) + 1, 'the reply is the next offset');
    assert.deepEqual(await seen(alice, 'chat'), await seen(bob, 'chat'));
    assertContiguous(await seen(alice, 'chat'), 'chat');

    await alice.screenshot({ path: artifactPath('demo-chat.png') });
    await alice.click('nav button[data-tab=ticker]');
    await waitForTicker(alice, 8);
    const shot = artifactPath('demo-ticker.png');
    await alice.screenshot({ path: shot });
    process.stdout.write(`# screenshots: ${artifactPath('demo-chat.png')}, ${shot}\n`);
  });

  for (const transport of ['uws', 'ws'] as const) {
    it(`the hub killed with -9 and restarted under the running ticker: every offset shown once, no gap (${transport})`, async () => {
      const port = await freePort();
      const dataDir = tempDir();
      dirs.push(dataDir);
      let h = await hub(transport, port, dataDir);
      const page = await openDemo(`${h.httpUrl}/`);
      await page.click('nav button[data-tab=ticker]');
      await waitForTicker(page, 10);
      const beforeKill = await seen(page, 'ticker');

      await h.kill9();
      await page.waitForFunction(() => document.getElementById('state')?.textContent !== 'connected', null, { timeout: 15_000 });
      await new Promise((r) => setTimeout(r, 300));
      h = await hub(transport, port, dataDir);
      await waitForState(page, 'connected');
      const last = beforeKill[beforeKill.length - 1]!;
      await waitForTicker(page, last + 30);

      const { seen: all, shown } = await tickerSnapshot(page);
      assertContiguous(all, 'ticker across the restart');
      assert.deepEqual(all.slice(0, beforeKill.length), beforeKill, 'what was seen before the kill is kept as is');
      assertContiguous(shown, 'ticker rows on the page');
      assert.equal(shown[shown.length - 1], all[all.length - 1]);
      // Reported once the page has seen the head its resubscribe announced, which may be past last + 30.
      await page.waitForFunction(() => (window as unknown as DemoWindow).tidings.caughtUp.length > 0, null, { timeout: 10_000 });
      const caught = await page.evaluate(() => (window as unknown as DemoWindow).tidings.caughtUp);
      assert.ok(caught.some((c) => c.topic === 'ticker'), 'a catch-up was reported for the ticker');
      assert.match((await page.textContent('#caught')) ?? '', /^caught up \d+ chat messages?, \d+ quotes?$/, 'one catch-up line for both topics');
      process.stdout.write(`# ${transport}: ${all.length} ticker offsets ${all[0]}..${all[all.length - 1]}, killed after ${last}, catch-ups ${JSON.stringify(caught)}\n`);
    });
  }

  it('the disconnect button: offline while the ticker runs, then "caught up N" with every missed quote once', async () => {
    const h = await hub('ws');
    const page = await openDemo(`${h.httpUrl}/`);
    await page.click('nav button[data-tab=ticker]');
    await waitForTicker(page, 5);
    await page.click('#toggle');
    await waitForState(page, 'disconnected');
    assert.equal(await page.textContent('#toggle'), 'Reconnect');
    const offline = await seen(page, 'ticker');
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual(await seen(page, 'ticker'), offline, 'nothing arrives while disconnected');
    await page.click('#toggle');
    await waitForState(page, 'connected');
    await page.waitForFunction(() => (window as unknown as DemoWindow).tidings.caughtUp.some((c) => c.topic === 'ticker'), null, { timeout: 10_000 });
    const caught = await page.evaluate(() => (window as unknown as DemoWindow).tidings.caughtUp.find((c) => c.topic === 'ticker')!);
    assert.ok(caught.n >= 5, `caught up ${caught.n} quotes after 600 ms offline at one per 40 ms`);
    await waitForTicker(page, offline[offline.length - 1]! + caught.n);
    assertContiguous(await seen(page, 'ticker'), 'ticker across the disconnect');
    assert.match((await page.textContent('#caught')) ?? '', /^caught up \d+ chat messages?, \d+ quotes?$/, 'one catch-up line for both topics');
  });

  it('over Server-Sent Events (?transport=sse): chats with a WebSocket page, and survives kill -9 under the ticker with no gap', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    dirs.push(dataDir);
    let h = await hub('uws', port, dataDir);
    const sse = await openDemo(`${h.httpUrl}/?transport=sse`);
    const ws = await openDemo(`${h.httpUrl}/`);
    assert.equal(await transportOf(sse), 'sse');
    assert.equal(await transportOf(ws), 'websocket');
    assert.match((await sse.textContent('#transport')) ?? '', /Server-Sent Events/);
    await sse.fill('#text', 'sent over http');
    await sse.click('#send button');
    await ws.locator('#messages .row', { hasText: 'sent over http' }).waitFor({ timeout: 10_000 });
    await ws.fill('#text', 'sent over a websocket');
    await ws.click('#send button');
    await sse.locator('#messages .row', { hasText: 'sent over a websocket' }).waitFor({ timeout: 10_000 });
    assert.deepEqual(await seen(sse, 'chat'), await seen(ws, 'chat'));

    await sse.click('nav button[data-tab=ticker]');
    await waitForTicker(sse, 10);
    const beforeKill = await seen(sse, 'ticker');
    await h.kill9();
    await sse.waitForFunction(() => document.getElementById('state')?.textContent !== 'connected', null, { timeout: 15_000 });
    h = await hub('uws', port, dataDir);
    await waitForState(sse, 'connected');
    await waitForTicker(sse, beforeKill[beforeKill.length - 1]! + 30);
    assertContiguous(await seen(sse, 'ticker'), 'ticker over SSE across the restart');
    assertContiguous(await shownTickerOffsets(sse), 'ticker rows over SSE');
    assert.equal(await transportOf(sse), 'sse');
  });

  it('falls back to Server-Sent Events by itself behind a proxy that drops WebSockets', async () => {
    const h = await hub('ws');
    const proxy = await proxyWithoutWebSockets(h.port);
    try {
      const page = await openDemo(`http://127.0.0.1:${proxy.port}/`, { webSocketBlocked: true });
      assert.equal(await transportOf(page), 'sse');
      await waitForTicker(page, 5);
      await page.fill('#text', 'through the proxy');
      await page.click('#send button');
      await page.locator('#messages .row', { hasText: 'through the proxy' }).waitFor({ timeout: 10_000 });
      assertContiguous(await seen(page, 'ticker'), 'ticker through the proxy');
    } finally {
      proxy.server.close();
    }
  });

  it('the README\'s chat page runs as written', async () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const snippet = /```html\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(snippet, 'README has an html example');
    const h = await hub('uws', undefined, undefined, ['--no-demo']);
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${h.httpUrl}/healthz`); // any page of the hub's origin, for '/tidings.min.js'
    await page.setContent(`<!doctype html><title>chat</title><body>${snippet}</body>`);
    await page.waitForFunction(() => document.title === 'chat (connected)', null, { timeout: 10_000 });
    // The page subscribes live just after it connects: publish until it shows one, then the rest follow in order.
    const c = await RawClient.connect(h.url);
    try {
      for (let n = 1; n <= 50 && !(await page.evaluate(() => document.body.innerText.includes('ann: hello'))); n++) {
        await c.request({ op: 'publish', topic: 'chat.lobby', data: { name: 'ann', text: `hello ${n}` } });
        await new Promise((r) => setTimeout(r, 100));
      }
      await c.request({ op: 'publish', topic: 'chat.lobby', data: { name: 'ann', text: 'last one' } });
    } finally {
      c.terminate();
    }
    await page.waitForFunction(() => document.body.innerText.includes('ann: last one'), null, { timeout: 10_000 });
    const lines = (await page.$$eval('p', (ps) => ps.map((p) => p.textContent))).filter((t) => t?.startsWith('ann: '));
    const first = Number(/hello (\d+)/.exec(lines[0] ?? '')?.[1]);
    assert.ok(first >= 1, `the page shows the chat lines: ${JSON.stringify(lines)}`);
    const expected = [];
    for (let n = first; n <= first + lines.length - 2; n++) expected.push(`ann: hello ${n}`);
    assert.deepEqual(lines, [...expected, 'ann: last one'], 'each line once, in order');
  });

  it('a reloaded page resumes from the offsets it stored, not from the last 50', async () => {
    const h = await hub('uws');
    const page = await openDemo(`${h.httpUrl}/`);
    await waitForTicker(page, 60);
    await page.click('#toggle');
    await waitForState(page, 'disconnected');
    const before = await seen(page, 'ticker');
    const last = before[before.length - 1]!;
    const stored = await page.evaluate(() => localStorage.getItem('tidings-demo:demo.ticker'));
    assert.equal((JSON.parse(stored ?? '{}') as { offset?: number }).offset, last, 'the stored position is the last offset seen');
    await new Promise((r) => setTimeout(r, 400));

    await page.reload();
    await waitForState(page, 'connected');
    await waitForTicker(page, last + 10);
    const after = await seen(page, 'ticker');
    assert.equal(after[0], last + 1, 'the first quote after the reload follows the last one seen before it');
    assertContiguous(after, 'ticker after the reload');
    await page.waitForFunction(() => (window as unknown as DemoWindow).tidings.caughtUp.length > 0, null, { timeout: 10_000 });
    const caught = await page.evaluate(() => (window as unknown as DemoWindow).tidings.caughtUp.find((c) => c.topic === 'ticker'));
    assert.ok(caught && caught.n >= 5, `the resumed page reports what it caught up (${JSON.stringify(caught)})`);
  });
});
