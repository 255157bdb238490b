/**
 * The checks of one publish, whichever way it came in (a WebSocket frame, an
 * HTTP request): the topic, the token's grant, the data's form and its size.
 * Written once, so both ways refuse the same things with the same codes.
 */
import type { WireError } from '../../shared/errors.js';
import { checkTopic } from '../../shared/topics.js';
import type { Grants } from '../auth/grants.js';
import type { AppendInput } from '../store/log-store.js';
import { encodeData, TOO_DEEP } from '../protocol/codec.js';

export type PublishInput = { ok: true; input: AppendInput } | { ok: false; error: WireError };

/** `admit`: a refusal after the grant and before any encoding (a rate limit), or undefined to go on. */
export function publishInput(
  grants: Grants | undefined, topic: string, data: unknown, key: string | undefined, maxPayloadBytes: number, now: number,
  admit?: () => WireError | undefined,
): PublishInput {
  const check = checkTopic(topic);
  if (!check.ok) return { ok: false, error: { code: 'invalid_topic', message: check.reason } };
  if (!grants?.canPublish(topic)) return { ok: false, error: { code: 'forbidden', message: `cannot publish to ${topic}` } };
  const refused = admit?.();
  if (refused) return { ok: false, error: refused };
  const json = encodeData(data);
  if (json === undefined) return { ok: false, error: { code: 'bad_request', message: TOO_DEEP } };
  const bytes = Buffer.byteLength(json);
  if (bytes > maxPayloadBytes) {
    return { ok: false, error: { code: 'too_large', message: `data is ${bytes} bytes, over the ${maxPayloadBytes}-byte limit` } };
  }
  return { ok: true, input: key === undefined ? { data: json, bytes, time: now } : { data: json, bytes, time: now, key } };
}
