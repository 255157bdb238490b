/**
 * One subscription of a client: it remembers its position `{offset, epoch}` so
 * that after every reconnect it resumes with `from.after`, and drops anything
 * at or below that offset, so the application sees each message once, in order.
 */
import type { TidingsError } from '../shared/errors.js';
import { Emitter } from './emitter.js';
import type { OffsetStore, Position } from './offset-store.js';

/** Where a new subscription starts: live, from the stored position, the last N, or all that is retained. */
export type From = 'live' | 'resume' | 'earliest' | { last: number };

/** `subscribing`: waiting for the hub's reply (again after each reconnect); `subscribed`: receiving; `unsubscribed`: ended. */
export type SubscriptionState = 'subscribing' | 'subscribed' | 'unsubscribed';

/** Why `from` is not one of the forms of `From`, or undefined when it is. */
export function fromProblem(from: unknown): string | undefined {
  if (from === 'live' || from === 'resume' || from === 'earliest') return undefined;
  if (typeof from === 'object' && from !== null && Object.keys(from).length === 1 && 'last' in from) {
    const last = (from as { last: unknown }).last;
    if (Number.isSafeInteger(last) && (last as number) > 0) return undefined;
    return `from.last is a whole number of 1 or more (got ${JSON.stringify(last)})`;
  }
  const hint = typeof from === 'object' && from !== null && 'earliest' in from ? " (the wire form {earliest: true} is written 'earliest' here)" : '';
  return `from is 'live', 'resume', 'earliest' or { last: n }${hint}; got ${describe(from)}`;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export interface Message<T = unknown> {
  topic: string;
  offset: number;
  /** The hub's receive time, ms since the epoch. */
  time: number;
  data: T;
}

/** The hub's answer to a (re)subscribe. */
export interface SubscribedInfo {
  epoch: string;
  head: number;
  earliest: number;
  truncated: boolean;
  reset: boolean;
}

export interface SubscriptionEvents<T> extends Record<string, unknown> {
  message: Message<T>;
  /** Every (re)subscribe reply of an exact topic (a wildcard's reply carries no position). */
  subscribed: SubscribedInfo;
  /** Messages after `after` are gone: replay restarts at `earliest`. */
  truncated: { after: number; earliest: number };
  /** The topic's log was recreated (new epoch): rebuild state from `earliest`. */
  reset: { epoch: string; earliest: number; head: number };
  error: TidingsError;
}

export interface SubscriptionHost {
  unsubscribe(sub: Subscription<never>): Promise<void>;
}

export class Subscription<T = unknown> extends Emitter<SubscriptionEvents<T>> implements AsyncIterable<Message<T>> {
  readonly topic: string;
  readonly wildcard: boolean;
  /** The last message seen (exact topics); `undefined` until the first reply. */
  position: Position | undefined;
  active = true;
  readonly #from: From;
  readonly #store: OffsetStore | undefined;
  readonly #host: SubscriptionHost;
  #queue: Array<Message<T>> = [];
  #waiters: Array<(r: IteratorResult<Message<T>>) => void> = [];
  /** Messages are queued for `for await` only once someone iterates. */
  #iterating = false;
  /**
   * `subscribing` until the reply to the latest (re)subscribe: a message of this
   * topic before it can only come through a wildcard of the same client, and the
   * hub replays it after the reply, so it is not taken now (PROTOCOL.md §3).
   * `unsubscribed` once it ended.
   */
  state: SubscriptionState = 'subscribing';
  /** `ended` frames for an unreadable store since the last message: the backoff's attempt. */
  endedInARow = 0;

  constructor(host: SubscriptionHost, topic: string, wildcard: boolean, from: From, store: OffsetStore | undefined) {
    super();
    this.#host = host;
    this.topic = topic;
    this.wildcard = wildcard;
    this.#from = from;
    this.#store = store;
    if (!wildcard && from === 'resume') this.position = store?.get(topic);
  }

  /** The `from` of the next subscribe request; messages wait for its reply. */
  nextFrom(): object | undefined {
    if (this.active) this.state = 'subscribing';
    if (this.wildcard) return undefined;
    if (this.position) return { after: this.position.offset, epoch: this.position.epoch };
    if (this.#from === 'earliest') return { earliest: true };
    if (typeof this.#from === 'object') return { last: this.#from.last };
    return undefined;
  }

  /** Called with each subscribe reply, before any message it announces. */
  onSubscribed(info: SubscribedInfo, requested: object | undefined): void {
    if (!this.active) return;
    this.state = 'subscribed';
    if (this.wildcard) return;
    const after = requested && 'after' in requested ? (requested as { after: number }).after : undefined;
    if (info.reset) {
      this.emit('reset', { epoch: info.epoch, earliest: info.earliest, head: info.head });
      this.#moveTo({ offset: info.earliest - 1, epoch: info.epoch });
    } else if (info.truncated) {
      this.emit('truncated', { after: after ?? 0, earliest: info.earliest });
      this.#moveTo({ offset: info.earliest - 1, epoch: info.epoch });
    } else if (after === undefined) {
      // First subscribe: the replay (if any) starts where `from` said.
      const start = requested && 'earliest' in requested
        ? info.earliest
        : requested && 'last' in requested
          ? Math.max(info.earliest, info.head - (requested as { last: number }).last + 1)
          : info.head + 1;
      this.#moveTo({ offset: start - 1, epoch: info.epoch });
    }
    this.emit('subscribed', info);
  }

  /** A message of this subscription's topic (or matching its pattern). */
  onMessage(message: Message<T>): void {
    if (this.state !== 'subscribed') return;
    if (!this.wildcard) {
      if (this.position && message.offset <= this.position.offset) return; // seen before a reconnect
      this.#moveTo({ offset: message.offset, epoch: this.position?.epoch ?? '' });
    }
    this.endedInARow = 0;
    this.emit('message', message);
    const waiter = this.#waiters.shift();
    if (waiter) waiter({ value: message, done: false });
    else if (this.#iterating) this.#queue.push(message);
  }

  #moveTo(position: Position): void {
    this.position = position;
    this.#store?.set(this.topic, position);
  }

  /** Stops it; no message follows. */
  unsubscribe(): Promise<void> {
    if (!this.active) return Promise.resolve();
    this.end();
    return this.#host.unsubscribe(this as unknown as Subscription<never>);
  }

  /** The hub refused it: ends it and reports why. */
  fail(error: TidingsError): void {
    this.end();
    this.emit('error', error);
  }

  /** Ends it on the client side: iterators finish. */
  end(): void {
    this.active = false;
    this.state = 'unsubscribed';
    for (const waiter of this.#waiters.splice(0)) waiter({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<Message<T>> {
    this.#iterating = true;
    return {
      next: () => {
        const queued = this.#queue.shift();
        if (queued) return Promise.resolve({ value: queued, done: false });
        if (!this.active) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.#waiters.push(resolve));
      },
      return: async () => {
        await this.unsubscribe();
        return { value: undefined, done: true };
      },
    };
  }
}
