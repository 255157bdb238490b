/**
 * A minimal WebSocket client for the load generator. It reads frames straight
 * from the TCP stream and counts message frames by their first bytes without
 * allocating or decoding them, so one core can take several million frames a
 * second: the load generator must not be what limits the servers measured.
 * Client frames are masked with a zero key (allowed by RFC 6455, and free).
 */
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface LeanOptions {
  localAddress?: string;
  timeoutMs?: number;
  /** A text frame starting with these bytes is a message: counted, decoded only if `onMessage` is set. */
  messagePrefix: Buffer;
}

const OP_TEXT = 1;
const OP_CLOSE = 8;
const OP_PING = 9;

export class LeanSocket {
  /** Message frames received. */
  messages = 0;
  onMessage: ((text: string) => void) | undefined;
  /** Every message frame, before `onMessage` (a cheap counter hook). */
  onCount: (() => void) | undefined;
  /** Text frames that are not messages (replies, pings of the protocol…). */
  onControl: (text: string) => void = () => {};
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly #socket: Socket;
  readonly #prefix: Buffer;
  #rest: Buffer | undefined;
  #fragments: Buffer[] | undefined;
  #onClosed!: (e: { code: number; reason: string }) => void;
  #closeCode = 1006;
  #closeReason = '';
  #corked = false;

  private constructor(socket: Socket, prefix: Buffer, rest: Buffer) {
    this.#socket = socket;
    this.#prefix = prefix;
    this.#rest = rest.length ? rest : undefined;
    this.closed = new Promise((resolve) => (this.#onClosed = resolve));
    socket.on('close', () => this.#onClosed({ code: this.#closeCode, reason: this.#closeReason }));
    socket.on('error', () => {});
  }

  /** Starts reading frames; call once the handlers are set, so no early frame is missed. */
  start(): void {
    const rest = this.#rest;
    this.#rest = undefined;
    if (rest) this.#onData(rest);
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.resume();
  }

  static connect(url: string, opts: LeanOptions): Promise<LeanSocket> {
    const u = new URL(url);
    const secure = u.protocol === 'wss:';
    const port = Number(u.port || (secure ? 443 : 80));
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const socket: Socket = secure
      ? tlsConnect({ host, port, servername: host, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) })
      : tcpConnect({ host, port, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
    socket.setNoDelay(true);
    return new Promise((resolve, reject) => {
      let head = Buffer.alloc(0);
      const timer = setTimeout(() => fail(new Error(`handshake with ${url} timed out`)), opts.timeoutMs ?? 10_000);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.once(secure ? 'secureConnect' : 'connect', () => {
        socket.write(
          `GET ${u.pathname || '/'}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
        );
      });
      socket.on('error', fail);
      const onData = (chunk: Buffer): void => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        socket.off('error', fail);
        socket.pause();
        clearTimeout(timer);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!/^HTTP\/1\.1 101/.test(status)) return fail(new Error(`${url} refused the WebSocket upgrade: ${status}`));
        resolve(new LeanSocket(socket, opts.messagePrefix, head.subarray(end + 4)));
      };
      socket.on('data', onData);
    });
  }

  #onData(chunk: Buffer): void {
    let buf = this.#rest ? Buffer.concat([this.#rest, chunk]) : chunk;
    this.#rest = undefined;
    let i = 0;
    const n = buf.length;
    while (n - i >= 2) {
      const b0 = buf[i]!;
      let len = buf[i + 1]! & 127;
      let header = 2;
      if (len === 126) {
        if (n - i < 4) break;
        len = buf.readUInt16BE(i + 2);
        header = 4;
      } else if (len === 127) {
        if (n - i < 10) break;
        len = buf.readUInt32BE(i + 6);
        header = 10;
      }
      if (n - i < header + len) break;
      this.#onFrame(b0, buf, i + header, i + header + len);
      i += header + len;
    }
    if (i < n) this.#rest = buf.subarray(i);
    buf = undefined as unknown as Buffer;
  }

  #onFrame(b0: number, buf: Buffer, start: number, end: number): void {
    const fin = (b0 & 0x80) !== 0;
    const op = b0 & 0x0f;
    if (op === OP_TEXT && fin) return this.#onText(buf, start, end);
    if (op === OP_TEXT || (op === 0 && this.#fragments)) {
      (this.#fragments ??= []).push(Buffer.from(buf.subarray(start, end)));
      if (fin) {
        const whole = Buffer.concat(this.#fragments);
        this.#fragments = undefined;
        this.#onText(whole, 0, whole.length);
      }
      return;
    }
    if (op === OP_PING) return this.#write(0x8a, buf.subarray(start, end));
    if (op === OP_CLOSE) {
      if (end - start >= 2) this.#closeCode = buf.readUInt16BE(start);
      this.#closeReason = buf.subarray(start + 2, end).toString();
      this.#socket.end();
    }
  }

  #onText(buf: Buffer, start: number, end: number): void {
    const p = this.#prefix;
    if (end - start > p.length && buf.compare(p, 0, p.length, start, start + p.length) === 0) {
      this.messages++;
      this.onCount?.();
      this.onMessage?.(buf.toString('utf8', start, end));
      return;
    }
    this.onControl(buf.toString('utf8', start, end));
  }

  #write(b0: number, payload: Buffer): void {
    const len = payload.length;
    const header = len < 126 ? 2 : len < 65536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(header + 4 + len);
    frame[0] = b0;
    if (len < 126) frame[1] = 0x80 | len;
    else if (len < 65536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(len, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeUInt32BE(0, 2);
      frame.writeUInt32BE(len, 6);
    }
    frame.writeUInt32BE(0, header); // zero mask key: the payload goes as it is
    payload.copy(frame, header + 4);
    this.#socket.write(frame);
  }

  send(text: string): void {
    if (this.#socket.destroyed) return;
    if (!this.#corked) {
      // Frames sent in one go (a publisher's burst) leave in one write.
      this.#corked = true;
      this.#socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        this.#socket.uncork();
      });
    }
    this.#write(0x81, Buffer.from(text));
  }

  get bufferedAmount(): number {
    return this.#socket.writableLength;
  }

  close(): void {
    this.#socket.destroy();
  }
}
