/**
 * Which frames of an exact topic are news to the client's wildcards (PROTOCOL.md
 * §3). After an exact subscription's reply with `head` H, the frames up to H that
 * follow are its replay of history: a wildcard is live only and does not take
 * them. A newer frame is news whichever way it came, live or through the replay,
 * and no wildcard takes an offset of a topic twice. Per connection: a new one
 * starts with none.
 */
interface Guard {
  /** The newest `head` an exact subscribe reply of this topic announced on this connection. */
  historyUpTo: number;
  /** The newest offset of this topic handed to wildcards on this connection. */
  handed: number;
}

export class WildcardGuards {
  /** Only topics with an exact subscription on this connection (or one being unsubscribed). */
  readonly #byTopic = new Map<string, Guard>();

  /** An exact subscribe of `topic` was answered with `head`. */
  replied(topic: string, head: number): void {
    const guard = this.#byTopic.get(topic);
    if (guard) guard.historyUpTo = Math.max(guard.historyUpTo, head);
    else this.#byTopic.set(topic, { historyUpTo: head, handed: 0 });
  }

  /** Whether wildcards take this frame; if they do, it counts as handed. */
  passes(topic: string, offset: number): boolean {
    const guard = this.#byTopic.get(topic);
    if (!guard) return true;
    if (offset <= guard.historyUpTo || offset <= guard.handed) return false;
    guard.handed = offset;
    return true;
  }

  /** No exact subscription of `topic` is left on the hub's side: no replay of it can follow. */
  forget(topic: string): void {
    this.#byTopic.delete(topic);
  }

  /** A new connection. */
  clear(): void {
    this.#byTopic.clear();
  }
}
