import type { Subscription } from './subscription.js';

/**
 * The hub's view of one topic while it has subscribers or publishes in flight.
 *
 * `deliveredHead` is the newest offset handed to live subscribers. It moves in
 * the same synchronous step as the fan-out, which is what lets a replaying
 * subscription switch to live without a gap or a duplicate: it reads the store
 * up to `deliveredHead`, and once its cursor reaches it, every later message
 * reaches it live.
 */
export class TopicState {
  readonly name: string;
  /** The name as JSON, spliced into every message frame. */
  readonly json: string;
  deliveredHead: number;
  readonly subscribers = new Set<Subscription>();
  /** Publishes appended but not yet delivered or failed. */
  inflight = 0;
  /** Wildcard subscriptions matching this topic, valid for `wildcardVersion`. */
  wildcards: Subscription[] = [];
  wildcardVersion = -1;

  constructor(name: string, head: number) {
    this.name = name;
    this.json = JSON.stringify(name);
    this.deliveredHead = head;
  }

  get idle(): boolean {
    return this.subscribers.size === 0 && this.inflight === 0;
  }
}
