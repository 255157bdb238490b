/**
 * The Tidings client: one connection that reconnects by itself and makes the
 * hard part invisible. After every reconnect it resubscribes from each topic's
 * last offset and resends unacknowledged publishes with their keys, so the
 * application sees each message once, in order, and each publish is stored once.
 */
import { PROTOCOL_VERSION } from '../shared/constants.js';
import { CLOSE_CODES, TidingsError, type CloseAction } from '../shared/errors.js';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
import { Emitter } from './emitter.js';
import { MemoryOffsetStore } from './offset-store.js';
import { PublishQueue, type PublishResult } from './publisher.js';
import { OPEN, type SocketLike } from './socket.js';
import { TransportPicker, type Transport } from './transport-picker.js';
import { Replies, toError, type Waiter } from './replies.js';
import type { From, Message, Subscription } from './subscription.js';
import { Subscriptions } from './subscriptions.js';
import type { ClientEvents, ClientOptions, ConnectionState } from './options.js';
import { encodePublishData, keyProblem } from './publish-check.js';
import { TokenRefresher } from './token-refresher.js';

export type { ClientEvents, ClientOptions, ConnectionState, StateChange, TransportChange, TransportChoice } from './options.js';
export type { Transport } from './transport-picker.js';

/** What to do after a close, from the one table of PROTOCOL.md §8; unlisted codes reconnect. */
function closeAction(code: number): CloseAction {
  return (CLOSE_CODES as Record<number, { action: CloseAction } | undefined>)[code]?.action ?? 'reconnect';
}
const CLIENT_NAME = 'tidings-js/0.1.0';
const DEFAULT_HEARTBEAT_MS = 25_000;

export class TidingsClient extends Emitter<ClientEvents> {
  readonly url: string;
  state: ConnectionState = 'disconnected';
  /** Limits the hub announced in its hello reply. */
  limits = { maxPayload: 65_536, maxSubscriptions: 1000 };
  readonly #opts: ClientOptions;
  readonly #picker: TransportPicker;
  /** The transport of the current or last connection attempt. */
  transport: Transport = 'websocket';
  /** The transport of the last connection that got connected. */
  #connectedOver: Transport | undefined;
  readonly #backoff: BackoffOptions;
  readonly #subs: Subscriptions;
  readonly #publishes: PublishQueue;
  readonly #replies: Replies;
  #socket: SocketLike | undefined;
  #attempt = 0;
  #token: string | undefined;
  /** No reconnecting until `connect()`. */
  #closed = false;
  /** `close()` was called. */
  #ended = false;
  /** Why the hub ended this client for good (1000, 4400, an unsupported protocol); cleared by `connect()`. */
  #stopped: TidingsError | undefined;
  /** The hub refused the token in hello: refresh it before the next attempt. */
  #refreshBeforeReconnect = false;
  /** Bumped by `connect()`/`disconnect()`, so a reconnect scheduled before them does nothing. */
  #generation = 0;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  #heartbeatMs = DEFAULT_HEARTBEAT_MS;
  #lastHeard = 0;
  readonly #refresher: TokenRefresher | undefined;

