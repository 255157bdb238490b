/**
 * Requests waiting for their reply on the current connection, by request id.
 * When the connection goes, waiting requests reject, but publishes do not: the
 * publish queue keeps them and they are sent again on the next connection.
 */
import { isErrorCode, TidingsError, type WireError } from '../shared/errors.js';
import type { PublishQueue } from './publisher.js';

export type Waiter = { resolve(reply: Record<string, unknown>): void; reject(error: TidingsError): void };

export class Replies {
  readonly #queue: PublishQueue;
  readonly #waiters = new Map<number, Waiter>();
  /** Request id → publish (topic and key). */
  readonly #publishes = new Map<number, string>();
  #nextId = 1;

  constructor(queue: PublishQueue) {
    this.#queue = queue;
  }

  /** A new request id, whose reply goes to `waiter`. */
  wait(waiter: Waiter): number {
    const id = this.#nextId++;
    this.#waiters.set(id, waiter);
    return id;
  }

  /** A new request id for a publish of the queue, whose reply settles it. */
  publish(publish: string): number {
    const id = this.#nextId++;
    this.#publishes.set(id, publish);
    return id;
  }

  /** A request that could not be sent. */
  forget(id: number): void {
    this.#waiters.delete(id);
  }

  onReply(frame: Record<string, unknown>): void {
    const id = frame.id as number;
    const publish = this.#publishes.get(id);
    if (publish !== undefined) {
      this.#publishes.delete(id);
      this.#queue.settle(publish, frame.error ? toError(frame.error) : {
        topic: String(frame.topic), offset: Number(frame.offset), epoch: String(frame.epoch), duplicate: frame.duplicate === true,
      });
      return;
    }
    const waiter = this.#waiters.get(id);
    if (!waiter) return;
    this.#waiters.delete(id);
    // Synchronous: with ws, the messages a reply announces can arrive in the same tick.
    if (frame.error) waiter.reject(toError(frame.error));
    else waiter.resolve(frame);
  }

  /** The connection is gone: waiting requests reject with `error`. */
  drop(error: TidingsError): void {
    this.#publishes.clear();
    const waiters = [...this.#waiters.values()];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.reject(error);
  }
}

export function toError(error: unknown): TidingsError {
  const e = error as Partial<WireError> | undefined;
  return new TidingsError(isErrorCode(e?.code) ? e.code : 'internal', typeof e?.message === 'string' ? e.message : 'unknown error');
}
