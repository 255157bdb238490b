/** The demo: its page and the browser client served at /, its ticker publishing, and --no-demo. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TRANSPORTS, removeDir, startHub, type HubProcess } from '../helpers/hub-process.js';
import { RawClient } from '../helpers/raw-client.js';

describe('demo', () => {
  const hubs: HubProcess[] = [];
  after(async () => {
    for (const h of hubs) {
      await h.stop();
      removeDir(h.dataDir);
    }
  });

  for (const transport of TRANSPORTS) {
    it(`serves the page and the browser client, and the ticker publishes (${transport})`, async () => {
      const hub = await startHub({ transport });
      hubs.push(hub);
      const page = await fetch(`${hub.httpUrl}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      const html = await page.text();
      assert.match(html, /<title>Tidings demo<\/title>/);
      assert.match(html, /from '\/tidings\.min\.js'/);
      const js = await fetch(`${hub.httpUrl}/tidings.min.js`);
      assert.equal(js.status, 200);
      assert.match(js.headers.get('content-type') ?? '', /javascript/);
      assert.match(await js.text(), /TidingsClient/);
      const c = await RawClient.connect(hub.url);
      try {
        await c.request({ op: 'subscribe', topic: 'demo.ticker' });
        const quotes = await c.waitForMessages('demo.ticker', 2, 5000);
        const data = quotes[0]!.data as { symbol: string; price: number };
        assert.equal(typeof data.symbol, 'string');
        assert.ok(data.price > 0);
        assert.equal(quotes[1]!.offset, quotes[0]!.offset + 1);
      } finally {
        c.terminate();
      }
    });
  }

  it('tells the page whether the hub checks tokens, so it can ask for one before it fails', async () => {
    const open = await startHub({ transport: 'ws' });
    hubs.push(open);
    assert.match(await (await fetch(`${open.httpUrl}/`)).text(), /<html lang="en" data-auth="off">/);
    const closed = await startHub({ transport: 'ws', args: ['--auth-secret', 'a-secret-of-at-least-32-characters!!'] });
    hubs.push(closed);
    const page = await fetch(`${closed.httpUrl}/index.html`);
    assert.equal(page.status, 200, 'the page itself needs no token');
    const html = await page.text();
    assert.match(html, /<html lang="en" data-auth="on">/);
    assert.match(html, /tidings gen-token --secret <the hub's --auth-secret> --subscribe 'demo\.\*' --publish demo\.chat/);
  });

  it('serves no page and runs no ticker with --no-demo or TIDINGS_NO_DEMO, but still the browser client', async () => {
    for (const opts of [{ args: ['--no-demo'] }, { env: { TIDINGS_NO_DEMO: '1' } }]) {
      const hub = await startHub({ transport: 'ws', ...opts });
      hubs.push(hub);
      assert.equal((await fetch(`${hub.httpUrl}/`)).status, 404);
      assert.equal((await fetch(`${hub.httpUrl}/tidings.min.js`)).status, 200);
      const c = await RawClient.connect(hub.url);
      try {
        const reply = await c.request({ op: 'subscribe', topic: 'demo.ticker' });
        await new Promise((r) => setTimeout(r, 1200));
        assert.equal(reply.head, 0);
        assert.equal(c.messages('demo.ticker').length, 0);
      } finally {
        c.terminate();
      }
    }
  });
});