  constructor(url: string, opts: ClientOptions = {}) {
    super();
    this.url = url;
    this.#opts = opts;
    this.#picker = new TransportPicker(url, opts, () => this.#token);
    this.#backoff = { ...DEFAULT_BACKOFF, ...opts.backoff };
    this.#publishes = new PublishQueue(opts.maxQueuedPublishes ?? 1000);
    this.#replies = new Replies(this.#publishes);
    this.#token = opts.token;
    this.#refresher = opts.refreshToken && new TokenRefresher(opts.refreshToken, (token) => this.setToken(token), (error) => {
      this.emit('error', new TidingsError('unauthorized', 'refreshing the token failed', { cause: error }));
    });
    const client = this;
    this.#subs = new Subscriptions({
      call: (frame, waiter) => this.#call(frame, waiter),
      get connected() { return client.state === 'connected'; },
      get overSse() { return client.transport === 'sse'; },
      get connection() { return client.#socket; },
      hasWebSocket: this.#picker.hasWebSocket,
      backoff: this.#backoff,
      onError: (error) => this.emit('error', error),
    }, opts.offsetStore ?? new MemoryOffsetStore());
    // Deferred so listeners added right after construction see the first transition;
    // a disconnect() or close() before then wins.
    if (opts.autoConnect ?? true) queueMicrotask(() => this.#generation === 0 && this.connect());
  }

  /** Opens the connection (again, after `close()` too). */
  connect(): void {
    if (this.state !== 'disconnected' || this.#reconnectTimer) return;
    this.#generation++;
    this.#attempt = 0;
    this.#closed = false;
    this.#ended = false;
    this.#stopped = undefined;
    this.#open(this.#picker.first());
  }

  #setState(to: ConnectionState, reason: string): void {
    if (this.state === to) return;
    const from = this.state;
    this.state = to;
    this.emit('state', { from, to, reason });
  }

  #open(transport: Transport): void {
    this.#setState('connecting', this.#attempt === 0 ? 'connect' : `reconnect attempt ${this.#attempt}`);
    this.transport = transport;
    this.#picker.attempt(transport);
    let socket: SocketLike;
    try {
      socket = this.#picker.open(transport);
    } catch (error) {
      this.#onClosed(1006, error instanceof Error ? error.message : String(error));
      return;
    }
    this.#attach(socket);
  }

  #attach(socket: SocketLike): void {
    this.#socket = socket;
    socket.onopen = () => {
      this.#picker.opened();
      void this.#hello(socket);
    };
    socket.onmessage = (event) => {
      if (this.#socket === socket) this.#onFrame(String(event.data));
    };
    socket.onclose = (event) => {
      if (this.#socket === socket) this.#onClosed(event.code, event.reason || 'connection closed');
    };
    socket.onerror = () => {};
  }

  /** A background WebSocket opened while on SSE: it becomes the connection, and every subscription resumes on it. */
  #switchToWebSocket(socket: SocketLike): void {
    const sse = this.#socket;
    this.#teardown(1000, 'switching to WebSocket');
    sse?.close(1000, 'switching to WebSocket');
    this.#setState('connecting', 'switching to WebSocket');
    this.transport = 'websocket';
    this.#picker.attempt('websocket');
    this.#picker.opened();
    this.#attach(socket);
    void this.#hello(socket);
  }

  async #hello(socket: SocketLike): Promise<void> {
    this.#lastHeard = Date.now();
    let reply: Record<string, unknown>;
    try {
      reply = await this.#request(helloFrame(this.#token));
    } catch (error) {
      if (!(error instanceof TidingsError)) return;
      if (error.closeCode !== undefined) return; // the connection dropped: the close handler retries
      this.emit('error', error);
      if (error.code === 'unsupported_protocol') {
        this.#stop(error);
        socket.close(1000, 'unsupported protocol');
        this.#onClosed(1000, `hello refused: ${error.message}`);
        return;
      }
      if (error.code === 'unauthorized') this.#refreshBeforeReconnect = true;
      socket.close(4000, 'hello failed');
      return;
    }
    this.#heartbeatMs = typeof reply.heartbeat === 'number' ? reply.heartbeat : DEFAULT_HEARTBEAT_MS;
    if (reply.limits && typeof reply.limits === 'object') this.limits = { ...this.limits, ...(reply.limits as object) };
    this.#attempt = 0;
    this.#startHeartbeat();
    this.#refresher?.schedule(this.#token);
    this.#setState('connected', 'hello answered');
    if (this.transport !== this.#connectedOver) {
      const from = this.#connectedOver;
      this.#connectedOver = this.transport;
      this.emit('transport', { from, to: this.transport, reason: this.#picker.reason(from, this.transport) });
    }
    if (this.transport === 'sse') this.#picker.probe((ws) => this.#switchToWebSocket(ws));
    this.#subs.resendAll();
    for (const p of this.#publishes.all()) this.#sendPublish(p.id);
  }

  #startHeartbeat(): void {
    clearInterval(this.#heartbeatTimer);
    this.#heartbeatTimer = setInterval(() => {
      if (Date.now() - this.#lastHeard > 2 * this.#heartbeatMs) {
        // Silent for twice the heartbeat: the connection is dead even if the socket does not know it.
        this.#socket?.close(4000, 'heartbeat timeout');
        this.#onClosed(1006, 'heartbeat timeout: nothing heard for 2 x heartbeat');
      }
    }, Math.max(50, this.#heartbeatMs / 4));
  }

  #onFrame(text: string): void {
    this.#lastHeard = Date.now();
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (frame.op) {
      case 'message':
        return this.#subs.route(frame as unknown as Message<never>);
      case 'reply':
        return this.#replies.onReply(frame);
      case 'ping':
        this.#send({ op: 'pong' });
        return;
      case 'ended':
        return this.#subs.onEnded(String(frame.topic), String(frame.reason));
      case 'error':
        this.emit('error', toError(frame.error));
    }
  }

  #send(frame: object): boolean {
    const socket = this.#socket;
    if (!socket || socket.readyState !== OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  /** Sends a request; `waiter` is called synchronously with its reply, or when the connection is gone. */
  #call(frame: Record<string, unknown>, waiter: Waiter): void {
    const id = this.#replies.wait(waiter);
    if (!this.#send({ ...frame, id })) {
      this.#replies.forget(id);
      waiter.reject(new TidingsError('unavailable', 'not connected', { closeCode: 1006 }));
    }
  }

  #request(frame: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => this.#call(frame, { resolve, reject }));
  }

  #onClosed(code: number, reason: string): void {
    this.#teardown(code, reason);
    if (this.#closed) return;
    const action = closeAction(code);
    if (action === 'stop' || action === 'fix_client') {
      this.#stop(new TidingsError('unavailable', `connection closed (${code}): ${reason}`, { closeCode: code }));
      return;
    }
    const delay = backoffDelay(this.#attempt++, this.#backoff);
    const generation = this.#generation;
    this.#reconnectTimer = setTimeout(() => void this.#reconnect(code, generation), delay);
  }

  /** Lets go of the connection: requests waiting on it reject (and are sent again on the next one). */
  #teardown(code: number, reason: string): void {
    clearInterval(this.#heartbeatTimer);
    this.#refresher?.cancel();
    this.#picker.stop();
    this.#heartbeatTimer = undefined;
    const socket = this.#socket;
    this.#socket = undefined;
    this.#subs.connectionLost();
    if (socket) socket.onopen = socket.onmessage = socket.onclose = null;
    this.#replies.drop(new TidingsError('unavailable', `connection closed (${code}): ${reason}`, { closeCode: code }));
    this.#setState('disconnected', `${code} ${reason}`);
  }

  /** No reconnect until `connect()`; waiting and new publishes reject with `reason`. */
  #stop(reason: TidingsError): void {
    this.#closed = true;
    this.#stopped = reason;
    this.#publishes.rejectAll(reason);
  }

  async #reconnect(code: number, generation: number): Promise<void> {
    if ((closeAction(code) === 'refresh_token' || this.#refreshBeforeReconnect) && this.#opts.refreshToken) {
      this.#refreshBeforeReconnect = false;
      try {
        this.#token = await this.#opts.refreshToken();
      } catch (error) {
        this.emit('error', new TidingsError('unauthorized', 'refreshing the token failed', { cause: error }));
      }
    }
    const transport = await this.#picker.next();
    if (generation !== this.#generation) return; // disconnect() or connect() came in meanwhile
    this.#reconnectTimer = undefined;
    if (!this.#closed) this.#open(transport);
  }

  /**
   * Replaces the token. On an open connection it goes to the hub at once (hello),
   * which then keeps the connection past the old token's expiry; rejects if refused.
   */
  async setToken(token: string): Promise<void> {
    this.#token = token;
    if (this.state !== 'connected') return;
    await this.#request(helloFrame(token));
    this.#refresher?.schedule(token);
  }

  /** Subscribes to a topic (or a wildcard pattern); messages go to `onMessage` and to `for await`. */
  subscribe<T = unknown>(topic: string, onMessage?: (message: Message<T>) => void, options: { from?: From } = {}): Subscription<T> {
    return this.#subs.add(topic, onMessage, options?.from ?? 'live');
  }

  /** The subscription to this exact topic or pattern, if any: two parts of an app can share one. */
  subscription<T = unknown>(topic: string): Subscription<T> | undefined {
    return this.#subs.get<T>(topic);
  }

  /** Stops a subscription (as `sub.unsubscribe()` does): no message follows, iterators finish. */
  unsubscribe(sub: Subscription<never>): Promise<void> {
    return this.#subs.unsubscribe(sub);
  }

  /** Publishes and resolves once the hub stored it; survives reconnects (stored once, by its key). */
  publish(topic: string, data: unknown, options: { key?: string } = {}): Promise<PublishResult> {
    const checked = this.#check(topic, data);
    if (checked instanceof TidingsError) return Promise.reject(checked);
    if (this.#stopped) return Promise.reject(this.#stopped);
    const badKey = keyProblem(options?.key);
    if (badKey) return Promise.reject(badKey);
    const { id, done, added } = this.#publishes.add(topic, checked, options?.key);
    if (added && this.state === 'connected') this.#sendPublish(id);
    return done;
  }

  /** Fire-and-forget (tickers): sent only while connected; returns whether it was. */
  publishNoAck(topic: string, data: unknown): boolean {
    const checked = this.#check(topic, data);
    if (checked instanceof TidingsError || this.state !== 'connected' || this.#socket?.readyState !== OPEN) return false;
    this.#socket.send(`{"op":"publish","topic":${JSON.stringify(topic)},"data":${checked}}`);
    return true;
  }

  /** The data as JSON text, or why the publish is refused before it is sent. */
  #check(topic: string, data: unknown): string | TidingsError {
    if (this.#ended) return new TidingsError('unavailable', 'the client is closed');
    return encodePublishData(topic, data, this.limits.maxPayload);
  }

  #sendPublish(publish: string): void {
    const p = this.#publishes.get(publish);
    if (!p) return;
    const id = this.#replies.publish(publish);
    const socket = this.#socket;
    if (socket?.readyState === OPEN) {
      socket.send(`{"op":"publish","id":${id},"topic":${JSON.stringify(p.topic)},"data":${p.data},"key":${JSON.stringify(p.key)}}`);
    }
  }

  /** Publishes waiting for a connection or a reply. */
  get pendingPublishes(): number {
    return this.#publishes.size;
  }

  /**
   * Drops the connection and stays offline until `connect()`, keeping
   * subscriptions and queued publishes: they resume on the next connection.
   */
  disconnect(): void {
    this.#generation++;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#socket?.close(1000, 'client disconnected');
    this.#onClosed(1000, 'disconnected by the client');
  }

  /** Ends everything: the connection (1000), reconnects, timers, subscriptions; waiting publishes reject. */
  close(): void {
    this.#ended = true;
    this.disconnect();
    this.#publishes.rejectAll(new TidingsError('unavailable', 'the client was closed'));
    this.#subs.endAll();
  }
}

function helloFrame(token: string | undefined): Record<string, unknown> {
  return { op: 'hello', protocol: PROTOCOL_VERSION, client: CLIENT_NAME, ...(token ? { token } : {}) };
}
