/**
 * The demo page's chat history and catch-ups in Chromium: a reload and a second
 * tab show the recent chat (not "No messages yet"), then resume with no gap and
 * no duplicate; a divider marks what arrived while the page was away; one line
 * says what each topic caught up.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright-core';
import { describeInChromium } from '../helpers/browser.js';
import { assertContiguous, chatShown, DemoRig, publishChat, seen, waitForChat, waitForState, type DemoWindow } from './demo-helpers.js';

const CAUGHT_UP = /^caught up (\d+) chat messages?, \d+ quotes?$/;

function caughtUp(page: Page): Promise<Array<{ topic: string; n: number }>> {
  return page.evaluate(() => (window as unknown as DemoWindow).tidings.caughtUp.slice());
}

async function publishMany(httpUrl: string, from: number, count: number): Promise<number[]> {
  const offsets = [];
  for (let i = from; i < from + count; i++) offsets.push(await publishChat(httpUrl, { name: 'bot', text: `line ${i}` }));
  return offsets;
}

async function goOffline(page: Page): Promise<void> {
  await page.click('#toggle');
  await waitForState(page, 'disconnected');
}

describeInChromium('demo page: chat history and catch-ups', { timeout: 180_000 }, () => {
  const rig = new DemoRig();
  before(() => rig.start());
  after(() => rig.close());

  it('a reload shows the last 50 chat messages it had seen, a divider, then the ones since, each once', async () => {
    const h = await rig.hub();
    const page = await rig.open(`${h.httpUrl}/`);
    const early = await publishMany(h.httpUrl, 1, 60);
    await waitForChat(page, early[early.length - 1]!);
    await goOffline(page);
    const kept = JSON.parse((await page.evaluate(() => localStorage.getItem('tidings-demo:demo.chat'))) ?? '{}') as { offset?: number };
    assert.equal(kept.offset, early[early.length - 1], 'the page kept the last chat offset it saw');
    const missed = await publishMany(h.httpUrl, 61, 5);

    await page.reload();
    await waitForState(page, 'connected');
    await waitForChat(page, missed[missed.length - 1]!);
    await page.waitForFunction(() => (window as unknown as DemoWindow).tidings.history.length > 0, null, { timeout: 10_000 });
    const history = await page.evaluate(() => (window as unknown as DemoWindow).tidings.history.slice());
    assert.deepEqual(history, early.slice(-50), 'the 50 messages up to where the page was, from the history API');
    assert.deepEqual(await seen(page, 'chat'), missed, 'the subscription resumed after them: the missed ones, once each');
    assert.deepEqual(await chatShown(page), [...early.slice(-50), 'while you were away · 5 new messages', ...missed], 'history, divider, news');
    await page.waitForFunction(() => /^caught up/.test(document.getElementById('caught')?.textContent ?? ''), null, { timeout: 10_000 });
    const line = (await page.textContent('#caught')) ?? '';
    assert.match(line, CAUGHT_UP);
    assert.equal(CAUGHT_UP.exec(line)?.[1], '5', line);
    assert.deepEqual((await caughtUp(page)).find((c) => c.topic === 'chat'), { topic: 'chat', n: 5 });

    const next = await publishChat(h.httpUrl, { name: 'bot', text: 'after the reload' });
    await waitForChat(page, next);
    assertContiguous((await chatShown(page)).filter((x): x is number => typeof x === 'number'), 'chat rows after the reload');
    rig.assertNoErrors(page);
  });

  it('a second tab of the same browser shows the chat so far, with no divider, and then each new message once', async () => {
    const h = await rig.hub();
    const context = await rig.context();
    const first = await rig.open(`${h.httpUrl}/`, { context });
    const early = await publishMany(h.httpUrl, 1, 3);
    await waitForChat(first, early[2]!);
    const second = await rig.open(`${h.httpUrl}/`, { context });
    await second.waitForFunction(() => document.querySelectorAll('#messages .row').length === 3, null, { timeout: 10_000 });
    assert.deepEqual(await chatShown(second), early, 'the same three messages, no divider: this browser had seen them');
    assert.equal(await second.getAttribute('#chatlist', 'data-state'), 'ready');
    const next = await publishChat(h.httpUrl, { name: 'bot', text: 'to both tabs' });
    await waitForChat(second, next);
    await waitForChat(first, next);
    assert.deepEqual(await chatShown(second), [...early, next]);
    assert.deepEqual(await chatShown(first), [...early, next]);
    rig.assertNoErrors(second);
  });

  it('disconnect and reconnect: a divider before the missed chat messages, moved on the next catch-up, and one line per catch-up', async () => {
    const h = await rig.hub();
    const page = await rig.open(`${h.httpUrl}/`);
    const early = await publishMany(h.httpUrl, 1, 2);
    await waitForChat(page, early[1]!);

    await goOffline(page);
    const missed = await publishMany(h.httpUrl, 3, 3);
    await page.click('#toggle');
    await waitForState(page, 'connected');
    await waitForChat(page, missed[2]!);
    await page.waitForFunction(() => (window as unknown as DemoWindow).tidings.caughtUp.length >= 2, null, { timeout: 10_000 });
    assert.deepEqual(await chatShown(page), [...early, 'while you were away · 3 new messages', ...missed]);
    const line = (await page.textContent('#caught')) ?? '';
    assert.equal(CAUGHT_UP.exec(line)?.[1], '3', `one line for both topics: ${line}`);
    const ticker = (await caughtUp(page)).find((c) => c.topic === 'ticker');
    assert.ok(ticker && ticker.n > 0, 'the ticker ran while the page was offline');
    assert.match(line, new RegExp(`, ${ticker.n} quotes?$`));
    assert.match((await page.textContent('#ticks .divider')) ?? '', new RegExp(`^while you were away · ${ticker.n} quotes? above$`));

    // Again, with one message missed: the one divider moves to it.
    await goOffline(page);
    const again = await publishChat(h.httpUrl, { name: 'bot', text: 'one more' });
    await page.click('#toggle');
    await waitForChat(page, again);
    assert.deepEqual(await chatShown(page), [...early, ...missed, 'while you were away · 1 new message', again]);
    assert.equal(await page.locator('#ticks .divider').count(), 1);
    await page.waitForFunction(() => (window as unknown as DemoWindow).tidings.caughtUp.length >= 4, null, { timeout: 10_000 });
    assert.equal(CAUGHT_UP.exec((await page.textContent('#caught')) ?? '')?.[1], '1');

    // Nothing missed in the chat: no divider added, and the line says 0.
    await goOffline(page);
    await page.click('#toggle');
    await page.waitForFunction(() => (window as unknown as DemoWindow).tidings.caughtUp.length >= 6, null, { timeout: 10_000 });
    assert.equal(CAUGHT_UP.exec((await page.textContent('#caught')) ?? '')?.[1], '0');
    assert.deepEqual(await chatShown(page), [...early, ...missed, 'while you were away · 1 new message', again]);
    rig.assertNoErrors(page);
  });

  it('a fresh page on an empty chat says there are no messages yet, once it knows', async () => {
    const h = await rig.hub();
    const page = await rig.open(`${h.httpUrl}/`);
    await page.waitForFunction(() => document.getElementById('chatlist')?.dataset.state === 'ready', null, { timeout: 10_000 });
    const empty = await page.evaluate(() => getComputedStyle(document.getElementById('messages')!, '::before').content);
    assert.match(empty, /No messages yet/);
    assert.equal(await page.textContent('#caught'), '', 'a first visit caught nothing up');
  });
  it('a reload shows each symbol\'s latest quote at once, though no quote came since', async () => {
    const h = await rig.hub({ args: ['--demo-interval', '1h'] });
    const quotes = [['ACME', 120.5], ['GLOBX', 48.25], ['ACME', 121], ['UMBRA', 12.2]] as const;
    for (const [symbol, price] of quotes) {
      const res = await fetch(`${h.httpUrl}/v1/topics/demo.ticker/messages`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ data: { symbol, price } }),
      });
      assert.equal(res.status, 201);
    }
    const table = (page: Page): Promise<string[]> => page.$$eval('#quotes tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent).filter((_, i) => i !== 2).join(' ')).sort());
    const expected = ['ACME 121.00 #3', 'GLOBX 48.25 #2', 'UMBRA 12.20 #4'];
    const page = await rig.open(`${h.httpUrl}/`);
    await page.waitForFunction(() => document.querySelectorAll('#quotes tr').length === 3, null, { timeout: 10_000 });
    assert.deepEqual(await table(page), expected);
    await page.reload();
    await waitForState(page, 'connected');
    await page.waitForFunction(() => document.querySelectorAll('#quotes tr').length === 3, null, { timeout: 10_000 });
    assert.deepEqual(await table(page), expected, 'the latest price of each symbol, from history');
    assert.deepEqual(await seen(page, 'ticker'), [], 'nothing new was published: the subscription resumed with nothing to send');
    assert.deepEqual(await page.evaluate(() => (window as unknown as { tidings: { tickerHistory: number[] } }).tidings.tickerHistory), [1, 2, 3, 4]);
    rig.assertNoErrors(page);
  });
});
