/**
 * Topic name and pattern rules (PROTOCOL.md §5 and §3 wildcards).
 * Names are ASCII by construction, so a character count is a byte count.
 */

/** Longest topic name or pattern, in bytes. */
export const MAX_TOPIC_BYTES = 255;

const SEGMENT = /^[A-Za-z0-9_:~-]+$/;

export type TopicCheck = { ok: true } | { ok: false; reason: string };

function checkSegments(name: string, allowWildcards: boolean): TopicCheck {
  if (name.length === 0) return { ok: false, reason: 'topic is empty' };
  if (name.length > MAX_TOPIC_BYTES) return { ok: false, reason: `topic is longer than ${MAX_TOPIC_BYTES} bytes` };
  const segments = name.split('.');
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i] as string;
    if (allowWildcards && seg === '*') continue;
    if (allowWildcards && seg === '>' && i === segments.length - 1) continue;
    if (seg === '>') return { ok: false, reason: "'>' may only be the last segment" };
    if (!SEGMENT.test(seg)) {
      return seg.length === 0
        ? { ok: false, reason: 'topic has an empty segment (leading, trailing or double dot)' }
        : { ok: false, reason: `segment '${seg.slice(0, 40)}' has characters outside [A-Za-z0-9_:~-]` };
    }
  }
  return { ok: true };
}

/** A concrete topic a client may publish to or subscribe to with history. */
export function checkTopic(name: string): TopicCheck {
  if (isReserved(name)) return { ok: false, reason: "names starting with '$' or '_' are reserved" };
  return checkSegments(name, false);
}

/** A subscription pattern: a concrete topic or one with `*` segments and/or a trailing `>`. */
export function checkPattern(pattern: string): TopicCheck {
  if (isReserved(pattern)) return { ok: false, reason: "names starting with '$' or '_' are reserved" };
  return checkSegments(pattern, true);
}

export function isReserved(name: string): boolean {
  return name.startsWith('$') || name.startsWith('_');
}

export function isWildcard(pattern: string): boolean {
  return pattern === '>' || pattern === '*' || pattern.endsWith('.>') || pattern.startsWith('*.') || pattern.includes('.*.') || pattern.endsWith('.*');
}

/** Whether a concrete topic matches a pattern (`*` one segment, trailing `>` one or more). */
export function matchesPattern(pattern: string, topic: string): boolean {
  if (pattern === topic) return true;
  const p = pattern.split('.');
  const t = topic.split('.');
  for (let i = 0; i < p.length; i++) {
    const seg = p[i];
    if (seg === '>') return t.length > i;
    if (i >= t.length) return false;
    if (seg !== '*' && seg !== t[i]) return false;
  }
  return p.length === t.length;
}
