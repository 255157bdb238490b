/**
 * `tidings check-config FILE`: the checks `serve --config FILE` makes (resolveSettings in
 * server/config.ts, the same function), without starting anything. Flags and TIDINGS_*
 * variables are not applied: it checks the file. Nor is the machine checked (a port in
 * use, a data folder that cannot be written): that is for `serve` to find where it runs.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { describeIssue, naming, parseSettings, resolveSettings, settingsSchema, SettingsError, suggest, type Settings } from '../config.js';
import { usesDisk } from '../topic-policies.js';
import { formatBytes, formatDuration } from '../units.js';

/** Prints `FILE: ok` and a summary, or each problem on its own line; returns the exit code. */
export async function checkConfig(file: string): Promise<number> {
  let settings: Settings;
  try {
    settings = resolveSettings({ config: file }, () => undefined, true);
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
  const lines = Object.keys(content).filter((k) => !known.includes(k))
    .map((k) => `${file}: unknown setting "${k}"${suggest(k, known)}`);
  if (lines.length === 0) lines.push(error.message);
  const name = naming({ config: file }, () => undefined, true);
  const result = parseSettings(Object.fromEntries(Object.entries(content).filter(([k]) => known.includes(k))));
  for (const issue of result.success ? [] : result.error.issues) {
    const line = describeIssue(issue as z.core.$ZodIssue, content, name);
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

function summary(s: Settings): string[] {
  const rules = s.topics.map((r) => {
    const parts = [r.storage, r.fsync && `fsync ${r.fsync}`, r.maxMessages && `${r.maxMessages} messages`,
      r.maxBytes && formatBytes(r.maxBytes), r.maxAge && formatDuration(r.maxAge)].filter(Boolean);
    return `${r.pattern}${parts.length ? ` (${parts.join(', ')})` : ''}`;
  });
  return [
    `listens on ${s.host}:${s.port}, transport ${s.transport}`,
    `storage ${s.storage}${s.storage === 'disk' ? ` (fsync ${s.fsync})` : ''}${usesDisk(s) ? `, data folder ${s.data}` : ''}`,
    `retention per topic: ${s.maxMessages} messages, ${formatBytes(s.maxBytes)}, ${formatDuration(s.maxAge)}`,
    s.authSecret ? 'auth: HS256 tokens (shared secret)' : s.authPublicKey ? `auth: tokens checked with ${s.authPublicKey}`
      : s.authJwks ? `auth: tokens checked with the keys in ${s.authJwks}` : `auth: off${s.insecure ? ' (--insecure)' : ''}`,
    s.topics.length === 0 ? 'no topic rules' : `${s.topics.length} topic rule${s.topics.length === 1 ? '' : 's'}: ${rules.join('; ')}`,
  ];
}
