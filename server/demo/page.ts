/**
 * The demo page served at `/`: a chat room and a live ticker on the browser
 * client, showing connection state, offsets, what a reconnect caught up, and
 * what to add when the hub needs a token. Style and script are in the files
 * beside this one; the page is one response, so it needs nothing but the hub.
 */
import { CHAT_SCRIPT } from './chat-script.js';
import { STATUS_SCRIPT } from './status-script.js';
import { DEMO_STYLE } from './style.js';
import { TICKER_SCRIPT } from './ticker-script.js';

export interface DemoPageOptions {
  /** The hub checks tokens: the page asks for one before it tries without. */
  auth: boolean;
}

const PAGE_SCRIPT = String.raw`
for (const b of document.querySelectorAll('nav button')) b.onclick = () => {
  for (const o of document.querySelectorAll('nav button')) o.classList.toggle('active', o === b);
  $('chat').hidden = b.dataset.tab !== 'chat'; $('ticker').hidden = b.dataset.tab !== 'ticker';
};
startDemo(() => { loadChatHistory(); loadTickerHistory(); });
`;

export function demoPage(opts: DemoPageOptions): string {
  return `<!doctype html>
<html lang="en" data-auth="${opts.auth ? 'on' : 'off'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tidings demo</title>
<link rel="icon" href="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><circle cx='8' cy='8' r='6' fill='%2338bdf8'/></svg>">
<style>${DEMO_STYLE}</style>
</head>
<body>
<header>
  <h1><span>●</span> Tidings</h1>
  <span id="state" class="connecting">connecting…</span>
  <span class="hint" id="transport" title="WebSocket, or Server-Sent Events and HTTP where WebSockets do not get through"></span>
  <span class="spacer"></span>
  <button id="toggle" class="ghost">Disconnect</button>
</header>
<nav>
  <button data-tab="chat" class="active">Chat room</button>
  <button data-tab="ticker">Live ticker</button>
</nav>
<main>
  <div id="notice" class="notice" role="alert" hidden><strong id="notice-title"></strong><p id="notice-text"></p><code id="notice-code" hidden></code></div>
  <p class="hint" id="caught" aria-live="polite"></p>
  <section id="chat" class="panel">
    <div class="list" id="chatlist" data-state="loading"><div id="messages"></div><div id="outbox"></div></div>
    <form id="send"><input id="name" placeholder="Your name" maxlength="24" aria-label="Your name"><input id="text" placeholder="Say something…" maxlength="500" autocomplete="off" aria-label="Message"><button>Send</button></form>
  </section>
  <section id="ticker" class="panel" hidden>
    <table><thead><tr><th>Symbol</th><th>Price</th><th>Change</th><th>Offset</th></tr></thead><tbody id="quotes"></tbody></table>
    <div class="list" id="ticks"></div>
  </section>
  <p class="hint">Disconnect, send a message, wait, reconnect: the message is stored once, and the page catches up on every message it missed, each once, in order. Reload it: it shows the recent chat and resumes from the offsets it kept.</p>
</main>
<div id="toast" role="status"></div>
<script type="module">${STATUS_SCRIPT}${CHAT_SCRIPT}${TICKER_SCRIPT}${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
