/**
 * The chat part of the demo page's script (after STATUS_SCRIPT): the recent
 * history on every load, each message once, a divider where what arrived while
 * this browser was away begins, and a message sent offline shown as pending
 * until the hub has stored it.
 */
export const CHAT_SCRIPT = String.raw`
const chatList = $('chatlist');
// Where this browser last was in the chat, read before the subscription moves it.
const kept = store.get('demo.chat');
// data.id of each message sent from this page → its row in #outbox, until the stored message arrives.
const sending = new Map();
const MAX_CHAT_ROWS = 500;
let chatAway;
// "No messages yet" only once the history (on a reload) and the first reply are in.
let chatWaits = kept ? 2 : 1;
const chatLoaded = () => { if (--chatWaits === 0 && chatList.dataset.state === 'loading') chatList.dataset.state = 'ready'; };

function chatRow(m) {
  const row = document.createElement('div'); row.className = 'row';
  row.innerHTML = '<span class="off"></span><span class="who"></span><span class="txt"></span>';
  const data = m.data;
  const object = data !== null && typeof data === 'object';
  if (m.offset !== undefined) row.querySelector('.off').textContent = '#' + m.offset;
  row.querySelector('.who').textContent = String(object && data.name || 'anon');
  row.querySelector('.txt').textContent = object ? String(data.text === undefined ? JSON.stringify(data) : data.text) : String(data);
  return row;
}
const nearBottom = () => chatList.scrollHeight - chatList.scrollTop - chatList.clientHeight < 40;
const toBottom = () => { chatList.scrollTop = chatList.scrollHeight; };
/** Shows where the new messages start; at the bottom when there is no divider. */
function toNews() {
  const d = $('messages').querySelector('.divider');
  if (d) chatList.scrollTop = d.offsetTop - 8; else toBottom();
}

const chat = hub.subscribe('demo.chat', (m) => {
  window.tidings.seen.chat.push(m.offset);
  let follow = nearBottom();
  if (chatAway && m.offset > chatAway.after) {
    for (const old of $('messages').querySelectorAll('.divider')) old.remove();
    const n = chatAway.n + (chatAway.n === 1 ? ' new message' : ' new messages');
    $('messages').append(divider(chatAway.reset ? 'the log was recreated · ' + n : 'while you were away · ' + n));
    chatAway = undefined;
    if (follow) { toNews(); follow = false; }
  }
  const id = m.data && m.data.id;
  const mine = id !== undefined && sending.get(id);
  if (mine) { mine.remove(); sending.delete(id); }
  $('messages').append(chatRow(m));
  while ($('messages').children.length > MAX_CHAT_ROWS) $('messages').firstChild.remove();
  if (follow || mine) toBottom();
}, { from: kept ? 'resume' : { last: HISTORY } });
let chatReplied = false;
chat.on('subscribed', () => { if (!chatReplied) { chatReplied = true; chatLoaded(); } });
watchCatchUp(chat, 'chat', (after, n, reset) => { chatAway = { after, n, reset }; });

/**
 * On a reload or in a second tab the subscription resumes after what this
 * browser saw; the messages up to there come from the history API, above it.
 */
async function loadChatHistory() {
  try {
    if (!kept || kept.offset < 1) return;
    const after = Math.max(0, kept.offset - HISTORY);
    const page = await api('/v1/topics/demo.chat/messages?after=' + after + '&limit=' + (kept.offset - after));
    if (page.epoch !== kept.epoch) return; // the log was recreated: the subscription starts over, and says so
    const old = page.messages.filter((m) => m.offset <= kept.offset);
    window.tidings.history = old.map((m) => m.offset);
    $('messages').prepend(...old.map(chatRow));
    toNews();
  } catch (error) {
    toast('could not load the chat history: ' + error.message);
  } finally {
    chatLoaded();
  }
}

function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
$('name').value = localStorage.getItem('tidings-demo:name') || 'guest-' + Math.floor(Math.random() * 1000);
$('send').onsubmit = (e) => {
  e.preventDefault();
  const text = $('text').value.trim(); if (!text) return;
  const name = $('name').value.trim() || 'anon';
  localStorage.setItem('tidings-demo:name', name);
  // The id lets the stored message replace this row, however the reply and the message are ordered.
  const data = { name, text, id: newId() };
  const row = chatRow({ data });
  row.classList.add('pending');
  row.querySelector('.off').textContent = 'sending…';
  $('outbox').append(row); sending.set(data.id, row); toBottom();
  $('text').value = '';
  hub.publish('demo.chat', data).then((stored) => {
    if (!sending.has(data.id)) return;
    row.querySelector('.off').textContent = '#' + stored.offset;
    if (!chat.active) { row.classList.remove('pending'); sending.delete(data.id); }
  }, (error) => {
    // Kept in the map: should it have been stored after all, the stored message still replaces it.
    row.classList.add('failed');
    row.querySelector('.off').textContent = 'not sent';
    const why = document.createElement('span'); why.className = 'why';
    why.textContent = error.code + ': ' + error.message;
    row.append(why);
  });
};
`;
