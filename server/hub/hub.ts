/**
 * The hub: connections, topics, subscriptions, fan-out. It sees transports only
 * as `Connection`s and storage only as a `LogStore`; main.ts picks both.
 */
import type { Logger } from 'pino';
import { CLOSE, TidingsError } from '../../shared/errors.js';
import type { Request } from '../../shared/protocol.js';
import type { Connection, ConnectionEvents, ConnectionHandler, UpgradeInfo } from '../transport/connection.js';
import type { AppendInput, AppendResult, LogStore } from '../store/log-store.js';
import { decodeRequest, encodeMessage, PING_FRAME } from '../protocol/codec.js';
import { dispatch } from './ops/index.js';
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

  constructor(opts: HubOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.log = opts.log;
    this.#sessionLimits = { maxBufferedBytes: opts.maxBufferedBytes };
    this.outbox = new Outbox((error) => this.log.error({ err: error }, 'flushing a connection failed'));
  }

  start(): void {
    const tick = Math.max(50, Math.min(1000, this.opts.heartbeatMs / 4));
    this.#heartbeat = setInterval(() => this.#checkHeartbeats(Date.now()), tick);
    this.#heartbeat.unref();
  }

  onOpen(conn: Connection, info: UpgradeInfo): ConnectionEvents {
    const session = new Session(conn, this.log, this.#nextConn++, this.outbox, this.#sessionLimits, this.stats);
    if (this.closing) {
      conn.close(CLOSE.GOING_AWAY, 'server shutting down');
      session.ended();
    } else this.sessions.add(session);
    if (this.log.isLevelEnabled('debug')) session.log.debug({ remote: conn.remoteAddress, url: info.url }, 'connection opened');
    return new SessionEvents(this, session);
  }

  /** A text frame from a session's client. */
  onText(session: Session, text: string): void {
    session.lastReceivedAt = Date.now();
    this.stats.receivedBytes += text.length;
    // Stopping: frames are no longer read. The 1001 close that follows tells clients to
    // reconnect and resend what was not answered; a keyed publish is then stored once.
    if (session.closed || this.closing) return;
    const decoded = decodeRequest(text);
    if (!decoded.ok) return session.fail(decoded.id, decoded.error, decoded.malformed);
    try {
      dispatch(this, session, decoded.req);
    } catch (error) {
      this.internalError(session, decoded.req, error);
    }
  }

  /** A bug: logged with the request's context; the client gets only the code. */
  internalError(session: Session, req: Request, error: unknown): void {
    session.log.error({ err: error, op: req.op, id: req.id }, 'internal error');
    session.fail(req.id, { code: 'internal', message: 'internal error' });
  }

  onClose(session: Session, code: number, reason: string): void {
    session.ended();
    this.sessions.delete(session);
    for (const sub of session.subs.values()) this.dropSubscription(sub);
    if (this.log.isLevelEnabled('debug')) session.log.debug({ code, reason }, 'connection closed');
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
    if (topic.idle && this.topics.get(topic.name) === topic) this.topics.delete(topic.name);
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
      // The connection's own replay of this topic sends this message later, in
      // offset order: sending it now as well would deliver it twice, out of order.
      if (session.subs.get(topic.name)?.state === 'replaying') continue;
      session.stamp = stamp;
      if (session.closed) continue;
      session.push(frame);
      pushed++;
    }
    this.stats.liveDeliveries += pushed;
  }

  #checkHeartbeats(now: number): void {
    const beat = this.opts.heartbeatMs;
    for (const session of this.sessions) {
      if (session.closed) continue;
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
