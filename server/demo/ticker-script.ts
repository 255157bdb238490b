/**
 * The ticker part of the demo page's script (after STATUS_SCRIPT): the latest
 * quote per symbol, and every quote, newest first, with a divider under the
 * ones that arrived while the page was away.
 */
export const TICKER_SCRIPT = String.raw`
const lastPrice = new Map();
// symbol → offset of the quote its table row shows, so an older one never overwrites it.
const shownAt = new Map();
const keptTicker = store.get('demo.ticker');
let tickerAway;
function showQuote(m) {
  const { symbol, price } = m.data;
  if ((shownAt.get(symbol) ?? 0) >= m.offset) return;
  const prev = lastPrice.get(symbol); lastPrice.set(symbol, price); shownAt.set(symbol, m.offset);
  let tr = [...$('quotes').children].find((r) => r.dataset.s === symbol);
  if (!tr) { tr = document.createElement('tr'); tr.dataset.s = symbol; tr.innerHTML = '<td></td><td class="num"></td><td class="num"></td><td class="num off"></td>'; $('quotes').append(tr); }
  const diff = prev === undefined ? 0 : price - prev;
  tr.children[0].textContent = symbol; tr.children[1].textContent = price.toFixed(2);
  tr.children[2].textContent = (diff >= 0 ? '+' : '') + diff.toFixed(2); tr.children[2].className = 'num ' + (diff >= 0 ? 'up' : 'down');
  tr.children[3].textContent = '#' + m.offset;
}
function tickRow(m) {
  const row = document.createElement('div'); row.className = 'row';
  row.innerHTML = '<span class="off"></span><span></span>';
  row.querySelector('.off').textContent = '#' + m.offset; row.lastChild.textContent = m.data.symbol + ' ' + m.data.price.toFixed(2);
  return row;
}
const ticker = hub.subscribe('demo.ticker', (m) => {
  window.tidings.seen.ticker.push(m.offset);
  showQuote(m);
  if (tickerAway && m.offset > tickerAway.after) {
    for (const old of $('ticks').querySelectorAll('.divider')) old.remove();
    const n = tickerAway.n + (tickerAway.n === 1 ? ' quote' : ' quotes');
    $('ticks').prepend(divider((tickerAway.reset ? 'the log was recreated · ' : 'while you were away · ') + n + ' above'));
    tickerAway = undefined;
  }
  $('ticks').prepend(tickRow(m)); while ($('ticks').children.length > 200) $('ticks').lastChild.remove();
}, { from: keptTicker ? 'resume' : { last: HISTORY } });
/**
 * A latest-value view that resumes would show blanks until each symbol quotes
 * again: on a reload the last quotes up to where this browser was come from the
 * history API, so every symbol shows its latest price at once.
 */
async function loadTickerHistory() {
  if (!keptTicker || keptTicker.offset < 1) return;
  try {
    const after = Math.max(0, keptTicker.offset - HISTORY);
    const page = await api('/v1/topics/demo.ticker/messages?after=' + after + '&limit=' + (keptTicker.offset - after));
    if (page.epoch !== keptTicker.epoch) return; // recreated: the subscription replays it from the start
    const old = page.messages.filter((m) => m.offset <= keptTicker.offset);
    window.tidings.tickerHistory = old.map((m) => m.offset);
    for (const m of old) showQuote(m);
    $('ticks').append(...old.reverse().map(tickRow));
  } catch (error) {
    toast('could not load the latest quotes: ' + error.message);
  }
}
watchCatchUp(ticker, 'ticker', (after, n, reset) => { tickerAway = { after, n, reset }; });

`;
