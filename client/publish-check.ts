/** What a publish is refused for before it is sent: its topic, its data, its key. */
import { MAX_KEY_CHARS } from '../shared/constants.js';
import { TidingsError } from '../shared/errors.js';
import { checkTopic } from '../shared/topics.js';

const utf8 = new TextEncoder();

/** The data as JSON text, or why it cannot be published to `topic`. Never throws. */
export function encodePublishData(topic: unknown, data: unknown, maxPayload: number): string | TidingsError {
  if (typeof topic !== 'string') return new TidingsError('invalid_topic', 'a topic is a string');
  const check = checkTopic(topic);
  if (!check.ok) return new TidingsError('invalid_topic', check.reason);
  let text: string | undefined;
  try {
    text = JSON.stringify(data) as string | undefined;
  } catch (error) {
    return new TidingsError('bad_request', `data cannot be written as JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (text === undefined) return new TidingsError('bad_request', 'data must be a JSON value');
  const bytes = utf8.encode(text).length;
  if (bytes > maxPayload) return new TidingsError('too_large', `data is ${bytes} bytes; the hub takes at most ${maxPayload}`);
  return text;
}

/** Why a publish key is refused, or undefined for none or a good one. */
export function keyProblem(key: unknown): TidingsError | undefined {
  if (key === undefined || (typeof key === 'string' && key.length >= 1 && key.length <= MAX_KEY_CHARS)) return undefined;
  return new TidingsError('bad_request', `key must be a string of 1 to ${MAX_KEY_CHARS} characters`);
}
