/**
 * The demo page served at `/`: a chat room and a live ticker on the browser
 * client, showing connection state, offsets, and what a reconnect caught up.
 */
export const DEMO_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tidings demo</title>
<link rel="icon" href="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><circle cx='8' cy='8' r='6' fill='%2338bdf8'/></svg>">
<style>
  :root { --bg:#0f172a; --panel:#111c33; --line:#1e2b47; --text:#e2e8f0; --muted:#8ea0bf; --accent:#38bdf8; --ok:#22c55e; --warn:#f59e0b; --bad:#ef4444; }
  * { box-sizing: border-box; }
  body { margin:0; font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:center; gap:16px; padding:14px 24px; border-bottom:1px solid var(--line); background:#0b1224; }
  h1 { font-size:18px; margin:0; letter-spacing:.02em; } h1 span { color:var(--accent); }
  #state { padding:3px 10px; border-radius:999px; font-size:13px; background:#1f2937; }
  #state.connected { background:rgba(34,197,94,.15); color:var(--ok); }
  #state.connecting { background:rgba(245,158,11,.15); color:var(--warn); }
  #state.disconnected { background:rgba(239,68,68,.15); color:var(--bad); }
  header .spacer { flex:1; }
  button { background:var(--accent); color:#00111c; border:0; border-radius:8px; padding:8px 14px; font-weight:600; cursor:pointer; }
  button.ghost { background:transparent; color:var(--text); border:1px solid var(--line); }
  nav { display:flex; gap:4px; padding:0 24px; border-bottom:1px solid var(--line); }
  nav button { background:none; color:var(--muted); border-radius:0; border-bottom:2px solid transparent; padding:12px 14px; }
  nav button.active { color:var(--text); border-bottom-color:var(--accent); }
  main { max-width:920px; margin:0 auto; padding:20px 24px; }
  .panel { background:var(--panel); border:1px solid var(--line); border-radius:12px; overflow:hidden; }
  #toast { position:fixed; right:20px; bottom:20px; background:#0b3a53; color:#dff6ff; padding:10px 14px; border-radius:10px; opacity:0; transition:opacity .3s; }
  #toast.show { opacity:1; }
  .list { height:420px; overflow-y:auto; padding:8px 0; }
  .row { display:flex; gap:12px; padding:6px 16px; align-items:baseline; }
  .row .off { color:var(--muted); font:12px ui-monospace,monospace; min-width:44px; text-align:right; }
  #messages:empty::before { content:'No messages yet. Say something, then open this page in a second tab.'; display:block; padding:24px 16px; color:var(--muted); }
  .row .who { color:var(--accent); font-weight:600; }
  form { display:flex; gap:8px; padding:12px; border-top:1px solid var(--line); }
  input { flex:1; background:#0b1224; color:var(--text); border:1px solid var(--line); border-radius:8px; padding:9px 12px; font:inherit; }
  input#name { flex:0 0 140px; }
  table { width:100%; border-collapse:collapse; }
  td, th { padding:10px 16px; text-align:left; border-bottom:1px solid var(--line); }
  th { color:var(--muted); font-weight:500; font-size:13px; }
  td.num { font-variant-numeric:tabular-nums; }
  .up { color:var(--ok); } .down { color:var(--bad); }
  .hint { color:var(--muted); font-size:13px; margin:10px 2px; }
  [hidden] { display:none !important; }
</style>
</head>
<body>
<header>
  <h1><span>●</span> Tidings</h1>
  <span id="state" class="disconnected">disconnected</span>
  <span class="hint" id="transport" title="WebSocket, or Server-Sent Events and HTTP where WebSockets do not get through"></span>
  <span class="spacer"></span>
  <span class="hint" id="caught"></span>
  <button id="toggle" class="ghost">Disconnect</button>
</header>
<nav>
  <button data-tab="chat" class="active">Chat room</button>
  <button data-tab="ticker">Live ticker</button>
</nav>
<main>
  <section id="chat" class="panel">
    <div class="list" id="messages"></div>
    <form id="send"><input id="name" placeholder="Your name" maxlength="24"><input id="text" placeholder="Say something…" maxlength="500" autocomplete="off"><button>Send</button></form>
  </section>
  <section id="ticker" class="panel" hidden>
    <table><thead><tr><th>Symbol</th><th>Price</th><th>Change</th><th>Offset</th></tr></thead><tbody id="quotes"></tbody></table>
    <div class="list" id="ticks" style="height:260px"></div>
  </section>
  <p class="hint">Disconnect, wait, reconnect: the page catches up on every message it missed, each once, in order. Reload it: it resumes from the offsets it kept.</p>
</main>
<div id="toast"></div>
<script type="module">
import { TidingsClient, WebStorageOffsetStore } from '/tidings.min.js';
const $ = (id) => document.getElementById(id);
const store = new WebStorageOffsetStore(localStorage, 'tidings-demo:');
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
// ?transport=sse forces the fallback the client otherwise takes only when WebSockets fail.
const params = new URLSearchParams(location.search);
const transport = params.get('transport') || 'auto';
// A hub with auth on: open the page as /?token=<JWT> (tidings gen-token --subscribe 'demo.*' --publish demo.chat).
const token = params.get('token') || undefined;
const hub = new TidingsClient(url, { offsetStore: store, transport, token });
window.tidings = { hub, seen: { chat: [], ticker: [] }, caughtUp: [] };

hub.on('state', ({ to, reason }) => {
  $('state').textContent = to; $('state').className = to; $('state').title = reason;
  $('transport').textContent = to === 'connected' ? 'via ' + (hub.transport === 'sse' ? 'Server-Sent Events' : 'WebSocket') : '';
  $('toggle').textContent = to === 'disconnected' && manualOffline ? 'Reconnect' : 'Disconnect';
});
let manualOffline = false;
$('toggle').onclick = () => {
  manualOffline = !manualOffline;
  if (manualOffline) hub.disconnect(); else hub.connect();
  $('toggle').textContent = manualOffline ? 'Reconnect' : 'Disconnect';
};

function toast(text) { $('toast').textContent = text; $('toast').classList.add('show'); setTimeout(() => $('toast').classList.remove('show'), 2500); }
// Reports what each (re)subscribe caught up: after a reconnect, and after a reload that resumed.
function watchCatchUp(sub, name, resumed) {
  let quiet = !resumed;
  sub.on('subscribed', (info) => {
    const before = sub.position ? sub.position.offset : info.head;
    if (!quiet) {
      const n = Math.max(0, info.head - before);
      window.tidings.caughtUp.push({ topic: name, n });
      $('caught').textContent = 'caught up ' + n + ' ' + name + ' messages';
      toast('caught up ' + n + ' ' + name + ' messages');
    }
    quiet = false;
  });
  sub.on('reset', () => toast(name + ': the log was recreated, starting over'));
}
const resumed = new Set(['demo.chat', 'demo.ticker'].filter((topic) => store.get(topic)));
const from = (topic) => (resumed.has(topic) ? 'resume' : { last: 50 });

const chat = hub.subscribe('demo.chat', (m) => {
  window.tidings.seen.chat.push(m.offset);
  const row = document.createElement('div'); row.className = 'row';
  row.innerHTML = '<span class="off"></span><span class="who"></span><span class="txt"></span>';
  row.querySelector('.off').textContent = '#' + m.offset;
  row.querySelector('.who').textContent = String(m.data && m.data.name || 'anon');
  row.querySelector('.txt').textContent = String(m.data && m.data.text || '');
  $('messages').append(row); $('messages').scrollTop = 1e9;
}, { from: from('demo.chat') });
watchCatchUp(chat, 'chat', resumed.has('demo.chat'));

$('name').value = localStorage.getItem('tidings-demo:name') || 'guest-' + Math.floor(Math.random() * 1000);
$('send').onsubmit = (e) => {
  e.preventDefault();
  const text = $('text').value.trim(); if (!text) return;
  localStorage.setItem('tidings-demo:name', $('name').value);
  hub.publish('demo.chat', { name: $('name').value, text }).catch((err) => toast(err.code + ': ' + err.message));
  $('text').value = '';
};

const last = new Map();
const ticker = hub.subscribe('demo.ticker', (m) => {
  window.tidings.seen.ticker.push(m.offset);
  const { symbol, price } = m.data;
  const prev = last.get(symbol); last.set(symbol, price);
  let tr = document.querySelector('tr[data-s="' + symbol + '"]');
  if (!tr) { tr = document.createElement('tr'); tr.dataset.s = symbol; tr.innerHTML = '<td></td><td class="num"></td><td class="num"></td><td class="num off"></td>'; $('quotes').append(tr); }
  const diff = prev === undefined ? 0 : price - prev;
  tr.children[0].textContent = symbol; tr.children[1].textContent = price.toFixed(2);
  tr.children[2].textContent = (diff >= 0 ? '+' : '') + diff.toFixed(2); tr.children[2].className = 'num ' + (diff >= 0 ? 'up' : 'down');
  tr.children[3].textContent = '#' + m.offset;
  const row = document.createElement('div'); row.className = 'row';
  row.innerHTML = '<span class="off"></span><span></span>';
  row.querySelector('.off').textContent = '#' + m.offset; row.lastChild.textContent = symbol + ' ' + price.toFixed(2);
  $('ticks').prepend(row); while ($('ticks').children.length > 200) $('ticks').lastChild.remove();
}, { from: from('demo.ticker') });
watchCatchUp(ticker, 'ticker', resumed.has('demo.ticker'));

for (const b of document.querySelectorAll('nav button')) b.onclick = () => {
  for (const o of document.querySelectorAll('nav button')) o.classList.toggle('active', o === b);
  $('chat').hidden = b.dataset.tab !== 'chat'; $('ticker').hidden = b.dataset.tab !== 'ticker';
};
</script>
</body>
</html>
`;
