/**
 * A TCP proxy to a hub that passes plain HTTP and, while told to, drops every
 * WebSocket upgrade, as some corporate proxies do. Switching it to pass
 * WebSockets lets a test watch a client come back to them.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface WsProxy {
  port: number;
  /** Whether WebSocket upgrades get through, for connections from now on. */
  passWebSockets: boolean;
  /** Upgrades dropped so far. */
  dropped: number;
  close(): Promise<void>;
}

const MAX_HEAD_BYTES = 64 * 1024;

export function startWsProxy(hubPort: number, opts: { passWebSockets: boolean }): Promise<WsProxy> {
  const sockets = new Set<Socket>();
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };
  const proxy = { port: 0, passWebSockets: opts.passWebSockets, dropped: 0, close } as WsProxy;
  const server: Server = createServer((client) => {
    track(client);
    client.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const text = head.toString('latin1');
      if (!text.includes('\r\n\r\n') && head.length < MAX_HEAD_BYTES) return;
      client.off('data', onData);
      client.pause();
      if (/^upgrade:\s*websocket/im.test(text) && !proxy.passWebSockets) {
        proxy.dropped++;
        client.destroy();
        return;
      }
      const upstream = connect(hubPort, '127.0.0.1', () => {
        upstream.write(head);
        client.pipe(upstream).pipe(client);
        client.resume();
      });
      track(upstream);
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.on('close', () => upstream.destroy());
    };
    client.on('data', onData);
  });
  function close(): Promise<void> {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    proxy.port = (server.address() as { port: number }).port;
    resolve(proxy);
  }));
}
