/**
 * The demo page on a hub with auth on (--auth-secret), in Chromium: without a
 * token it says what to add and how to make one; with a good token it chats;
 * a token the hub refuses, or one that may not publish, is said so plainly.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Page } from 'playwright-core';
import { artifactPath, describeInChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/hub-process.js';
import { DemoRig, PHONE, say, waitForState } from './demo-helpers.js';

const SECRET = 'demo-auth-test-secret-0123456789abcdef';
const TOKEN_HELP = "tidings gen-token --secret <the hub's --auth-secret> --subscribe 'demo.*' --publish demo.chat";

async function genToken(args: string[], secret = SECRET): Promise<string> {
  const { code, stdout, stderr } = await runCli(['gen-token', '--secret', secret, ...args]);
  assert.equal(code, 0, stderr);
  return stdout.trim();
}

async function noticeOf(page: Page): Promise<{ title: string; text: string; code: string }> {
  await page.locator('#notice').waitFor({ state: 'visible', timeout: 15_000 });
  return {
    title: (await page.textContent('#notice-title')) ?? '',
    text: (await page.textContent('#notice-text')) ?? '',
    code: (await page.isVisible('#notice-code')) ? (await page.textContent('#notice-code')) ?? '' : '',
  };
}

describeInChromium('demo page on a hub with auth on', { timeout: 180_000 }, () => {
  const rig = new DemoRig();
  let base = '';
  before(async () => {
    await rig.start();
    base = (await rig.hub({ args: ['--auth-secret', SECRET] })).httpUrl;
  });
  after(() => rig.close());

  it('without a token: says the hub needs one, how to pass it and how to make it, and does not try without', async () => {
    const page = await rig.open(`${base}/`, { state: 'disconnected' });
    const notice = await noticeOf(page);
    assert.equal(notice.title, 'This hub needs a token');
    assert.equal(notice.text, `Open this page as ${base}/?token=JWT, with a token made by:`);
    assert.equal(notice.code, TOKEN_HELP);
    assert.equal(await page.textContent('#toggle'), 'Reconnect');
    assert.equal(await page.getAttribute('#chatlist', 'data-state'), 'idle', 'no "Loading…" that never ends');
    rig.assertNoErrors(page);

    // The command, run as the notice says, gives a token the page then works with.
    const token = await genToken(['--subscribe', 'demo.*', '--publish', 'demo.chat']);
    await page.goto(`${base}/?token=${token}`);
    await waitForState(page, 'connected');
    assert.equal(await page.isVisible('#notice'), false);
    await say(page, 'with a token');
    await page.locator('#messages .row', { hasText: 'with a token' }).waitFor({ timeout: 10_000 });
    rig.assertNoErrors(page);
  });

  it('the notice fits a 390 px phone: no horizontal scroll, the command wraps', async () => {
    const page = await rig.open(`${base}/`, { state: 'disconnected', context: await rig.context(PHONE) });
    await noticeOf(page);
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
    assert.ok(scrollWidth <= clientWidth, `no horizontal scroll (${scrollWidth} > ${clientWidth})`);
    const box = await page.locator('#notice-code').boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the command is inside the screen: ${JSON.stringify(box)}`);
    await page.screenshot({ path: artifactPath('demo-phone-auth.png') });
  });

  for (const transport of ['websocket', 'sse'] as const) {
    it(`a token signed with another secret: says the hub refused it and why, and stops retrying (${transport})`, async () => {
      const forged = await genToken(['--subscribe', 'demo.*', '--publish', 'demo.chat'], 'another-secret-that-is-32-chars-or-more');
      const page = await rig.open(`${base}/?token=${forged}&transport=${transport}`, { state: '' });
      const notice = await noticeOf(page);
      assert.equal(notice.title, 'The hub refused the token');
      assert.match(notice.text, /\. Open this page with a new one, as \/\?token=JWT; make it with:$/);
      assert.equal(notice.code, TOKEN_HELP);
      await waitForState(page, 'disconnected');
      rig.assertNoErrors(page);
    });
  }

  it('a token that may not publish: the message shows as not sent, with the hub\'s reason', async () => {
    const token = await genToken(['--subscribe', 'demo.*']);
    const page = await rig.open(`${base}/?token=${token}`);
    await say(page, 'not allowed');
    const row = page.locator('#outbox .row.failed', { hasText: 'not allowed' });
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await row.locator('.off').textContent(), 'not sent');
    assert.match((await row.locator('.why').textContent()) ?? '', /^forbidden: /);
    assert.equal(await page.locator('#messages .row', { hasText: 'not allowed' }).count(), 0);
    assert.equal(await page.textContent('#state'), 'connected', 'a refused publish does not end the connection');
  });

  it('a token that may not read the chat: says which permission is missing', async () => {
    const token = await genToken(['--subscribe', 'demo.ticker', '--publish', 'demo.chat']);
    const page = await rig.open(`${base}/?token=${token}`);
    const notice = await noticeOf(page);
    assert.equal(notice.title, 'The token does not allow this');
    assert.match(notice.text, /demo\.chat/);
    assert.equal(notice.code, TOKEN_HELP);
  });
});
