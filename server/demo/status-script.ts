/**
 * The first part of the demo page's module script: the client, and what the page
 * says about the connection (connecting, reconnecting, stopped for good, a token
 * needed) and about each catch-up. The chat and ticker parts follow it in the
 * same module and use its helpers; `startDemo()` runs last.
 */
export const STATUS_SCRIPT = String.raw`
import { TidingsClient, WebStorageOffsetStore } from '/tidings.min.js';
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
// ?transport=sse forces the fallback the client otherwise takes only when WebSockets fail.
const transport = params.get('transport') || 'auto';
const token = params.get('token') || undefined;
// Set by the hub when it checks tokens, so the page can say what to add before it fails.
const AUTH = document.documentElement.dataset.auth === 'on';
const TOKEN_HELP = "tidings gen-token --secret <the hub's --auth-secret> --subscribe 'demo.*' --publish demo.chat";
const HISTORY = 50;
// Closes after which the client does not retry (PROTOCOL.md section 8).
const FINAL_CLOSES = new Set([1000, 4400]);
const store = new WebStorageOffsetStore(localStorage, 'tidings-demo:');
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws';
const hub = new TidingsClient(url, { offsetStore: store, transport, token, autoConnect: false });
window.tidings = { hub, seen: { chat: [], ticker: [] }, history: [], caughtUp: [] };

/** The hub's HTTP API, with the page's token. */
async function api(path) {
  const res = await fetch(path, { headers: token ? { authorization: 'Bearer ' + token } : {} });
  const body = await res.json().catch(() => ({}));
  if (res.ok) return body;
  const error = new Error((body.error && body.error.message) || 'HTTP ' + res.status);
  error.code = (body.error && body.error.code) || 'http_' + res.status;
  throw error;
}

let toastTimer;
function toast(text) {
  $('toast').textContent = text; $('toast').classList.add('show');
  clearTimeout(toastTimer); toastTimer = setTimeout(() => $('toast').classList.remove('show'), 3500);
}
function notice(title, text, command) {
  $('notice-title').textContent = title; $('notice-text').textContent = text;
  // Word by word, so a narrow screen wraps the command between words, never inside --auth-secret.
  const code = $('notice-code');
  code.replaceChildren(...(command || '').split(' ').flatMap((word, i) => {
    const span = document.createElement('span'); span.textContent = word;
    return i === 0 ? [span] : [' ', span];
  }));
  code.hidden = !command;
  $('notice').hidden = false;
}

// online: the client connects and retries by itself; offline: the Disconnect button;
// stopped: the hub ended the connection for good, or refused the token.
let mode = 'online';
let lost = false; // the last connection dropped: the next attempt is a reconnect
function showState() {
  const to = hub.state;
  let text = to, cls = to;
  if (to === 'connecting') text = lost ? 'reconnecting…' : 'connecting…';
  if (to === 'disconnected' && mode === 'online') { text = 'reconnecting…'; cls = 'connecting'; }
  $('state').textContent = text; $('state').className = cls;
  $('transport').textContent = to === 'connected' ? 'via ' + (hub.transport === 'sse' ? 'Server-Sent Events' : 'WebSocket') : '';
  $('toggle').textContent = mode === 'online' ? 'Disconnect' : 'Reconnect';
}
function stop(title, text, command) {
  mode = 'stopped';
  notice(title, text, command);
  hub.disconnect();
  $('chatlist').dataset.state = 'idle';
  showState();
}
const tokenRefused = (why) => stop('The hub refused the token', why + '. Open this page with a new one, as /?token=JWT; make it with:', TOKEN_HELP);

hub.on('state', ({ to, reason }) => {
  $('state').title = reason;
  if (to === 'connected') { lost = false; beginRound(); }
  if (to === 'disconnected' && mode === 'online') {
    const code = Number((/^(\d+)\b/.exec(reason) || [])[1]);
    if (FINAL_CLOSES.has(code)) {
      // The client has stopped by itself and rejected what was waiting: say so, and why.
      mode = 'stopped';
      notice('Disconnected for good', 'The hub closed the connection (' + reason + '), after which the client does not retry. Press Reconnect to try again.');
    } else lost = true;
  }
  showState();
});
hub.on('error', (error) => {
  if (error.code === 'unauthorized') return tokenRefused(error.message);
  if (error.code === 'forbidden') return notice('The token does not allow this', error.message + '. Make one that does with:', TOKEN_HELP);
  toast(error.code + ': ' + error.message);
});
$('toggle').onclick = () => {
  if (mode === 'online') { mode = 'offline'; hub.disconnect(); }
  else { mode = 'online'; $('notice').hidden = true; hub.connect(); }
  showState();
};

// What each reconnect (or a reload that resumed) caught up, per topic, in one line above the lists.
const LABELS = { chat: ['chat message', 'chat messages'], ticker: ['quote', 'quotes'] };
const watched = [];
let round;
function beginRound() { round = { topics: new Map(), reported: false }; }
function reportRound() {
  const parts = [];
  let done = true;
  for (const { name, sub } of watched) {
    const c = round.topics.get(name);
    if (!c) { if (sub.active) done = false; continue; }
    if (!c.done) done = false;
    parts.push(c.n + ' ' + LABELS[name][c.n === 1 ? 0 : 1]);
  }
  if (parts.length === 0) return;
  $('caught').textContent = done ? 'caught up ' + parts.join(', ') : 'catching up ' + parts.join(', ') + '…';
  if (!done || round.reported) return;
  round.reported = true;
  for (const [topic, c] of round.topics) window.tidings.caughtUp.push({ topic, n: c.n });
}
/**
 * Counts what a resumed subscribe replays (from its position to the head it
 * announced) and calls onAway(after, n, reset) so the view can mark where the
 * new messages start. A first subscribe for the last N is history, not a catch-up.
 */
function watchCatchUp(sub, name, onAway) {
  watched.push({ name, sub });
  let resumes = sub.position !== undefined;
  sub.on('subscribed', (info) => {
    const resumed = resumes;
    resumes = true;
    if (!resumed || !round) return;
    const after = sub.position.offset;
    const n = Math.max(0, info.head - after);
    round.topics.set(name, { n, head: info.head, done: n === 0 });
    if (n > 0) onAway(after, n, info.reset);
    reportRound();
  });
  sub.on('message', (m) => {
    const c = round && round.topics.get(name);
    if (c && !c.done && m.offset >= c.head) { c.done = true; reportRound(); }
  });
  sub.on('reset', () => toast(name + ': the log was recreated, starting over'));
  sub.on('truncated', ({ after, earliest }) => {
    const gone = earliest - after - 1;
    if (gone > 0 && resumes) toast(name + ': ' + gone + ' older messages are no longer kept');
  });
}
function divider(text) {
  const d = document.createElement('div');
  d.className = 'divider'; d.setAttribute('role', 'separator'); d.textContent = text;
  return d;
}

/** Connects, or says first what is missing: with auth on, a token the hub accepts. */
async function startDemo(loadHistory) {
  if (AUTH && !token) {
    return stop('This hub needs a token', 'Open this page as ' + location.origin + '/?token=JWT, with a token made by:', TOKEN_HELP);
  }
  if (AUTH) {
    try {
      await api('/v1/topics?prefix=demo.&limit=1');
    } catch (error) {
      if (error.code === 'unauthorized') return tokenRefused(error.message);
    }
  }
  if (mode === 'online') hub.connect(); // unless Disconnect was pressed while the token was checked
  loadHistory();
}
`;
