/**
 * Peer "ws-raw": a bare `ws` WebSocketServer with an in-memory topic → subscribers
 * map, speaking the raw-peer dialect (dialect.ts).
 *
 * Why it is a fair peer: `ws` is the other transport Tidings can run on, and this
 * is the least a pub/sub hub over it can do — parse, look up, send one shared
 * frame string per publish — with no log, persistence or validation beyond
 * routing, and no compression. It is the ceiling for fan-out over `ws`.
 * Frames are capped at 1 MiB like the uWS peer. (`ws` has no backpressure
 * limit of its own, so a slow receiver just buffers.)
 *
 *   node dist/bench/peers/ws-raw.js [--port 0] [--host 127.0.0.1] [--cork]
 *
 * Without --cork, each publish is sent to every subscriber directly in the
 * publisher's message handler. With --cork, publishes are queued and sent once
 * per event-loop turn from setImmediate, each receiving socket's TCP socket
 * corked around all of its sends (one writev per socket per turn), the
 * publisher's replies included.
 */
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { parseArgs } from 'node:util';
import { WebSocketServer, type WebSocket } from 'ws';
import { MessageFrames, announceReady, onShutdown, parseFrame, parsePort, publishReply, reply, requestId } from './dialect.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    cork: { type: 'boolean', default: false },
  },
});
const PORT = parsePort(values.port);
const HOST = values.host;
const CORK = values.cork;

class Peer {
  readonly ws: WebSocket;
  /** The TCP socket under the WebSocket, corked for batches. */
  readonly socket: Socket;
  readonly topics = new Set<Set<Peer>>();
  /** Replies held until this turn's batch is sent (--cork only). */
  replies: string[] = [];
  corked = false;

  constructor(ws: WebSocket) {
    this.ws = ws;
    this.socket = (ws as unknown as { _socket: Socket })._socket;
  }
}

const frames = new MessageFrames();
const topics = new Map<string, Set<Peer>>();

function subscribers(topic: string): Set<Peer> {
  let set = topics.get(topic);
  if (set === undefined) {
    set = new Set();
    topics.set(topic, set);
  }
  return set;
}

// --cork: this turn's publishes, the publishers with replies waiting, and the sockets corked by the flush.
let batchReceivers: Set<Peer>[] = [];
let batchFrames: string[] = [];
let repliers: Peer[] = [];
let flushScheduled = false;
const corked: Peer[] = [];

function cork(peer: Peer): void {
  if (peer.corked) return;
  peer.corked = true;
  peer.socket.cork();
  corked.push(peer);
}

function flush(): void {
  flushScheduled = false;
  const receivers = batchReceivers;
  const out = batchFrames;
  const waiting = repliers;
  batchReceivers = [];
  batchFrames = [];
  repliers = [];
  for (let i = 0; i < out.length; i++) {
    const text = out[i]!;
    for (const peer of receivers[i]!) {
      cork(peer);
      peer.ws.send(text);
    }
  }
  for (const peer of waiting) {
    const replies = peer.replies;
    peer.replies = [];
    cork(peer);
    for (const text of replies) peer.ws.send(text);
  }
  for (const peer of corked) {
    peer.corked = false;
    peer.socket.uncork();
  }
  corked.length = 0;
}

/** Sends a reply now, or behind the peer's held replies so they stay in order. */
function sendReply(peer: Peer, text: string): void {
  if (peer.replies.length > 0) peer.replies.push(text);
  else peer.ws.send(text);
}

function onMessage(peer: Peer, text: string): void {
  const frame = parseFrame(text);
  if (frame === undefined) return;
  const id = requestId(frame);
  switch (frame.op) {
    case 'publish': {
      const topic = frame.topic;
      if (typeof topic !== 'string' || frame.data === undefined) return;
      const out = frames.next(topic, frame.data);
      const offset = frames.offset;
      const receivers = subscribers(topic);
      if (!CORK) {
        for (const receiver of receivers) receiver.ws.send(out);
        if (id !== undefined) peer.ws.send(publishReply(id, offset));
        return;
      }
      batchReceivers.push(receivers);
      batchFrames.push(out);
      if (id !== undefined) {
        if (peer.replies.length === 0) repliers.push(peer);
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
      const set = subscribers(topic);
      set.add(peer);
      peer.topics.add(set);
      if (id !== undefined) sendReply(peer, reply(id));
      return;
    }
    case 'ping':
      if (id !== undefined) sendReply(peer, reply(id));
      return;
    default:
      return;
  }
}

const server = createServer((_req, res) => {
  res.writeHead(404).end();
});
const wss = new WebSocketServer({ server, path: '/ws', perMessageDeflate: false, maxPayload: 1024 * 1024 });

wss.on('connection', (ws) => {
  const peer = new Peer(ws);
  ws.on('message', (data, isBinary) => {
    if (!isBinary) onMessage(peer, data.toString());
  });
  ws.on('close', () => {
    for (const set of peer.topics) set.delete(peer);
    peer.topics.clear();
  });
  // A protocol error closes the socket; without a listener it would crash the process.
  ws.on('error', () => {});
});

server.on('error', (error) => {
  process.stderr.write(`ws-raw: cannot listen on ${HOST}:${PORT}: ${error.message}\n`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  const address = server.address();
  announceReady(typeof address === 'object' && address !== null ? address.port : PORT);
});

onShutdown(() => {
  for (const ws of wss.clients) ws.terminate();
  wss.close();
  server.close(() => process.exit(0));
  // Do not wait on stragglers (e.g. half-open HTTP keep-alives).
  setTimeout(() => process.exit(0), 1000).unref();
});
