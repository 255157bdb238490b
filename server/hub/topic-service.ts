/**
 * What apps (HTTP, CLI through HTTP, metrics) ask of the hub about topics, so
 * they never reach into its store or its subscription maps.
 */
import type { StoredMessage, TopicBounds } from '../store/log-store.js';
import type { Hub } from './hub.js';

export interface HistoryPage extends TopicBounds {
  messages: StoredMessage[];
}

export interface TopicSummary extends TopicBounds {
  topic: string;
  /** Subscriptions receiving it now: exact ones, matching wildcards, event streams. */
  subscribers: number;
}

/** Up to `limit` retained messages after `after`, with the bounds they were read under. */
export async function readHistory(hub: Hub, topic: string, after: number, limit: number): Promise<HistoryPage> {
  const bounds = hub.store.bounds(topic) ?? (await hub.store.touch(topic));
  // Reading an unknown name must not keep it: a flood of reads would grow the store.
  if (!hub.topics.has(topic)) hub.store.forget(topic);
  const messages = limit === 0 ? [] : await hub.store.read(topic, after, limit);
  return { epoch: bounds.epoch, earliest: bounds.earliest, head: bounds.head, messages };
}

/** Known topics whose name starts with `prefix`, in name order, that `canRead` lets through. */
export function listTopics(hub: Hub, prefix: string, limit: number, canRead: (topic: string) => boolean): TopicSummary[] {
  return hub.store.list(prefix, limit).filter((t) => canRead(t.topic)).map((t) => ({
    topic: t.topic,
    epoch: t.epoch,
    earliest: t.earliest,
    head: t.head,
    subscribers: (hub.topics.get(t.topic)?.subscribers.size ?? 0) + hub.wildcards.match(t.topic).length,
  }));
}
