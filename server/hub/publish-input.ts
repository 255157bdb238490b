/**
 * The checks of one publish: the topic and the token's grant, then the data's
 * form and size. The data is checked here for every way in (a WebSocket frame,
 * an HTTP request), so all refuse the same things with the same codes; the
 * WebSocket checks its rate limit between the two, before any encoding. (HTTP
 * checks topic and grant with its own 400/401/403 before it reads the body.)
 */
import type { WireError } from '../../shared/errors.js';
import { checkTopic } from '../../shared/topics.js';
import type { Grants } from '../auth/grants.js';
import type { AppendInput } from '../store/log-store.js';
import { encodeData, TOO_DEEP } from '../protocol/codec.js';

/** Why publishing to `topic` is refused before its data is looked at, or undefined. */
export function publishRefusal(grants: Grants | undefined, topic: string): WireError | undefined {
  const check = checkTopic(topic);
  if (!check.ok) return { code: 'invalid_topic', message: check.reason };
  if (!grants?.canPublish(topic)) return { code: 'forbidden', message: `cannot publish to ${topic}` };
  return undefined;
}

/** The data as what the store appends, or why it cannot be stored. */
export function appendInput(data: unknown, key: string | undefined, maxPayloadBytes: number, now: number): AppendInput | WireError {
  const json = encodeData(data);
  if (json === undefined) return { code: 'bad_request', message: TOO_DEEP };
  const bytes = Buffer.byteLength(json);
  if (bytes > maxPayloadBytes) return { code: 'too_large', message: `data is ${bytes} bytes, over the ${maxPayloadBytes}-byte limit` };
  return key === undefined ? { data: json, bytes, time: now } : { data: json, bytes, time: now, key };
}

export function isWireError(value: AppendInput | WireError): value is WireError {
  return 'code' in value;
}
