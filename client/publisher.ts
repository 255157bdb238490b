/**
 * Publishes waiting for their reply. Each carries an idempotency key, so one
 * sent before a connection dropped is sent again after the reconnect, with the
 * same key, and stored once. Order is kept: resends go out in publish order.
 */
import { TidingsError } from '../shared/errors.js';

export interface PublishResult {
  topic: string;
  offset: number;
  epoch: string;
  /** The hub had already stored this key: the offset is the first one's. */
  duplicate: boolean;
}

interface Pending {
  /** Topic and key: the hub dedupes keys per topic. */
  id: string;
  topic: string;
  /** The data as JSON text. */
  data: string;
  key: string;
  done: Promise<PublishResult>;
  resolve(result: PublishResult): void;
  reject(error: TidingsError): void;
}

export class PublishQueue {
  readonly #pending = new Map<string, Pending>();
  readonly #limit: number;
  readonly #keyPrefix: string;
  #seq = 0;

  constructor(limit: number) {
    this.#limit = limit;
    const bytes = new Uint8Array(9);
    globalThis.crypto.getRandomValues(bytes);
    this.#keyPrefix = btoa(String.fromCharCode(...bytes)).replace(/[+/=]/g, (c) => (c === '+' ? '-' : c === '/' ? '_' : ''));
  }

  get size(): number {
    return this.#pending.size;
  }

  /**
   * Adds a publish; rejects at once when the queue is full. A key already
   * waiting on the same topic gets that publish's promise (`added: false`),
   * as the hub would answer it with the first one's offset.
   */
  add(topic: string, data: string, key: string | undefined): { id: string; done: Promise<PublishResult>; added: boolean } {
    const k = key ?? `${this.#keyPrefix}-${(++this.#seq).toString(36)}`;
    const id = `${topic} ${k}`; // a topic has no space
    const waiting = this.#pending.get(id);
    if (waiting) return { id, done: waiting.done, added: false };
    if (this.#pending.size >= this.#limit) {
      const full = new TidingsError('unavailable', `the publish queue is full (${this.#limit} waiting); wait for the connection or raise maxQueuedPublishes`);
      return { id, done: Promise.reject(full), added: false };
    }
    let settle!: Pick<Pending, 'resolve' | 'reject'>;
    const done = new Promise<PublishResult>((resolve, reject) => (settle = { resolve, reject }));
    this.#pending.set(id, { id, topic, data, key: k, done, ...settle });
    return { id, done, added: true };
  }

  get(id: string): Pending | undefined {
    return this.#pending.get(id);
  }

  /** Every publish still waiting, in publish order. */
  all(): Pending[] {
    return [...this.#pending.values()];
  }

  settle(id: string, outcome: PublishResult | TidingsError): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    if (outcome instanceof TidingsError) p.reject(outcome);
    else p.resolve(outcome);
  }

  rejectAll(error: TidingsError): void {
    for (const id of [...this.#pending.keys()]) this.settle(id, error);
  }
}
