/**
 * What the demo page says about its connection, in Chromium: "reconnecting…"
 * while the client retries, "disconnected" after the button, a plain notice
 * when the hub ends the connection for good (4400); and a message sent offline
 * shown as pending, then replaced by the stored message, once.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Page, WebSocketRoute } from 'playwright-core';
import { describeInChromium } from '../helpers/browser.js';
import { tempDir } from '../helpers/hub-process.js';
import { freePort } from '../helpers/wait.js';
import { assertContiguous, chatShown, DemoRig, say, waitForState } from './demo-helpers.js';

interface Shown { states: string[]; reasons: string[] }

/** Every text the state pill shows from now on, and every reason (its title): some last only milliseconds. */
async function recordStates(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    const pill = document.getElementById('state')!;
    const shown: Shown = { states: [], reasons: [] };
    (window as unknown as { shown: Shown }).shown = shown;
    new MutationObserver((changes) => {
      for (const c of changes) {
        if (c.type === 'attributes') shown.reasons.push(pill.title);
        else shown.states.push(pill.textContent ?? '');
      }
    }).observe(pill, { childList: true, characterData: true, subtree: true, attributes: true, attributeFilter: ['title'] });
  });
  return () => page.evaluate(() => (window as unknown as { shown: Shown }).shown.states.slice());
}

describeInChromium('demo page: connection state and pending sends', { timeout: 180_000 }, () => {
  const rig = new DemoRig();
  before(() => rig.start());
  after(() => rig.close());

  it('says "reconnecting…" while the hub is down and the client retries, "disconnected" only after the button', async () => {
    const port = await freePort();
    const dataDir = tempDir();
    rig.keepDir(dataDir);
    let h = await rig.hub({ args: ['--port', String(port)], dataDir });
    const page = await rig.open(`${h.httpUrl}/`);
    const states = await recordStates(page);
    await h.kill9();
    await waitForState(page, 'reconnecting…');
    // At least two failed attempts: the client went connecting → disconnected and back, more than once.
    await page.waitForFunction(() => (window as unknown as { shown: Shown }).shown.reasons.includes('reconnect attempt 2'), null, { timeout: 20_000 });
    const whileDown = await states();
    assert.ok(whileDown.length >= 3, `the pill changed with each attempt: ${JSON.stringify(whileDown)}`);
    assert.deepEqual([...new Set(whileDown)], ['reconnecting…'], 'never "disconnected" or "connecting…" while the client retries');
    assert.equal(await page.getAttribute('#state', 'class'), 'connecting');
    assert.equal(await page.textContent('#toggle'), 'Disconnect');
    assert.equal(await page.isVisible('#notice'), false);

    h = await rig.hub({ args: ['--port', String(port)], dataDir });
    await waitForState(page, 'connected');
    await page.click('#toggle');
    await waitForState(page, 'disconnected');
    assert.equal(await page.getAttribute('#state', 'class'), 'disconnected');
    assert.equal(await page.textContent('#toggle'), 'Reconnect');
    await page.click('#toggle');
    await waitForState(page, 'connected');
    rig.assertNoErrors(page);
  });

  it('says it is disconnected for good when the hub closes with 4400, does not retry, and reconnects on the button', async () => {
    const h = await rig.hub();
    const context = await rig.context();
    const sockets: WebSocketRoute[] = [];
    // Passes the page's WebSocket through to the real hub, so the test can put a binary frame on it.
    await context.routeWebSocket(/\/ws$/, (ws) => {
      sockets.push(ws.connectToServer());
    });
    const page = await rig.open(`${h.httpUrl}/`, { context });
    const states = await recordStates(page);
    assert.equal(sockets.length, 1);
    sockets[0]!.send(Buffer.from([0x01])); // a binary frame: the hub closes with 4400 (PROTOCOL.md §8)
    await waitForState(page, 'disconnected');
    await page.locator('#notice').waitFor({ state: 'visible', timeout: 10_000 });
    assert.equal(await page.textContent('#notice-title'), 'Disconnected for good');
    assert.match((await page.textContent('#notice-text')) ?? '', /\(4400 binary frame\).*does not retry.*Reconnect/);
    assert.equal(await page.textContent('#toggle'), 'Reconnect');
    await new Promise((r) => setTimeout(r, 1500)); // past the first retry delays (0–500 ms, 0–1 s)
    assert.equal(sockets.length, 1, 'no new connection attempt');
    assert.deepEqual([...new Set(await states())], ['disconnected'], 'never "reconnecting…"');

    await page.click('#toggle');
    await waitForState(page, 'connected');
    assert.equal(sockets.length, 2);
    assert.equal(await page.isVisible('#notice'), false, 'the notice goes with the reconnect');
    rig.assertNoErrors(page);
  });

  it('a message sent while offline shows greyed as "sending…", then once as the stored message, on both pages', async () => {
    const h = await rig.hub();
    const alice = await rig.open(`${h.httpUrl}/`);
    const bob = await rig.open(`${h.httpUrl}/`);
    await say(alice, 'online first', 'alice');
    await alice.locator('#messages .row', { hasText: 'online first' }).waitFor({ timeout: 10_000 });
    assert.equal(await alice.locator('#outbox .row').count(), 0, 'a stored message leaves nothing pending');

    await alice.click('#toggle');
    await waitForState(alice, 'disconnected');
    await say(alice, 'sent offline 1');
    await say(alice, 'sent offline 2');
    const pending = alice.locator('#outbox .row.pending');
    assert.equal(await pending.count(), 2);
    assert.deepEqual(await pending.locator('.txt').allTextContents(), ['sent offline 1', 'sent offline 2']);
    assert.deepEqual(await pending.locator('.off').allTextContents(), ['sending…', 'sending…']);
    assert.ok(Number(await pending.first().evaluate((el) => getComputedStyle(el).opacity)) < 1, 'greyed');
    assert.equal(await alice.locator('#messages .row', { hasText: 'sent offline' }).count(), 0, 'not shown as stored');
    assert.equal(await alice.evaluate(() => (window as unknown as { tidings: { hub: { pendingPublishes: number } } }).tidings.hub.pendingPublishes), 2);

    await alice.click('#toggle');
    await waitForState(alice, 'connected');
    for (const page of [alice, bob]) await page.locator('#messages .row', { hasText: 'sent offline 2' }).waitFor({ timeout: 10_000 });
    assert.equal(await alice.locator('#outbox .row').count(), 0, 'the pending rows were replaced');
    for (const page of [alice, bob]) {
      assert.equal(await page.locator('#chatlist .row', { hasText: 'sent offline 1' }).count(), 1, 'once');
      assert.equal(await page.locator('#chatlist .row', { hasText: 'sent offline 2' }).count(), 1, 'once');
    }
    const rows = await chatShown(alice);
    const offsets = rows.filter((x): x is number => typeof x === 'number');
    assertContiguous(offsets, 'alice\'s chat');
    assert.deepEqual(await chatShown(bob), offsets, 'bob sees the same messages under the same offsets');
    const texts = await alice.locator('#messages .row .txt').allTextContents();
    assert.deepEqual(texts, ['online first', 'sent offline 1', 'sent offline 2'], 'in the order sent');
    rig.assertNoErrors(alice);
    rig.assertNoErrors(bob);
  });
});
