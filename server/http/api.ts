/** The topic API of PROTOCOL.md §9: publish, history, and the topic list. */
import { z } from 'zod';
import { MAX_KEY_CHARS } from '../../shared/constants.js';
import { TidingsError } from '../../shared/errors.js';
import { MAX_TOPIC_BYTES, checkTopic } from '../../shared/topics.js';
import type { Grants } from '../auth/grants.js';
import type { Hub } from '../hub/hub.js';
import { appendInput, isWireError } from '../hub/publish-input.js';
import { listTopics, readHistory } from '../hub/topic-service.js';
import type { HttpExchange } from '../transport/connection.js';
import { permit } from './auth.js';
import { sendError, sendJson, sendJsonText, sendTidingsError } from './reply.js';

/** Most messages or topics one read returns; a larger `limit` is clamped to it. */
export const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

const publishBody = z
  .object({
    data: z.unknown(),
    key: z.string().min(1).max(MAX_KEY_CHARS, `key is longer than ${MAX_KEY_CHARS} characters`).optional(),
  })
  .refine((body) => body.data !== undefined, { message: 'the body needs "data"', path: ['data'] });

/** The checked topic of a route, or undefined after answering 400. */
function topicOf(ex: HttpExchange, raw: string | undefined): string | undefined {
  const topic = raw ?? '';
  const check = checkTopic(topic);
  if (check.ok) return topic;
  sendError(ex, 'invalid_topic', check.reason);
  return undefined;
}

/** A non-negative integer query parameter, `fallback` when absent, or undefined after answering 400. */
export function countParam(ex: HttpExchange, name: string, fallback: number): number | undefined {
  const raw = ex.query.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (Number.isSafeInteger(n) && n >= 0 && /^\d+$/.test(raw)) return n;
  sendError(ex, 'bad_request', `${name} must be a whole number of 0 or more (got "${raw.slice(0, 40)}")`);
  return undefined;
}

export async function publishRoute(
  hub: Hub, ex: HttpExchange, rawTopic: string | undefined, maxBodyBytes: number, grants: Grants,
): Promise<void> {
  const topic = topicOf(ex, rawTopic);
  if (topic === undefined || !permit(ex, grants.canPublish(topic), `publishing to ${topic}`)) return;
  const body = await ex.readBody(maxBodyBytes);
  if (!body) return sendError(ex, 'too_large', `the body is over ${maxBodyBytes} bytes`, 413);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    return sendError(ex, 'bad_request', `the body is not JSON: ${(error as Error).message}`);
  }
  const shape = publishBody.safeParse(parsed);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    return sendError(ex, 'bad_request', issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'bad body');
  }
  const input = appendInput(shape.data.data, shape.data.key, hub.opts.maxPayloadBytes, Date.now());
  if (isWireError(input)) return sendError(ex, input.code, input.message);
  try {
    const result = await hub.append(topic, input);
    if (result.duplicate) sendJson(ex, 200, { topic, offset: result.offset, epoch: result.epoch, duplicate: true });
    else sendJson(ex, 201, { topic, offset: result.offset, epoch: result.epoch });
  } catch (error) {
    if (error instanceof TidingsError) return sendTidingsError(ex, error);
    throw error;
  }
}

export async function historyRoute(hub: Hub, ex: HttpExchange, rawTopic: string | undefined, grants: Grants): Promise<void> {
  const topic = topicOf(ex, rawTopic);
  if (topic === undefined || !permit(ex, grants.canSubscribe(topic), `reading ${topic}`)) return;
  const after = countParam(ex, 'after', 0);
  const limit = countParam(ex, 'limit', DEFAULT_PAGE);
  if (after === undefined || limit === undefined) return;
  const page = await readHistory(hub, topic, after, Math.min(limit, MAX_PAGE));
  const messages = page.messages.map((m) => `{"offset":${m.offset},"time":${m.time},"data":${m.data}}`).join(',');
  const head = JSON.stringify({ topic, epoch: page.epoch, earliest: page.earliest, head: page.head, truncated: after + 1 < page.earliest });
  sendJsonText(ex, 200, `${head.slice(0, -1)},"messages":[${messages}]}`);
}

/** Lists only the topics the token may read. */
export function topicsRoute(hub: Hub, ex: HttpExchange, grants: Grants): void {
  const prefix = ex.query.get('prefix') ?? '';
  if (prefix.length > MAX_TOPIC_BYTES) return sendError(ex, 'bad_request', `prefix is longer than ${MAX_TOPIC_BYTES} bytes`);
  const limit = countParam(ex, 'limit', DEFAULT_PAGE);
  if (limit === undefined) return;
  sendJson(ex, 200, { topics: listTopics(hub, prefix, Math.min(limit, MAX_PAGE), (topic) => grants.canSubscribe(topic)) });
}
