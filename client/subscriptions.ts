/**
 * A client's subscriptions: one per topic or pattern, sent on every connection,
 * and each incoming message routed to the ones it belongs to, once each, in
 * order (PROTOCOL.md §3). The connection itself is the client's; this asks it
 * through a small link.
 */
import { TidingsError } from '../shared/errors.js';
import { checkPattern, checkTopic, isWildcard, matchesPattern } from '../shared/topics.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';
import type { OffsetStore } from './offset-store.js';
import type { Waiter } from './replies.js';
import { fromProblem, Subscription, type From, type Message, type SubscribedInfo } from './subscription.js';
import { WILDCARD_NEEDS_WEBSOCKET } from './transport-picker.js';
import { WildcardGuards } from './wildcard-guards.js';

/** What the subscriptions need of the connection. */
export interface SubscriptionLink {
  /** Sends a request; the waiter is called synchronously with its reply, or rejects when not connected. */
  call(frame: Record<string, unknown>, waiter: Waiter): void;
  /** Connected now, and over which transport; `connection` changes with every new connection. */
  readonly connected: boolean;
  readonly overSse: boolean;
  readonly connection: unknown;
  readonly hasWebSocket: boolean;
  readonly backoff: BackoffOptions;
  onError(error: TidingsError): void;
}

export class Subscriptions {
  readonly #link: SubscriptionLink;
  readonly #offsets: OffsetStore;
  readonly #subs = new Map<string, Subscription<never>>();
  readonly #guards = new WildcardGuards();

  constructor(link: SubscriptionLink, offsets: OffsetStore) {
    this.#link = link;
    this.#offsets = offsets;
  }

  /** A new subscription, sent now if connected; throws a TidingsError for a bad topic, `from` or duplicate. */
  add<T>(topic: string, onMessage: ((message: Message<T>) => void) | undefined, from: From): Subscription<T> {
    if (typeof topic !== 'string') throw new TidingsError('invalid_topic', 'a topic is a string');
    const badFrom = fromProblem(from);
    if (badFrom) throw new TidingsError('bad_request', badFrom);
    const wildcard = isWildcard(topic);
    const check = wildcard ? checkPattern(topic) : checkTopic(topic);
    if (!check.ok) throw new TidingsError('invalid_topic', check.reason);
    if (wildcard && from !== 'live') throw new TidingsError('bad_request', 'a wildcard subscription is live only');
    if (wildcard && !this.#link.hasWebSocket) throw new TidingsError('bad_request', WILDCARD_NEEDS_WEBSOCKET);
    if (this.#subs.has(topic)) {
      throw new TidingsError('already_subscribed', `already subscribed to ${topic}: share that subscription with client.subscription(${JSON.stringify(topic)}), or unsubscribe it first`);
    }
    const sub = new Subscription<T>(this, topic, wildcard, from, this.#offsets);
    if (onMessage) sub.on('message', onMessage);
    this.#subs.set(topic, sub as unknown as Subscription<never>);
    if (this.#link.connected) this.#send(sub as unknown as Subscription<never>);
    return sub;
  }

  get<T>(topic: string): Subscription<T> | undefined {
    return this.#subs.get(topic) as Subscription<T> | undefined;
  }

  /** A new connection is up: every subscription is sent on it, from its position. */
  resendAll(): void {
    for (const sub of this.#subs.values()) this.#send(sub);
  }

  /** The connection is gone: what guarded its frames goes with it. */
  connectionLost(): void {
    this.#guards.clear();
  }

  route(message: Message<never>): void {
    this.#subs.get(message.topic)?.onMessage(message);
    const news = this.#guards.passes(message.topic, message.offset);
    if (!news || this.#link.overSse) return; // over SSE, wildcards wait for a WebSocket
    for (const sub of this.#subs.values()) {
      if (sub.wildcard && matchesPattern(sub.topic, message.topic)) sub.onMessage(message);
    }
  }

  /**
   * The hub ended one subscription (PROTOCOL.md §4): it is sent again from its
   * position, and the reply says what was lost. A store that cannot be read is
   * retried with the backoff, so a lasting failure is not a tight loop.
   */
  onEnded(topic: string, reason: string): void {
    const sub = this.#subs.get(topic);
    if (!sub || sub.wildcard) return;
    // On another connection the subscription was sent again already.
    const connection = this.#link.connection;
    const retry = (): void => {
      if (this.#subs.get(topic) === sub && this.#link.connected && this.#link.connection === connection) this.#send(sub);
    };
    if (reason !== 'unavailable') return retry();
    setTimeout(retry, backoffDelay(sub.endedInARow++, this.#link.backoff));
  }

  #send(sub: Subscription<never>): void {
    if (sub.wildcard && this.#link.overSse) return; // kept, and sent once a WebSocket is back
    const from = sub.nextFrom();
    this.#link.call({ op: 'subscribe', topic: sub.topic, ...(from ? { from } : {}) }, {
      // Before any message of the replay: it sets where the subscription stands.
      resolve: (reply) => {
        // Even for one unsubscribed meanwhile: its replay may come before the unsubscribe's reply.
        if (!sub.wildcard) this.#guards.replied(sub.topic, Number(reply.head));
        if (this.#subs.get(sub.topic) === sub) sub.onSubscribed(reply as unknown as SubscribedInfo, from);
      },
      reject: (error) => {
        if (error.closeCode !== undefined) return; // the connection dropped: it resubscribes on the next one
        if (this.#subs.get(sub.topic) === sub) this.#subs.delete(sub.topic);
        if (!this.#subs.has(sub.topic)) this.#guards.forget(sub.topic);
        sub.fail(error);
        this.#link.onError(error);
      },
    });
  }

  /** Stops a subscription: no message follows, iterators finish; then tells the hub if connected. */
  async unsubscribe(sub: Subscription<never>): Promise<void> {
    sub.end();
    if (this.#subs.get(sub.topic) !== sub) return;
    this.#subs.delete(sub.topic);
    if (!this.#link.connected) return;
    try {
      await new Promise((resolve, reject) => this.#link.call({ op: 'unsubscribe', topic: sub.topic }, { resolve, reject }));
    } catch (error) {
      if (error instanceof TidingsError && (error.code === 'not_subscribed' || error.closeCode !== undefined)) return;
      throw error;
    } finally {
      // Answered: its replay sends nothing more. (Until then it may: the guard stays.)
      if (!this.#subs.has(sub.topic)) this.#guards.forget(sub.topic);
    }
  }

  /** Ends them all (the client was closed). */
  endAll(): void {
    for (const sub of this.#subs.values()) sub.end();
    this.#subs.clear();
  }
}
