/**
 * The hub: connections, topics, subscriptions, fan-out. It sees transports only
 * as `Connection`s and storage only as a `LogStore`; main.ts picks both.
 */
import type { Logger } from 'pino';
import { CLOSE, TidingsError } from '../../shared/errors.js';
import type { Request } from '../../shared/protocol.js';
import { OPEN_GRANTS, type Grants } from '../auth/grants.js';
import type { TokenVerifier } from '../auth/verifier.js';
import type { Connection, ConnectionEvents, ConnectionHandler, UpgradeInfo } from '../transport/connection.js';
import type { AppendInput, AppendResult, LogStore } from '../store/log-store.js';
import { decodeRequest, encodeMessage, PING_FRAME } from '../protocol/codec.js';
import { dispatch } from './ops/index.js';
import { helloReply, protocolSupported } from './ops/hello.js';
import { Outbox } from './outbox.js';
import { Session, type SessionLimits } from './session.js';
import { HubStats } from './stats.js';
import type { Subscription } from './subscription.js';
import { TopicState } from './topic-state.js';
import { WildcardIndex } from './wildcard-index.js';

export interface HubOptions {
  store: LogStore;
  log: Logger;
  /** Ping after this long without traffic; close after twice this without hearing from the client. */
  heartbeatMs: number;
  /** Largest `data`, in bytes of its JSON. */
  maxPayloadBytes: number;
  maxSubscriptions: number;
  /** Slow-consumer limit: bytes waiting for one client past which it is closed (4009). */
  maxBufferedBytes: number;
  /** Checks tokens; undefined when auth is off and everyone may do everything. */
  verifier?: TokenVerifier | undefined;
  /** With auth on, how long a connection has to present a valid token. */
  handshakeTimeoutMs: number;
  /** Connection limits (4008 past them); 0 for none. */
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Per connection and second; 0 for none. */
  maxPublishRate: number;
  maxFrameRate: number;
}

export class Hub implements ConnectionHandler {
  readonly opts: HubOptions;
  readonly store: LogStore;
  readonly log: Logger;
  readonly sessions = new Set<Session>();
  readonly topics = new Map<string, TopicState>();
  readonly wildcards = new WildcardIndex<Subscription>();
  readonly outbox: Outbox;
  /** Running totals for /metrics (server/metrics.ts). */
  readonly stats = new HubStats();
  closing = false;
  #stamp = 0;
  #nextConn = 1;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly #sessionLimits: SessionLimits;
  /** Open connections by remote address, for the per-IP limit. */
  readonly #perIp = new Map<string, number>();

