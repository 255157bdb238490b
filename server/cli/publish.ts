/** `tidings publish TOPIC JSON [--key K]`: one message through POST /v1/topics/{topic}/messages. */
import { MAX_KEY_CHARS } from '../../shared/constants.js';
import { checkTopic } from '../../shared/topics.js';
import { CliError } from './errors.js';
import { requestJson } from './http-client.js';
import type { HubUrl } from './hub-url.js';

export interface PublishOptions {
  key?: string;
}

export async function publish(hub: HubUrl, topic: string, json: string, opts: PublishOptions): Promise<number> {
  checkTopicArg(topic);
  const data = parseData(json);
  if (opts.key !== undefined && (opts.key.length < 1 || opts.key.length > MAX_KEY_CHARS)) {
    throw new CliError(`--key must be 1 to ${MAX_KEY_CHARS} characters (got ${opts.key.length})`, 2);
  }
  const { status, body } = await requestJson(hub, 'POST', `/v1/topics/${encodeURIComponent(topic)}/messages`,
    opts.key === undefined ? { data } : { data, key: opts.key });
  const where = `offset ${String(body.offset)} (epoch ${String(body.epoch)})`;
  process.stdout.write(body.duplicate === true || status === 200 ? `duplicate of ${where}\n` : `stored at ${where}\n`);
  return 0;
}

/** A topic a client may publish to, or a CliError saying why not (nothing is sent). */
export function checkTopicArg(topic: string): void {
  const check = checkTopic(topic);
  if (!check.ok) throw new CliError(`invalid topic "${topic}": ${check.reason}`, 2);
}

/** The message data: the argument as JSON, or a CliError showing how to quote it. */
function parseData(json: string): unknown {
  try {
    return JSON.parse(json) as unknown;
  } catch (error) {
    const asText = JSON.stringify(json);
    throw new CliError([
      `the data is not valid JSON: ${(error as Error).message}`,
      `  quote it for the shell: a string as '${asText}', an object as '{"a":1}'`,
    ].join('\n'), 2);
  }
}
