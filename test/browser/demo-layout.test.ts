/**
 * The demo page's layout in Chromium, at desktop width (1280×800) and on a
 * 390×844 phone: no horizontal scroll, the Send button inside the screen and
 * tappable. Screenshots go to dist/test/artifacts/ (demo-desktop*.png, demo-phone*.png).
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright-core';
import { artifactPath, describeInChromium } from '../helpers/browser.js';
import { DemoRig, DESKTOP, PHONE, publishChat, waitForChat, waitForState, waitForTicker, type DemoWindow } from './demo-helpers.js';

const LINES = [
  ['ann', 'Morning! Is the deploy still on for 10:00?'],
  ['raj', 'Yes, after the migration finishes. I will post here when it is done.'],
  ['ann', 'Great, thanks'],
  ['lee', 'A longer line, to see how the text wraps on a narrow phone screen without pushing the page sideways: https://example.com/a/very/long/url/that/does/not/break/easily'],
];

/** A chat with history, a catch-up divider and one message pending, as a returning user sees it. */
async function lived(page: Page, httpUrl: string): Promise<void> {
  for (const [name, text] of LINES.slice(0, 2)) await waitForChat(page, await publishChat(httpUrl, { name, text }));
  await page.click('#toggle');
  await waitForState(page, 'disconnected');
  for (const [name, text] of LINES.slice(2)) await publishChat(httpUrl, { name, text });
  await page.click('#toggle');
  await page.waitForFunction(() => (window as unknown as DemoWindow).tidings.caughtUp.length >= 2, null, { timeout: 10_000 });
}

async function assertFits(page: Page, width: number, height: number, what: string): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
  assert.equal(clientWidth, width, `${what}: the viewport is ${width} px wide`);
  assert.ok(scrollWidth <= clientWidth, `${what}: no horizontal scroll (document ${scrollWidth} px wide)`);
  const send = await page.locator('#send button').boundingBox();
  assert.ok(send, `${what}: a Send button`);
  assert.ok(send.x >= 0 && send.y >= 0 && send.x + send.width <= width && send.y + send.height <= height,
    `${what}: the Send button lies inside the ${width}×${height} viewport: ${JSON.stringify(send)}`);
  // Tappable: big enough, and nothing on top of its centre.
  assert.ok(send.height >= 36 && send.width >= 44, `${what}: Send is ${send.width}×${send.height} px`);
  const onTop = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('#send button') !== null, { x: send.x + send.width / 2, y: send.y + send.height / 2 });
  assert.ok(onTop, `${what}: nothing covers the Send button`);
}

describeInChromium('demo page layout', { timeout: 180_000 }, () => {
  const rig = new DemoRig();
  before(() => rig.start());
  after(() => rig.close());

  it('at 1280×800: the chat with its history, divider and catch-up line, and the ticker; screenshots', async () => {
    const h = await rig.hub();
    const page = await rig.open(`${h.httpUrl}/`, { context: await rig.context({ viewport: DESKTOP }) });
    await page.fill('#name', 'you');
    await lived(page, h.httpUrl);
    await assertFits(page, DESKTOP.width, DESKTOP.height, 'desktop');
    await page.screenshot({ path: artifactPath('demo-desktop.png') });
    await page.click('nav button[data-tab=ticker]');
    await waitForTicker(page, 20);
    await page.screenshot({ path: artifactPath('demo-desktop-ticker.png') });
    rig.assertNoErrors(page);
  });

  it('at 390×844: no horizontal scroll, Send inside the screen and tappable, online and offline; screenshots', async () => {
    const h = await rig.hub();
    const page = await rig.open(`${h.httpUrl}/`, { context: await rig.context(PHONE) });
    await assertFits(page, 390, 844, 'phone, empty chat');
    await page.fill('#name', 'you');
    await lived(page, h.httpUrl);
    await assertFits(page, 390, 844, 'phone, after a catch-up');
    await page.fill('#text', 'tapped on a phone');
    await page.tap('#send button');
    await page.locator('#messages .row', { hasText: 'tapped on a phone' }).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: artifactPath('demo-phone.png') });

    await page.click('#toggle');
    await waitForState(page, 'disconnected');
    await page.fill('#text', 'sent from the train');
    await page.tap('#send button');
    await page.locator('#outbox .row.pending').waitFor({ timeout: 10_000 });
    await assertFits(page, 390, 844, 'phone, offline with a pending message');
    await page.screenshot({ path: artifactPath('demo-phone-offline.png') });

    await page.click('#toggle');
    await page.locator('#messages .row', { hasText: 'sent from the train' }).waitFor({ timeout: 10_000 });
    await page.tap('nav button[data-tab=ticker]');
    await waitForTicker(page, 20);
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    assert.ok(scrollWidth <= clientWidth, `ticker: no horizontal scroll (document ${scrollWidth} px wide)`);
    await page.screenshot({ path: artifactPath('demo-phone-ticker.png') });
    process.stdout.write(`# screenshots: ${artifactPath('demo-desktop.png')}, ${artifactPath('demo-phone.png')} and the -ticker, -offline, -auth ones beside them\n`);
    rig.assertNoErrors(page);
  });
});
