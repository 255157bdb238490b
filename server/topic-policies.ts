/** Which retention, storage and fsync rule applies to a topic: the first matching pattern wins. */
import { matchesPattern } from '../shared/topics.js';
import type { PolicyResolver, TopicPolicy } from './store/log-store.js';
import type { Settings } from './config.js';

/** Bound on cached resolutions; past it the cache starts over. */
const MAX_CACHED_POLICIES = 200_000;

export function defaultPolicy(s: Settings): TopicPolicy {
  return {
    storage: s.storage, fsync: s.fsync, maxMessages: s.maxMessages, maxBytes: s.maxBytes, maxAgeMs: s.maxAge,
  };
}

export function createPolicyResolver(s: Settings): PolicyResolver {
  const base = defaultPolicy(s);
  const rules = s.topics.map((rule) => ({
    pattern: rule.pattern,
    policy: {
      storage: rule.storage ?? base.storage,
      fsync: rule.fsync ?? base.fsync,
      maxMessages: rule.maxMessages ?? base.maxMessages,
      maxBytes: rule.maxBytes ?? base.maxBytes,
      maxAgeMs: rule.maxAge ?? base.maxAgeMs,
    } satisfies TopicPolicy,
  }));
  if (rules.length === 0) return () => base;
  const cache = new Map<string, TopicPolicy>();
  return (topic) => {
    let policy = cache.get(topic);
    if (policy) return policy;
    policy = rules.find((r) => matchesPattern(r.pattern, topic))?.policy ?? base;
    if (cache.size >= MAX_CACHED_POLICIES) cache.clear();
    cache.set(topic, policy);
    return policy;
  };
}

/** Whether any topic can land on disk, so the data folder is needed. */
export function usesDisk(s: Settings): boolean {
  return s.storage === 'disk' || s.topics.some((r) => r.storage === 'disk');
}
