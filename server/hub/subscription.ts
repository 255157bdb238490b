import type { Session } from './session.js';

/**
 * `pending`: created, reply not sent yet; `replaying`: history is being read
 * from the store; `live`: each new message is pushed as it is delivered.
 */
export type SubscriptionState = 'pending' | 'replaying' | 'live';

export class Subscription {
  state: SubscriptionState = 'pending';
  /** The last offset sent to the client (exact topics only). */
  cursor = 0;
  /** Unsubscribed or its connection closed; any running replay stops. */
  cancelled = false;
  readonly session: Session;
  /** The topic, or the pattern of a wildcard subscription. */
  readonly topic: string;
  readonly wildcard: boolean;

  constructor(session: Session, topic: string, wildcard: boolean) {
    this.session = session;
    this.topic = topic;
    this.wildcard = wildcard;
  }
}
