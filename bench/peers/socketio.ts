/**
 * Peer "socketio": a Socket.IO 4 server with rooms as topics.
 *
 * Why it is a fair peer: Socket.IO is what most Node teams reach for to do
 * real-time pub/sub, and with connectionStateRecovery it also keeps recent
 * messages to replay after a reconnect, which is the nearest stock feature to
 * Tidings' replayable log. It is configured for speed: WebSocket transport
 * only (no long-polling upgrade dance), no compression, no client bundle, and a
 * 1 MiB message cap like the other peers. Each broadcast is encoded once by
 * Socket.IO itself and written to every room member.
 *
 *   node dist/bench/peers/socketio.js [--port 0] [--host 127.0.0.1]
 *
 * Events (Socket.IO acks stand in for Tidings' replies):
 *   subscribe (topic, ack)        → join the room, ack()
 *   publish ({topic, data}, ack)  → emit 'message' {topic, offset, time, data}
 *                                   to the room, ack({offset})
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';
import { announceReady, onShutdown, parsePort } from './dialect.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const PORT = parsePort(values.port);
const HOST = values.host;

const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  connectionStateRecovery: { maxDisconnectionDuration: 120_000 },
  perMessageDeflate: false,
  serveClient: false,
  maxHttpBufferSize: 1024 * 1024,
});

const offsets = new Map<string, number>();

io.on('connection', (socket) => {
  socket.on('subscribe', (topic: unknown, ack: unknown) => {
    if (typeof topic !== 'string') return;
    void socket.join(topic);
    if (typeof ack === 'function') ack();
  });
  socket.on('publish', (request: unknown, ack: unknown) => {
    if (typeof request !== 'object' || request === null) return;
    const { topic, data } = request as { topic?: unknown; data?: unknown };
    if (typeof topic !== 'string' || data === undefined) return;
    const offset = (offsets.get(topic) ?? 0) + 1;
    offsets.set(topic, offset);
    io.to(topic).emit('message', { topic, offset, time: Date.now(), data });
    if (typeof ack === 'function') ack({ offset });
  });
});

httpServer.on('error', (error) => {
  process.stderr.write(`socketio: cannot listen on ${HOST}:${PORT}: ${error.message}\n`);
  process.exit(1);
});

httpServer.listen(PORT, HOST, () => {
  const address = httpServer.address();
  announceReady(typeof address === 'object' && address !== null ? address.port : PORT);
});

onShutdown(() => {
  // Disconnects every client and closes the HTTP server.
  void io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
