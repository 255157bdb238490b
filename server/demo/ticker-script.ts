/**
 * The ticker part of the demo page's script (after STATUS_SCRIPT): the latest
 * quote per symbol, and every quote, newest first, with a divider under the
 * ones that arrived while the page was away.
 */
export const TICKER_SCRIPT = String.raw`
const lastPrice = new Map();
let tickerAway;
const ticker = hub.subscribe('demo.ticker', (m) => {
  window.tidings.seen.ticker.push(m.offset);
  const { symbol, price } = m.data;
  const prev = lastPrice.get(symbol); lastPrice.set(symbol, price);
  let tr = [...$('quotes').children].find((r) => r.dataset.s === symbol);
  if (!tr) { tr = document.createElement('tr'); tr.dataset.s = symbol; tr.innerHTML = '<td></td><td class="num"></td><td class="num"></td><td class="num off"></td>'; $('quotes').append(tr); }
  const diff = prev === undefined ? 0 : price - prev;
  tr.children[0].textContent = symbol; tr.children[1].textContent = price.toFixed(2);
  tr.children[2].textContent = (diff >= 0 ? '+' : '') + diff.toFixed(2); tr.children[2].className = 'num ' + (diff >= 0 ? 'up' : 'down');
  tr.children[3].textContent = '#' + m.offset;
  if (tickerAway && m.offset > tickerAway.after) {
    for (const old of $('ticks').querySelectorAll('.divider')) old.remove();
    const n = tickerAway.n + (tickerAway.n === 1 ? ' quote' : ' quotes');
    $('ticks').prepend(divider((tickerAway.reset ? 'the log was recreated · ' : 'while you were away · ') + n + ' above'));
    tickerAway = undefined;
  }
  const row = document.createElement('div'); row.className = 'row';
  row.innerHTML = '<span class="off"></span><span></span>';
  row.querySelector('.off').textContent = '#' + m.offset; row.lastChild.textContent = symbol + ' ' + price.toFixed(2);
  $('ticks').prepend(row); while ($('ticks').children.length > 200) $('ticks').lastChild.remove();
}, { from: store.get('demo.ticker') ? 'resume' : { last: HISTORY } });
watchCatchUp(ticker, 'ticker', (after, n, reset) => { tickerAway = { after, n, reset }; });

`;
