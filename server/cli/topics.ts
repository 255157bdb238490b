/** `tidings topics [--prefix P] [--limit N]`: the topic list of GET /v1/topics as a table. */
import { requestJson } from './http-client.js';
import { CliError } from './errors.js';
import type { HubUrl } from './hub-url.js';

export interface TopicsOptions {
  prefix?: string;
  limit?: number;
  json?: boolean;
}

interface TopicRow {
  topic: string;
  epoch: string;
  earliest: number;
  head: number;
  subscribers: number;
}

/** Topics listed unless `--limit` says otherwise; the hub answers at most 1000. */
export const DEFAULT_LIMIT = 100;

const COLUMNS = ['TOPIC', 'EARLIEST', 'HEAD', 'SUBSCRIBERS', 'EPOCH'] as const;

export async function listTopics(hub: HubUrl, opts: TopicsOptions): Promise<number> {
  const query = new URLSearchParams();
  if (opts.prefix) query.set('prefix', opts.prefix);
  query.set('limit', String(opts.limit ?? DEFAULT_LIMIT));
  const { body } = await requestJson(hub, 'GET', `/v1/topics${query.size ? `?${query}` : ''}`);
  if (!Array.isArray(body.topics)) throw new CliError(`${hub.http}/v1/topics answered without a "topics" list (is this a Tidings hub?)`);
  const topics = body.topics as TopicRow[];
  if (opts.json) {
    process.stdout.write(topics.map((t) => JSON.stringify(t) + '\n').join(''));
    return 0;
  }
  if (topics.length === 0) {
    process.stderr.write(opts.prefix ? `no topics starting with "${opts.prefix}"\n` : 'no topics\n');
    return 0;
  }
  const rows = topics.map((t) => [t.topic, String(t.earliest), String(t.head), String(t.subscribers), t.epoch]);
  process.stdout.write(table([[...COLUMNS], ...rows]));
  if (topics.length >= (opts.limit ?? DEFAULT_LIMIT)) {
    process.stderr.write(`(the first ${topics.length}; there may be more: raise --limit or narrow --prefix)\n`);
  }
  return 0;
}

/** Left-aligned text columns, numbers right-aligned, two spaces apart. */
function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const numeric = (i: number): boolean => i >= 1 && i <= 3;
  return rows.map((r) => r.map((cell, i) => (numeric(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
    .join('  ').trimEnd() + '\n').join('');
}
