/**
 * The child of store-check.ts: walks every topic's range of messages in a store
 * file and prints what it found as JSON. Run as `node store-check-child.js FILE`.
 */
import { open } from 'lmdb';
import { decodeValue, type TopicRecord } from './lmdb-records.js';

const file = process.argv[2] as string;
const started = Date.now();
const env = open({ path: file, maxDbs: 8, readOnly: true });
const messages = env.openDB<string, [number, number]>({ name: 'messages', encoding: 'string' });
const topics = env.openDB<TopicRecord, string>({ name: 'topics' });
const damaged: Record<string, number> = {};
let broken: string | undefined;
let count = 0;
for (const { key: name, value: t } of topics.getRange()) {
  let expected = t.earliest;
  for (const { key, value } of messages.getRange({ start: [t.id, t.earliest], end: [t.id, t.head + 1] })) {
    if (key[1] !== expected) break;
    if (!decodeValue(value).intact) damaged[name] = key[1];
    expected++;
    count++;
  }
  if (expected !== t.head + 1) {
    broken = `topic ${name} should hold offsets ${t.earliest} to ${t.head}, but offset ${expected} cannot be read`;
    break;
  }
}
process.stdout.write(JSON.stringify({ ...(broken && { broken }), damaged, messages: count, ms: Date.now() - started }));
