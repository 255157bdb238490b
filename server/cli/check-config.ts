/**
 * `tidings check-config FILE`: the checks `serve --config FILE` makes (server/config.ts),
 * without starting anything. Flags and TIDINGS_* variables are not applied: it checks the file.
 */
import { readFileSync } from 'node:fs';
import { resolveSettings, settingsSchema, SettingsError, type Settings } from '../config.js';
import { usesDisk } from '../topic-policies.js';

/** Prints `FILE: ok` and a summary, or each problem on its own line; returns the exit code. */
export async function checkConfig(file: string): Promise<number> {
  let settings: Settings;
  try {
    settings = resolveSettings({ config: file });
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    for (const line of problems(file, error)) process.stderr.write(line + '\n');
    return 2;
  }
  process.stdout.write(`${file}: ok\n${summary(settings).map((l) => `  ${l}\n`).join('')}`);
  return 0;
}

/**
 * `serve` stops at the first problem; here the first line is its message (unknown
 * settings get one line each), followed by the file's other bad values, which the
 * same schema finds.
 */
function problems(file: string, error: SettingsError): string[] {
  const content = readJsonObject(file);
  if (!content) return [error.message.replace(/^--config: /, '')];
  const known = Object.keys(settingsSchema.shape);
  const lines = Object.keys(content).filter((k) => !known.includes(k)).map((k) => {
    const near = known.find((n) => squash(n) === squash(k));
    return `${file}: unknown setting "${k}"${near ? ` (did you mean "${near}"?)` : ''}`;
  });
  if (lines.length === 0) lines.push(error.message);
  const result = settingsSchema.safeParse(Object.fromEntries(Object.entries(content).filter(([k]) => known.includes(k))));
  for (const issue of result.success ? [] : result.error.issues) {
    const value = issue.path.reduce<unknown>((v, k) => (v as Record<PropertyKey, unknown> | undefined)?.[k as PropertyKey], content);
    const line = `${file}: ${issue.path.map(String).join('.')}: ${issue.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

/** The file as a JSON object, or undefined when it is not one (the first problem says why). */
function readJsonObject(file: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** `max-age`, `max_age`, `MaxAge` → `maxage`. */
function squash(key: string): string {
  return key.replace(/[-_]/g, '').toLowerCase();
}

function summary(s: Settings): string[] {
  const rules = s.topics.map((r) => {
    const parts = [r.storage, r.fsync && `fsync ${r.fsync}`, r.maxMessages && `${r.maxMessages} messages`,
      r.maxBytes && size(r.maxBytes), r.maxAge && age(r.maxAge)].filter(Boolean);
    return `${r.pattern}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  });
  return [
    `listens on ${s.host}:${s.port}, transport ${s.transport}`,
    `storage ${s.storage}${s.storage === 'disk' ? ` (fsync ${s.fsync})` : ''}${usesDisk(s) ? `, data folder ${s.data}` : ''}`,
    `retention per topic: ${s.maxMessages} messages, ${size(s.maxBytes)}, ${age(s.maxAge)}`,
    s.authSecret ? 'auth: HS256 tokens (shared secret)' : s.authPublicKey ? `auth: tokens checked with ${s.authPublicKey}`
      : s.authJwks ? `auth: tokens checked with the keys in ${s.authJwks}` : `auth: off${s.insecure ? ' (--insecure)' : ''}`,
    s.topics.length === 0 ? 'no topic rules' : `${s.topics.length} topic rule${s.topics.length === 1 ? '' : 's'}: ${rules.join('; ')}`,
  ];
}

function size(bytes: number): string {
  for (const [unit, n] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return `${bytes} bytes`;
}

function age(ms: number): string {
  for (const [unit, n] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= n && ms % n === 0) return `${ms / n}${unit}`;
  }
  return `${ms}ms`;
}
