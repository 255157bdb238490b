/** The demo's built-in publisher: a random walk of a few prices on `demo.ticker`. */
import type { Logger } from 'pino';
import type { Hub } from '../hub/hub.js';

export const TICKER_TOPIC = 'demo.ticker';
const SYMBOLS: Array<[string, number]> = [['ACME', 120], ['GLOBX', 48.5], ['INITECH', 310], ['UMBRA', 12.2]];

/** Publishes one quote every `everyMs`; returns a function that stops it. */
export function startTicker(hub: Hub, log: Logger, everyMs = 500): () => void {
  const prices = new Map(SYMBOLS);
  let i = 0;
  const timer = setInterval(() => {
    if (hub.closing) return;
    const [symbol] = SYMBOLS[i++ % SYMBOLS.length]!;
    const price = Math.max(1, (prices.get(symbol) ?? 100) * (1 + (Math.random() - 0.5) * 0.01));
    prices.set(symbol, price);
    const data = JSON.stringify({ symbol, price: Math.round(price * 100) / 100 });
    hub.append(TICKER_TOPIC, { data, bytes: Buffer.byteLength(data), time: Date.now() }).catch((error: unknown) => {
      log.warn({ err: error }, 'demo ticker could not publish');
    });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
