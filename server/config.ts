/**
 * Settings: defaults < config file < TIDINGS_* environment < flags, checked
 * with zod. A bad value becomes one line naming the flag and what to fix.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { checkPattern } from '../shared/topics.js';
import { parseBytes, parseDuration } from './units.js';

const MIB = 1024 * 1024;

const duration = (what: string) =>
  z.preprocess((v) => parseDuration(v) ?? v, z.number({ error: `expected ${what} such as 500ms, 30s, 5m, 2h or 7d` }).int().positive());
const bytes = (max: number) =>
  z.preprocess((v) => parseBytes(v) ?? v, z.number({ error: 'expected a size such as 65536, 64KiB or 1MiB' }).int().positive().max(max));
const count = z.coerce.number({ error: 'expected a whole number' }).int().positive();
/** A limit where 0 turns it off. */
const limit = z.coerce.number({ error: 'expected a whole number (0 for no limit)' }).int().nonnegative();
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'expected true or false' }));
/** Comma-separated in flags and the environment, an array in a config file. */
const list = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(z.string().min(1)),
);

const retention = {
  maxMessages: count,
  maxBytes: bytes(Number.MAX_SAFE_INTEGER),
  maxAge: duration('an age'),
};

export const topicRuleSchema = z.object({
  pattern: z.string().refine((p) => checkPattern(p).ok, { message: 'not a valid topic pattern (see PROTOCOL.md §5)' }),
  storage: z.enum(['disk', 'memory']).optional(),
  fsync: z.enum(['always', 'interval']).optional(),
  maxMessages: retention.maxMessages.optional(),
  maxBytes: retention.maxBytes.optional(),
  maxAge: retention.maxAge.optional(),
});
export type TopicRule = z.infer<typeof topicRuleSchema>;

export const settingsSchema = z.object({
  port: z.coerce.number({ error: 'expected a port number' }).int().min(0).max(65535).default(8080),
  host: z.string().min(1).default('127.0.0.1'),
  data: z.string().min(1).default('./data'),
  transport: z.enum(['auto', 'uws', 'ws']).default('auto'),
  storage: z.enum(['disk', 'memory']).default('disk'),
  maxMessages: retention.maxMessages.default(100_000),
  maxBytes: retention.maxBytes.default(64 * MIB),
  maxAge: retention.maxAge.default(24 * 3_600_000),
  maxPayload: bytes(16 * MIB).default(65_536),
  fsync: z.enum(['always', 'interval']).default('interval'),
  fsyncInterval: duration('an interval').default(1000),
  heartbeat: duration('an interval').pipe(z.number().min(100)).default(25_000),
  dedupeWindow: duration('a window').default(120_000),
  maxSubscriptions: count.default(1000),
  maxBuffered: bytes(1024 * MIB).default(MIB),
  /** Connections in all; 0 for no limit. */
  maxConnections: limit.default(100_000),
  /** Connections from one IP address; 0 for no limit. */
  maxConnectionsPerIp: limit.default(20_000),
  /** Publishes per second per connection (token bucket, bursts up to one second's worth); 0 for no limit. */
  maxPublishRate: limit.default(100_000),
  /** Frames per second per connection, any op; 0 for no limit. */
  maxFrameRate: limit.default(200_000),
  /** Time for the HTTP request line and headers, and, with auth on, for a hello with a valid token. */
  handshakeTimeout: duration('a timeout').default(10_000),
  /** Largest request head (request line and headers) on the ws engine. */
  maxHeaderBytes: bytes(1024 * 1024).default(16 * 1024),
  /** permessage-deflate on WebSockets: off by default (CPU and memory per connection). */
  compression: flag.default(false),
  /** HS256 shared secret, at least 32 bytes. */
  authSecret: z.string().min(32, { error: 'must be at least 32 characters; make one with: openssl rand -base64 48' }).optional(),
  /** PEM file with an RSA (RS256) or P-256 (ES256) public key. */
  authPublicKey: z.string().min(1).optional(),
  /** JSON Web Key Set file (RS256/ES256 keys, picked by kid). */
  authJwks: z.string().min(1).optional(),
  /** When set, a token's aud must include it. */
  authAudience: z.string().min(1).optional(),
  /** When set, a token's iss must equal it. */
  authIssuer: z.string().min(1).optional(),
  /** Allows running without auth on an address other than loopback. */
  insecure: flag.default(false),
  /** Browser origins allowed besides the hub's own: exact (https://app.example.com), *.example.com forms, or *. */
  allowedOrigins: list.default([]),
  /** Read the whole disk store before opening it, to refuse a damaged file (see docs/guarantees.md). */
  checkStore: flag.default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  topics: z.array(topicRuleSchema).default([]),
  /** Serve the demo page at / and run its ticker publisher. */
  demo: z.boolean({ error: 'expected true or false' }).default(true),
  /** How often the demo ticker publishes a quote. */
  demoInterval: duration('an interval').pipe(z.number().min(10, { error: 'must be at least 10ms' })).default(500),
});
export type Settings = z.infer<typeof settingsSchema>;

/** Whether clients must present a token. */
export function authEnabled(s: Settings): boolean {
  return s.authSecret !== undefined || s.authPublicKey !== undefined || s.authJwks !== undefined;
}
export type SettingKey = keyof Settings;

/** Thrown for settings a person must fix; the message is meant to be printed as is. */
export class SettingsError extends Error {
  override name = 'SettingsError';
}

export function toFlag(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError(`--config: cannot read ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`--config: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SettingsError(`--config: ${path} must hold a JSON object of settings`);
  }
  const unknown = Object.keys(parsed).filter((k) => !(k in settingsSchema.shape));
  if (unknown.length > 0) {
    throw new SettingsError(`--config: ${path} has unknown setting ${unknown.map((k) => `"${k}"`).join(', ')}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Merges the layers and validates. `given` holds flag and environment values
 * (commander already applied their precedence); `source` says where each came from.
 */
export function resolveSettings(
  given: Record<string, unknown>,
  source: (key: string) => 'cli' | 'env' | 'default' | undefined = () => 'cli',
): Settings {
  const configPath = typeof given.config === 'string' ? given.config : undefined;
  const fromFile = configPath ? readConfigFile(configPath) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, value] of Object.entries(given)) {
    // A flag's own default (commander's, as for --no-demo) must not hide the config file's value.
    if (key !== 'config' && value !== undefined && source(key) !== 'default') merged[key] = value;
  }
  const result = settingsSchema.safeParse(merged);
  if (result.success) return result.data;
  const issue = result.error.issues[0] as z.core.$ZodIssue;
  const key = String(issue.path[0] ?? '');
  const where = key in given && given[key] !== undefined
    ? source(key) === 'env' ? `TIDINGS_${key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()}` : toFlag(key)
    : `${configPath ?? 'config'}: ${issue.path.map(String).join('.')}`;
  const value = issue.path.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k as string], merged);
  // A secret is never echoed: error output ends up in logs.
  const shown = value === undefined || key === 'authSecret' ? '' : ` (got ${JSON.stringify(value)})`;
  throw new SettingsError(`${where}: ${issue.message}${shown}`);
}
