/**
 * Child of the file offset store test: resumes a topic from a FileOffsetStore,
 * takes `count` messages, prints their offsets and exits at once, leaving the
 * last position to the store's exit hook.
 */
import WebSocket from 'ws';
import { TidingsClient } from '../../client/index.js';
import { FileOffsetStore } from '../../client/node/index.js';

const [url, path, topic, countText] = process.argv.slice(2);
const count = Number(countText);
if (!url || !path || !topic || !(count > 0)) throw new Error('usage: file-store-child <ws-url> <store-file> <topic> <count>');
const store = new FileOffsetStore(path);
const client = new TidingsClient(url, { WebSocket, offsetStore: store });
const offsets: number[] = [];
const sub = client.subscribe(topic, (m) => {
  offsets.push(m.offset);
  if (offsets.length < count) return;
  process.stdout.write(`${JSON.stringify({ offsets })}\n`);
  process.exit(0);
}, { from: 'resume' });
sub.on('subscribed', (info) => process.stdout.write(`${JSON.stringify({ subscribed: info })}\n`));
client.on('error', (e) => process.stderr.write(`${e.code}: ${e.message}\n`));
