/**
 * Peer "uws-raw": bare uWebSockets.js pub/sub using its built-in C++ topics
 * (`ws.subscribe`, `app.publish`), speaking the raw-peer dialect (dialect.ts).
 *
 * Why it is a fair peer: it is the same native transport Tidings can run on,
 * with nothing on top — no log, no persistence, no validation beyond routing —
 * so it is the ceiling for fan-out over uWS. Limits match Tidings' spirit:
 * 1 MiB frames, and a receiver over 64 MiB of backpressure is closed
 * (closeOnBackpressureLimit), not silently skipped as uWS does by default.
 *
 *   node dist/bench/peers/uws-raw.js [--port 0] [--host 127.0.0.1] [--batched]
 *
 * Without --batched, `app.publish` runs inside the publisher's message handler
 * (the naive way). With --batched, publishes are queued and issued together
 * once per event-loop turn from setImmediate (outside socket callbacks), then
 * each publisher's replies are sent in one cork.
 */
import { parseArgs } from 'node:util';
import type { WebSocket, us_listen_socket } from 'uWebSockets.js';
import { loadNativeUws } from '../../server/transport/load-uws.js';
import { MessageFrames, announceReady, onShutdown, parseFrame, parsePort, publishReply, reply, requestId } from './dialect.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    batched: { type: 'boolean', default: false },
  },
});
const PORT = parsePort(values.port);
const HOST = values.host;
const BATCHED = values.batched;

const load = loadNativeUws();
if (!load.ok) {
  process.stderr.write(`uws-raw: the uWebSockets.js native binary did not load: ${load.reason}\n`);
  process.exit(1);
}
const uws = load.uws;

interface Peer {
  /** Set in the close handler; the WebSocket must not be touched after it. */
  closed: boolean;
  /** Replies held until this turn's batch is published (--batched only). */
  replies: string[];
}

const app = uws.App();
const frames = new MessageFrames();
const sockets = new Set<WebSocket<Peer>>();

// --batched: this turn's publishes, and the publishers with replies waiting.
let batchTopics: string[] = [];
let batchFrames: string[] = [];
let repliers: WebSocket<Peer>[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  const topics = batchTopics;
  const out = batchFrames;
  const waiting = repliers;
  batchTopics = [];
  batchFrames = [];
  repliers = [];
  for (let i = 0; i < out.length; i++) app.publish(topics[i]!, out[i]!, false);
  for (const ws of waiting) {
    const peer = ws.getUserData();
    const replies = peer.replies;
    peer.replies = [];
    if (peer.closed) continue;
    ws.cork(() => {
      for (const text of replies) ws.send(text, false);
    });
  }
}

/** Sends a reply now, or behind the socket's held replies so they stay in order. */
function sendReply(ws: WebSocket<Peer>, text: string): void {
  const peer = ws.getUserData();
  if (peer.replies.length > 0) peer.replies.push(text);
  else ws.send(text, false);
}

function onMessage(ws: WebSocket<Peer>, message: ArrayBuffer, isBinary: boolean): void {
  if (isBinary) return;
  // The ArrayBuffer is neutered when this handler returns: copy it out first.
  const frame = parseFrame(Buffer.from(message).toString());
  if (frame === undefined) return;
  const id = requestId(frame);
  switch (frame.op) {
    case 'publish': {
      const topic = frame.topic;
      if (typeof topic !== 'string' || frame.data === undefined) return;
      const text = frames.next(topic, frame.data);
      const offset = frames.offset;
      if (!BATCHED) {
        app.publish(topic, text, false);
        if (id !== undefined) ws.send(publishReply(id, offset), false);
        return;
      }
      batchTopics.push(topic);
      batchFrames.push(text);
      if (id !== undefined) {
        const peer = ws.getUserData();
        if (peer.replies.length === 0) repliers.push(ws);
        peer.replies.push(publishReply(id, offset));
      }
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
      return;
    }
    case 'subscribe': {
      const topic = frame.topic;
      if (typeof topic !== 'string') return;
      ws.subscribe(topic);
      if (id !== undefined) sendReply(ws, reply(id));
      return;
    }
    case 'ping':
      if (id !== undefined) sendReply(ws, reply(id));
      return;
    default:
      return;
  }
}

app.ws<Peer>('/ws', {
  maxPayloadLength: 1024 * 1024,
  maxBackpressure: 64 * 1024 * 1024,
  // Typed as a number in uWS.js's .d.ts but read as a flag: 1 = close the slow receiver.
  closeOnBackpressureLimit: 1,
  idleTimeout: 0,
  sendPingsAutomatically: false,
  compression: uws.DISABLED,
  upgrade: (res, req, context) => {
    res.upgrade<Peer>(
      { closed: false, replies: [] },
      req.getHeader('sec-websocket-key'),
      req.getHeader('sec-websocket-protocol'),
      req.getHeader('sec-websocket-extensions'),
      context,
    );
  },
  open: (ws) => {
    sockets.add(ws);
  },
  message: onMessage,
  close: (ws) => {
    ws.getUserData().closed = true;
    sockets.delete(ws);
  },
});

let listenSocket: us_listen_socket | undefined;

app.listen(HOST, PORT, (socket) => {
  if (!socket) {
    process.stderr.write(`uws-raw: cannot listen on ${HOST}:${PORT}\n`);
    process.exit(1);
  }
  listenSocket = socket;
  announceReady(uws.us_socket_local_port(socket));
});

onShutdown(() => {
  if (listenSocket) uws.us_listen_socket_close(listenSocket);
  listenSocket = undefined;
  // close() runs the close handler, which removes the socket from the set.
  for (const ws of sockets) ws.close();
  process.exit(0);
});
