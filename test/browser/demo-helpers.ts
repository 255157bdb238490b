/**
 * What the demo page's browser tests share: a browser with hubs and contexts
 * that are all closed at the end, and readers of what the page received and shows.
 */
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { removeDir, startHub, type HubProcess, type StartOptions } from '../helpers/hub-process.js';

/** A fast ticker, so a restart or a disconnect always misses a few quotes. */
export const TICK = ['--demo-interval', '40ms'];
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

export interface DemoWindow {
  tidings: {
    seen: { chat: number[]; ticker: number[] };
    history: number[];
    caughtUp: Array<{ topic: string; n: number }>;
    hub: { transport: string; state: string };
  };
}

export function seen(page: Page, topic: 'chat' | 'ticker'): Promise<number[]> {
  return page.evaluate((t) => (window as unknown as DemoWindow).tidings.seen[t].slice(), topic);
}

export async function waitForState(page: Page, state: string): Promise<void> {
  await page.waitForFunction((s) => document.getElementById('state')?.textContent === s, state, { timeout: 15_000 });
}

/** Waits until the page has seen a ticker offset of at least `offset`. */
export async function waitForTicker(page: Page, offset: number): Promise<void> {
  await page.waitForFunction((o) => {
    const list = (window as unknown as DemoWindow).tidings.seen.ticker;
    return list.length > 0 && list[list.length - 1]! >= o;
  }, offset, { timeout: 15_000 });
}

/** Waits until the page's chat subscription has delivered offset `offset`. */
export async function waitForChat(page: Page, offset: number): Promise<void> {
  await page.waitForFunction((o) => (window as unknown as DemoWindow).tidings.seen.chat.includes(o), offset, { timeout: 15_000 });
}

export function assertContiguous(offsets: number[], what: string): void {
  assert.ok(offsets.length > 0, `${what}: nothing seen`);
  const expected = Array.from({ length: offsets.length }, (_, i) => offsets[0]! + i);
  assert.deepEqual(offsets, expected, `${what}: every offset once, in order, no gap`);
}

/** The chat list as shown, top to bottom: stored messages as their offset, dividers as their text. */
export function chatShown(page: Page): Promise<Array<number | string>> {
  return page.$$eval('#messages > *', (els) => els.map((el) => (el.classList.contains('divider')
    ? el.textContent ?? ''
    : Number((el.querySelector('.off')?.textContent ?? '').slice(1)))));
}

/** Publishes to demo.chat through the HTTP API; returns the offset. */
export async function publishChat(httpUrl: string, data: unknown, token?: string): Promise<number> {
  const res = await fetch(`${httpUrl}/v1/topics/demo.chat/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ data }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { offset: number }).offset;
}

export async function say(page: Page, text: string, name?: string): Promise<void> {
  if (name) await page.fill('#name', name);
  await page.fill('#text', text);
  await page.click('#send button');
}

/** A browser for one test file; every hub, folder and context it made goes at `close()`. */
export class DemoRig {
  browser!: Browser;
  readonly hubs: HubProcess[] = [];
  readonly #dirs: string[] = [];
  readonly #contexts: BrowserContext[] = [];
  /** Uncaught exceptions per page: the page must have none. */
  readonly #errors = new Map<Page, string[]>();

  async start(): Promise<void> {
    this.browser = await launchChromium();
  }

  async close(): Promise<void> {
    for (const c of this.#contexts) await c.close().catch(() => {});
    await this.browser?.close();
    for (const h of this.hubs) await h.stop();
    for (const d of this.#dirs) removeDir(d);
  }

  async hub(opts: StartOptions = {}): Promise<HubProcess> {
    const h = await startHub({ transport: 'uws', ...opts, args: [...TICK, ...(opts.args ?? [])] });
    this.hubs.push(h);
    if (!opts.dataDir) this.#dirs.push(h.dataDir);
    return h;
  }

  keepDir(dir: string): void {
    this.#dirs.push(dir);
  }

  async context(options: BrowserContextOptions = { viewport: DESKTOP }): Promise<BrowserContext> {
    const context = await this.browser.newContext(options);
    this.#contexts.push(context);
    return context;
  }

  /** Opens `url` in a new page of `context` (a new context by default: its own localStorage). */
  async open(url: string, opts: { context?: BrowserContext; state?: string } = {}): Promise<Page> {
    const page = await (opts.context ?? (await this.context())).newPage();
    const errors: string[] = [];
    this.#errors.set(page, errors);
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(url);
    if (opts.state !== '') await waitForState(page, opts.state ?? 'connected');
    return page;
  }

  assertNoErrors(page: Page): void {
    assert.deepEqual(this.#errors.get(page) ?? [], [], 'no uncaught error in the page');
  }
}