  constructor(opts: HubOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.log = opts.log;
    this.#sessionLimits = {
      maxBufferedBytes: opts.maxBufferedBytes, maxPublishRate: opts.maxPublishRate, maxFrameRate: opts.maxFrameRate,
    };
    this.outbox = new Outbox((error) => this.log.error({ err: error }, 'flushing a connection failed'));
  }

  start(): void {
    const tick = Math.max(50, Math.min(1000, this.opts.heartbeatMs / 4));
    this.#heartbeat = setInterval(() => this.#checkHeartbeats(Date.now()), tick);
    this.#heartbeat.unref();
  }

  /** `grants`: the connection's token was checked already (an HTTP request's, for an event stream). */
  onOpen(conn: Connection, info: UpgradeInfo, grants?: Grants): ConnectionEvents {
    const session = new Session(conn, this.log, this.#nextConn++, this.outbox, this.#sessionLimits, this.stats);
    const refused = this.closing ? 'server shutting down' : this.#overConnectionLimit(conn.remoteAddress);
    if (refused) {
      if (!this.closing) this.stats.connectionsRefused++;
      conn.close(this.closing ? CLOSE.GOING_AWAY : CLOSE.POLICY, refused);
      session.ended();
      return new SessionEvents(this, session);
    }
    this.sessions.add(session);
    session.onClosing = () => this.#dropSubscriptions(session);
    this.#perIp.set(conn.remoteAddress, (this.#perIp.get(conn.remoteAddress) ?? 0) + 1);
    if (this.log.isLevelEnabled('debug')) session.log.debug({ remote: conn.remoteAddress, url: info.url }, 'connection opened');
    const verifier = this.opts.verifier;
    if (!verifier) session.grants = OPEN_GRANTS;
    else if (grants) session.grants = grants;
    else {
      const token = info.query.get('token');
      if (token !== null) this.#checkToken(session, verifier, token, undefined);
    }
    return new SessionEvents(this, session);
  }

  /** Why a new connection from `ip` is refused, if it is. */
  #overConnectionLimit(ip: string): string | undefined {
    const { maxConnections, maxConnectionsPerIp } = this.opts;
    if (maxConnections > 0 && this.sessions.size >= maxConnections) return `the hub holds its limit of ${maxConnections} connections`;
    if (maxConnectionsPerIp > 0 && (this.#perIp.get(ip) ?? 0) >= maxConnectionsPerIp) {
      return `${maxConnectionsPerIp} connections from one address is the limit`;
    }
    return undefined;
  }

  /** A text frame from a session's client. */
  onText(session: Session, text: string): void {
    const now = Date.now();
    session.lastReceivedAt = now;
    this.stats.receivedBytes += text.length;
    // Stopping: frames are no longer read. The 1001 close that follows tells clients to
    // reconnect and resend what was not answered; a keyed publish is then stored once.
    if (session.closed || this.closing) return;
    if (!session.frameAllowed(now)) {
      session.fail(undefined, { code: 'rate_limited', message: `more than ${this.opts.maxFrameRate} frames a second` });
      return session.close(CLOSE.POLICY, 'frame rate over its limit');
    }
    if (session.held) {
      if (!session.hold(text)) session.close(CLOSE.POLICY, 'too many frames while the token is checked');
      return;
    }
    this.#handle(session, text);
  }

  #handle(session: Session, text: string): void {
    const decoded = decodeRequest(text);
    if (!decoded.ok) return session.fail(decoded.id, decoded.error, decoded.malformed);
    const req = decoded.req;
    if (req.op === 'hello' && this.opts.verifier && protocolSupported(req.protocol)) {
      if (req.token === undefined) {
        session.fail(req.id, { code: 'unauthorized', message: 'this hub needs a token in hello' });
        if (!session.grants) session.close(CLOSE.UNAUTHORIZED, 'no token');
        return;
      }
      return this.#checkToken(session, this.opts.verifier, req.token, req.id);
    }
    if (!session.grants && req.op !== 'hello' && req.op !== 'pong') {
      return session.fail(req.id, { code: 'unauthorized', message: 'send hello with a token first' });
    }
    try {
      dispatch(this, session, req);
    } catch (error) {
      this.internalError(session, req, error);
    }
  }

  /**
   * Checks a token (from hello, or `?token=` when `helloId` is undefined): frames
   * that arrive meanwhile wait, then run in order. A bad token on a connection
   * without grants ends it with 4001; a bad refresh keeps the grants it has.
   */
  #checkToken(session: Session, verifier: TokenVerifier, token: string, helloId: number | undefined): void {
    session.held ??= [];
    verifier.verify(token).then(
      (grants: Grants) => {
        if (session.closed) return;
        session.grants = grants;
        if (session.log.isLevelEnabled('debug')) session.log.debug({ sub: grants.subject }, 'authenticated');
        if (helloId !== undefined) helloReply(this, session, helloId);
      },
      (error: unknown) => {
        this.stats.authFailures++;
        if (session.closed) return;
        const wire = error instanceof TidingsError ? error.toWire() : { code: 'unauthorized' as const, message: 'the token is not valid' };
        session.fail(helloId, wire);
        if (!session.grants) session.close(CLOSE.UNAUTHORIZED, wire.message.slice(0, 100));
      },
    ).finally(() => this.#release(session));
  }

  /** Handles the frames held during a token check. */
  #release(session: Session): void {
    const held = session.held;
    session.held = undefined;
    if (!held) return;
    for (let i = 0; i < held.length; i++) {
      if (session.closed) return;
      // Another hello started a new check: the rest wait for it.
      if (session.held) {
        (session.held as string[]).push(...held.slice(i));
        return;
      }
      this.#handle(session, held[i] as string);
    }
  }

  /** A bug: logged with the request's context; the client gets only the code. */
  internalError(session: Session, req: Request, error: unknown): void {
    session.log.error({ err: error, op: req.op, id: req.id }, 'internal error');
    session.fail(req.id, { code: 'internal', message: 'internal error' });
  }

  onClose(session: Session, code: number, reason: string): void {
    session.ended();
    if (!this.sessions.delete(session)) return;
    const ip = session.conn.remoteAddress;
    const left = (this.#perIp.get(ip) ?? 1) - 1;
    if (left > 0) this.#perIp.set(ip, left);
    else this.#perIp.delete(ip);
    this.#dropSubscriptions(session);
    if (this.log.isLevelEnabled('debug')) session.log.debug({ code, reason }, 'connection closed');
  }

  #dropSubscriptions(session: Session): void {
    for (const sub of [...session.subs.values()]) this.dropSubscription(sub);
  }

  /** The topic's live state, created from the store's bounds when first needed. */
  topicState(name: string): TopicState {
    let topic = this.topics.get(name);
    if (!topic) {
      // No publish to this topic is in flight (each goes through its TopicState), so the stored head is the delivered head.
      topic = new TopicState(name, this.store.bounds(name)?.head ?? 0);
      this.topics.set(name, topic);
    }
    return topic;
  }

  /** Forgets a topic's state once nothing uses it, so memory follows activity. */
  release(topic: TopicState): void {
    if (!topic.idle || this.topics.get(topic.name) !== topic) return;
    this.topics.delete(topic.name);
    if (topic.deliveredHead === 0) this.store.forget(topic.name);
  }

  dropSubscription(sub: Subscription): void {
    sub.cancelled = true;
    const session = sub.session;
    if (session.subs.get(sub.topic) === sub) session.subs.delete(sub.topic);
    if (sub.wildcard) {
      this.wildcards.remove(sub.topic, sub);
      return;
    }
    const topic = this.topics.get(sub.topic);
    if (!topic) return;
    topic.subscribers.delete(sub);
    this.release(topic);
  }

  /**
   * Stores a message, then fans it out (a duplicate key is not delivered again).
   * `topic` must be valid and `input.data` within the payload limit.
   */
  append(topicName: string, input: AppendInput): Promise<AppendResult> {
    const stats = this.stats;
    if (this.closing) {
      stats.publishesFailed++;
      return Promise.reject(new TidingsError('unavailable', 'the server is shutting down'));
    }
    const topic = this.topicState(topicName);
    topic.inflight++;
    const started = stats.appendTimers.size > 0 ? performance.now() : -1;
    return this.store.append(topicName, input).then(
      (result) => {
        if (started >= 0) {
          const seconds = (performance.now() - started) / 1000;
          for (const timer of stats.appendTimers) timer(seconds);
        }
        topic.inflight--;
        if (result.duplicate) stats.publishesDuplicate++;
        else {
          stats.publishesStored++;
          this.deliver(topic, result.offset, input.time, input.data);
        }
        this.release(topic);
        return result;
      },
      (error: unknown) => {
        stats.publishesFailed++;
        topic.inflight--;
        this.release(topic);
        throw error;
      },
    );
  }

  /** Fans a stored message out to live subscribers: one frame, shared by all. */
  deliver(topic: TopicState, offset: number, time: number, data: string): void {
    if (offset !== topic.deliveredHead + 1) {
      this.log.error({ topic: topic.name, offset, head: topic.deliveredHead }, 'delivery out of order');
    }
    topic.deliveredHead = offset;
    if (topic.wildcardVersion !== this.wildcards.version) {
      topic.wildcards = this.wildcards.match(topic.name);
      topic.wildcardVersion = this.wildcards.version;
    }
    if (topic.subscribers.size === 0 && topic.wildcards.length === 0) return;
    const text = encodeMessage(topic.json, offset, time, data);
    // Many receivers: encode to UTF-8 once here, not once per receiver in the transport.
    const frame = topic.subscribers.size + topic.wildcards.length > 1 ? Buffer.from(text) : text;
    const stamp = ++this.#stamp;
    let pushed = 0;
    for (const sub of topic.subscribers) {
      if (sub.state !== 'live') continue;
      sub.cursor = offset;
      const session = sub.session;
      session.stamp = stamp;
      if (session.closed) continue;
      session.push(frame);
      pushed++;
    }
    for (const sub of topic.wildcards) {
      const session = sub.session;
      if (session.stamp === stamp) continue;
      // The connection's own exact subscription, not live yet, sends this message
      // after its reply, in offset order: sending it now as well would deliver it
      // twice, out of order (PROTOCOL.md §3).
      const exact = session.subs.get(topic.name);
      if (exact !== undefined && exact.state !== 'live') continue;
      session.stamp = stamp;
      if (session.closed) continue;
      session.push(frame);
      pushed++;
    }
    this.stats.liveDeliveries += pushed;
  }

  #checkHeartbeats(now: number): void {
    const beat = this.opts.heartbeatMs;
    const handshakeMs = this.opts.handshakeTimeoutMs;
    for (const session of this.sessions) {
      if (session.closed) continue;
      const grants = session.grants;
      if (grants ? now >= grants.expiresAt : !session.held && now - session.openedAt >= handshakeMs) {
        session.fail(undefined, { code: 'unauthorized', message: grants ? 'the token has expired' : `no valid token within ${handshakeMs} ms` });
        session.close(CLOSE.UNAUTHORIZED, grants ? 'token expired' : 'no valid token in time');
        continue;
      }
      const silentFor = now - session.lastReceivedAt;
      if (silentFor >= 2 * beat && !session.conn.listenOnly) {
        session.close(CLOSE.POLICY, 'heartbeat timeout: nothing heard for 2 x heartbeat');
      } else if (now - session.lastSentAt >= beat || (silentFor >= beat && session.pingedAt < session.lastReceivedAt)) {
        session.pingedAt = now;
        session.push(PING_FRAME);
      }
    }
  }

  /** Publishes still being stored. */
  get inflight(): number {
    let n = 0;
    for (const topic of this.topics.values()) n += topic.inflight;
    return n;
  }

  /**
   * Graceful stop: read no more frames, let publishes in flight be stored and
   * answered (until `deadline`), then close every connection with 1001.
   */
  async shutdown(deadline: number): Promise<void> {
    this.closing = true;
    clearInterval(this.#heartbeat);
    while (this.inflight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    this.outbox.flushAll();
    for (const session of this.sessions) session.close(CLOSE.GOING_AWAY, 'server shutting down');
  }
}

/**
 * A session's transport events, as one small object rather than four closures:
 * idle connections are most of a hub's memory.
 */
class SessionEvents implements ConnectionEvents {
  readonly #hub: Hub;
  readonly #session: Session;

  constructor(hub: Hub, session: Session) {
    this.#hub = hub;
    this.#session = session;
  }

  onText(text: string): void {
    this.#hub.onText(this.#session, text);
  }

  onBinary(): void {
    const session = this.#session;
    session.lastReceivedAt = Date.now();
    session.fail(undefined, { code: 'bad_request', message: 'binary frames are not part of protocol v1' });
    session.close(CLOSE.PROTOCOL_VIOLATION, 'binary frame');
  }

  onDrain(): void {
    this.#session.drained();
  }

  onClose(code: number, reason: string): void {
    this.#hub.onClose(this.#session, code, reason);
  }
}
