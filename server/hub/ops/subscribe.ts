import { encodeEnded } from '../../protocol/codec.js';
import type { SubscribeRequest, UnsubscribeRequest } from '../../../shared/protocol.js';
import { checkPattern, checkTopic, isWildcard } from '../../../shared/topics.js';
import type { TopicBounds } from '../../store/log-store.js';
import { catchUp, planReplay } from '../catch-up.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';
import { Subscription } from '../subscription.js';

export async function subscribe(hub: Hub, session: Session, req: SubscribeRequest): Promise<void> {
  const name = req.topic;
  const wildcard = isWildcard(name);
  const check = wildcard ? checkPattern(name) : checkTopic(name);
  if (!check.ok) return session.fail(req.id, { code: 'invalid_topic', message: check.reason });
  if (!session.grants?.canSubscribe(name)) {
    return session.fail(req.id, {
      code: 'forbidden',
      message: wildcard ? `cannot subscribe to ${name}: the token does not allow every topic it matches` : `cannot subscribe to ${name}`,
    });
  }
  if (wildcard && req.from) {
    return session.fail(req.id, { code: 'bad_request', message: 'from cannot be used with a wildcard subscription' });
  }
  if (session.subs.has(name)) return session.fail(req.id, { code: 'already_subscribed', message: `already subscribed to ${name}` });
  if (session.subs.size >= hub.opts.maxSubscriptions) {
    return session.fail(req.id, {
      code: 'too_many_subscriptions',
      message: `a connection may hold ${hub.opts.maxSubscriptions} subscriptions`,
    });
  }
  const sub = new Subscription(session, name, wildcard);
  session.subs.set(name, sub);
  if (wildcard) {
    hub.wildcards.add(name, sub);
    sub.state = 'live';
    return session.reply(req.id, { topic: name });
  }
  const topic = hub.topicState(name);
  topic.subscribers.add(sub);
  // The head when the subscribe was read (§3): whatever is delivered from now on
  // reaches this connection through this subscription's replay, after its reply,
  // and not through a wildcard of the same connection before it.
  const head = topic.deliveredHead;
  let bounds: TopicBounds;
  try {
    bounds = await hub.store.touch(name);
  } catch {
    hub.dropSubscription(sub);
    return session.fail(req.id, { code: 'unavailable', message: 'the store cannot take writes now' });
  }
  const earliest = Math.min(bounds.earliest, head + 1);
  const plan = planReplay(req.from, { epoch: bounds.epoch, head, earliest });
  sub.cursor = plan.start - 1;
  // Answered even when an unsubscribe came first (§2: one reply per request); nothing follows it then.
  session.reply(req.id, { topic: name, epoch: bounds.epoch, head, earliest, truncated: plan.truncated, reset: plan.reset });
  if (sub.cancelled) return;
  // Even from `head`: what was delivered while the store answered is sent from it.
  sub.state = 'replaying';
  await catchUp({
    store: hub.store,
    outbox: hub.outbox,
    stats: hub.stats,
    maxBufferedBytes: hub.opts.maxBufferedBytes,
    end: (s, reason, error) => {
      if (error !== undefined) s.session.log.error({ err: error, topic: name }, 'replay read failed');
      hub.dropSubscription(s);
      s.session.push(encodeEnded(topic.json, reason));
    },
  }, topic, sub);
}

export function unsubscribe(hub: Hub, session: Session, req: UnsubscribeRequest): void {
  const sub = session.subs.get(req.topic);
  if (!sub) return session.fail(req.id, { code: 'not_subscribed', message: `not subscribed to ${req.topic.slice(0, 255)}` });
  hub.dropSubscription(sub);
  session.reply(req.id);
}
