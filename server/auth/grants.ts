/**
 * What a connection may do (PROTOCOL.md §10): the `topics` claim's subscribe and
 * publish patterns. A wildcard subscription is allowed only when one granted
 * pattern covers every topic it could ever match, so `chat.>` is refused under
 * `chat.*`, and `*.x` under `chat.*`.
 */
import { checkPattern, matchesPattern } from '../../shared/topics.js';

export interface Grants {
  /** The token's `sub`, for logs; undefined without auth. */
  readonly subject: string | undefined;
  /** When the token stops being valid (ms since the epoch); Infinity without auth. */
  readonly expiresAt: number;
  canSubscribe(topicOrPattern: string): boolean;
  canPublish(topic: string): boolean;
}

/** Everything is allowed: a hub without auth. */
export const OPEN_GRANTS: Grants = Object.freeze({
  subject: undefined,
  expiresAt: Infinity,
  canSubscribe: () => true,
  canPublish: () => true,
});

/** Whether every topic matching `pattern` also matches `granted`. */
export function covers(granted: string, pattern: string): boolean {
  const g = granted.split('.');
  const p = pattern.split('.');
  for (let i = 0; i < g.length; i++) {
    const seg = g[i];
    if (seg === '>') return p.length > i;
    const want = p[i];
    if (want === undefined || want === '>') return false;
    if (seg !== '*' && (want === '*' || want !== seg)) return false;
  }
  return p.length === g.length;
}

export class TokenGrants implements Grants {
  readonly subject: string | undefined;
  readonly expiresAt: number;
  readonly #subscribe: readonly string[];
  readonly #publish: readonly string[];

  constructor(subject: string | undefined, expiresAt: number, subscribe: readonly string[], publish: readonly string[]) {
    this.subject = subject;
    this.expiresAt = expiresAt;
    this.#subscribe = subscribe;
    this.#publish = publish;
  }

  canSubscribe(topicOrPattern: string): boolean {
    return this.#subscribe.some((g) => covers(g, topicOrPattern));
  }

  canPublish(topic: string): boolean {
    return this.#publish.some((g) => matchesPattern(g, topic));
  }
}

/** The `topics` claim's patterns, or the reason they cannot be used. */
export function parseTopicsClaim(claim: unknown): { subscribe: string[]; publish: string[] } | string {
  if (claim === undefined) return { subscribe: [], publish: [] };
  if (typeof claim !== 'object' || claim === null || Array.isArray(claim)) return 'the topics claim must be an object';
  const out = { subscribe: [] as string[], publish: [] as string[] };
  for (const action of ['subscribe', 'publish'] as const) {
    const list: unknown = Object.hasOwn(claim, action) ? (claim as Record<string, unknown>)[action] : undefined;
    if (list === undefined) continue;
    if (!Array.isArray(list) || list.length > 1000) return `topics.${action} must be a list of at most 1000 patterns`;
    for (const pattern of list) {
      if (typeof pattern !== 'string' || !checkPattern(pattern).ok) {
        return `topics.${action} holds ${JSON.stringify(pattern)?.slice(0, 80)}, not a valid topic pattern`;
      }
      out[action].push(pattern);
    }
  }
  return out;
}
