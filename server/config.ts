/**
 * Settings: defaults < config file < TIDINGS_* environment < flags, checked
 * with zod. A bad value becomes one line naming the flag and what to fix.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { checkPattern } from '../shared/topics.js';
import { AuthSetupError, createVerifier, type TokenVerifier } from './auth/verifier.js';
import { isLoopbackHost } from './http/origin.js';
import { formatBytes, parseBytes, parseDuration } from './units.js';

const MIB = 1024 * 1024;

/** A message for a value of the wrong kind only; range issues keep the wording of `plainIssue`. */
const kind = (message: string) => ({ error: (iss: { code?: string }) => (iss.code === 'invalid_type' ? message : undefined) });

const duration = (what: string) =>
  z.preprocess((v) => parseDuration(v) ?? v, z.number(kind(`expected ${what} such as 500ms, 30s, 5m, 2h or 7d`)).int().positive());
const bytes = (max: number) =>
  z.preprocess((v) => parseBytes(v) ?? v, z.number(kind('expected a size such as 65536, 64KiB or 1MiB')).int().positive()
    .max(max, { error: `must be at most ${formatBytes(max)}` }));
const count = z.coerce.number(kind('expected a whole number')).int().min(1);
/** A limit where 0 turns it off. */
const limit = z.coerce.number(kind('expected a whole number (0 for no limit)')).int().min(0);
const flag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'expected true or false' }));
/** Comma-separated in flags and the environment, an array in a config file. */
const origins = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v),
  z.array(
    // What the Origin check (http/origin.ts) can match: an exact origin, a *. subdomain form, or *.
    z.string().regex(/^(\*|[a-z][a-z0-9+.-]*:\/\/(\*\.)?([^/:*\s[\]]+|\[[0-9a-f:.]+\])(:\d+)?\/?)$/i,
      { error: 'not an origin: expected scheme://host[:port], e.g. https://app.example.com, https://*.example.com, or *' }),
    kind('expected a list of origins, e.g. ["https://app.example.com"]'),
  ),
);
const text = (what: string) => z.string(kind(`expected ${what} as a string`)).min(1);

const retention = {
  maxMessages: count,
  maxBytes: bytes(Number.MAX_SAFE_INTEGER),
  maxAge: duration('an age'),
};

export const topicRuleSchema = z.strictObject({
  pattern: z.string({ error: (iss) => (iss.input === undefined ? 'missing: every rule needs a "pattern", e.g. "chat.*"' : 'expected a topic pattern such as "chat.*" or "ticker.>"') })
    .refine((p) => checkPattern(p).ok, { message: 'not a valid topic pattern (see PROTOCOL.md §5)' }),
  storage: z.enum(['disk', 'memory']).optional(),
  fsync: z.enum(['always', 'interval']).optional(),
  maxMessages: retention.maxMessages.optional(),
  maxBytes: retention.maxBytes.optional(),
  maxAge: retention.maxAge.optional(),
}, kind('expected a rule such as {"pattern": "chat.*", "maxAge": "7d"}'));
export type TopicRule = z.infer<typeof topicRuleSchema>;

export const settingsSchema = z.object({
  port: z.coerce.number({ error: 'expected a port number from 0 to 65535' }).int().min(0).max(65535).default(8080),
  host: text('an address').default('127.0.0.1'),
  data: text('a folder').default('./data'),
  transport: z.enum(['auto', 'uws', 'ws']).default('auto'),
  storage: z.enum(['disk', 'memory']).default('disk'),
  maxMessages: retention.maxMessages.default(100_000),
  maxBytes: retention.maxBytes.default(64 * MIB),
  maxAge: retention.maxAge.default(24 * 3_600_000),
  maxPayload: bytes(16 * MIB).default(65_536),
  fsync: z.enum(['always', 'interval']).default('interval'),
  fsyncInterval: duration('an interval').default(1000),
  heartbeat: duration('an interval').pipe(z.number().min(100, { error: 'must be at least 100ms' })).default(25_000),
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
  authSecret: z.string(kind('expected the secret as a string'))
    .min(32, { error: 'must be at least 32 characters; make one with: openssl rand -base64 48' }).optional(),
  /** PEM file with an RSA (RS256) or P-256 (ES256) public key. */
  authPublicKey: text('a file name').optional(),
  /** JSON Web Key Set file (RS256/ES256 keys, picked by kid). */
  authJwks: text('a file name').optional(),
  /** When set, a token's aud must include it. */
  authAudience: text('the audience').optional(),
  /** When set, a token's iss must equal it. */
  authIssuer: text('the issuer').optional(),
  /** Allows running without auth on an address other than loopback. */
  insecure: flag.default(false),
  /** Browser origins allowed besides the hub's own: exact (https://app.example.com), *.example.com forms, or *. */
  allowedOrigins: origins.default([]),
  /** Read the whole disk store before opening it, to refuse a damaged file (see docs/guarantees.md). */
  checkStore: flag.default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  topics: z.array(topicRuleSchema, kind('expected a list of rules such as [{"pattern": "chat.*", "maxAge": "7d"}]')).default([]),
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

export function envName(key: string): string {
  return 'TIDINGS_' + key.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase();
}

/** zod's own wording (`Invalid option: expected one of "a"|"b"`) in plain words. */
function plainIssue(iss: z.core.$ZodRawIssue): string | undefined {
  const words = (values: readonly unknown[]): string =>
    values.length === 1 ? String(values[0]) : `${values.slice(0, -1).join(', ')} or ${String(values.at(-1))}`;
  switch (iss.code) {
    case 'invalid_value': return `expected ${words(iss.values)}`;
    case 'invalid_type':
      if (iss.input === undefined) return 'missing';
      return `expected ${{ string: 'a string', number: 'a number', int: 'a whole number', boolean: 'true or false', array: 'a list', object: 'an object' }[iss.expected as string] ?? iss.expected}`;
    case 'too_small':
      if (iss.origin === 'string') return iss.minimum === 1 ? 'must not be empty' : `must be at least ${iss.minimum} characters`;
      return `must be ${iss.inclusive ? 'at least' : 'more than'} ${iss.minimum}`;
    case 'too_big':
      if (iss.origin === 'string') return `must be at most ${iss.maximum} characters`;
      return `must be ${iss.inclusive ? 'at most' : 'less than'} ${iss.maximum}`;
    case 'unrecognized_keys': {
      const known = Object.keys((iss.path?.[0] === 'topics' ? topicRuleSchema : settingsSchema).shape);
      return iss.keys.map((k) => `unknown setting "${k}"${suggest(k, known)}`).join(', ');
    }
    default: return undefined;
  }
}

/** `max-age`, `max_age`, `MaxAge` → ` (did you mean "maxAge"?)`. */
export function suggest(key: string, known: readonly string[]): string {
  const squash = (k: string): string => k.replace(/[-_]/g, '').toLowerCase();
  const near = known.find((n) => squash(n) === squash(key));
  return near ? ` (did you mean "${near}"?)` : '';
}

/** The schema's verdict, every message in plain words. */
export function parseSettings(input: unknown): ReturnType<typeof settingsSchema.safeParse> {
  return settingsSchema.safeParse(input, { error: plainIssue, reportInput: true });
}

/** A file that cannot be read, in plain words: `no such file`, not `ENOENT: no such file or directory, open 'x'`. */
export function fileProblem(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file'
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
      : code === 'EISDIR' ? 'a folder, not a file'
        : code === 'ENOTDIR' ? 'a part of its path is a file, not a folder'
          : (error as Error).message;
}

/** JSON.parse's message on one line, with the line and column of its `position N`. */
function jsonProblem(error: Error, text: string): string {
  const message = error.message.replace(/\s+/g, ' ');
  const at = /at position (\d+)/.exec(message);
  if (!at || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(at[1])).split('\n');
  return `${message} (line ${before.length}, column ${(before.at(-1) as string).length + 1})`;
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SettingsError(`--config: cannot read ${path}: ${fileProblem(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SettingsError(`--config: ${path} is not valid JSON: ${jsonProblem(error as Error, text)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new SettingsError(`--config: ${path} must hold a JSON object of settings`);
  }
  const unknown = Object.keys(parsed).filter((k) => !(k in settingsSchema.shape));
  if (unknown.length > 0) {
    const known = Object.keys(settingsSchema.shape);
    throw new SettingsError(`--config: ${path} has unknown setting ${unknown.map((k) => `"${k}"${suggest(k, known)}`).join(', ')}`);
  }
  return parsed as Record<string, unknown>;
}

export type Source = 'cli' | 'env' | 'default' | undefined;

/**
 * How a person gave a setting, to name it in a message: `--max-age`, `TIDINGS_MAX_AGE`,
 * or `hub.json: maxAge` (the flag when it was given nowhere).
 */
export interface Naming {
  /** Where `path` (a key, or a key and the place in its value) was set. */
  where(path: readonly PropertyKey[]): string;
  /** Where `key` was set, with its value: `--host 0.0.0.0`, `hub.json: host "0.0.0.0"`. */
  withValue(key: SettingKey, value: unknown): string;
  /** How to set `key` in a fix: the flag, or the file's key when only a file is checked. */
  hint(key: SettingKey): string;
}

export function naming(given: Record<string, unknown>, source: (key: string) => Source, fileOnly = false): Naming {
  const configPath = typeof given.config === 'string' ? given.config : undefined;
  const viaFlag = (key: string): boolean => key in given && given[key] !== undefined && source(key) !== 'default';
  let fileKeys: string[] | undefined;
  const inFile = (key: string): boolean => {
    if (configPath === undefined || viaFlag(key)) return false;
    if (fileOnly) return true;
    try {
      fileKeys ??= Object.keys(readConfigFile(configPath));
    } catch {
      fileKeys = [];
    }
    return fileKeys.includes(key);
  };
  return {
    where: (path) => {
      const key = String(path[0] ?? '');
      if (viaFlag(key)) return source(key) === 'env' ? envName(key) : toFlag(key);
      return inFile(key) ? `${configPath}: ${path.map(String).join('.')}` : toFlag(key);
    },
    withValue: (key, value) => {
      if (viaFlag(key)) return source(key) === 'env' ? `${envName(key)}=${String(value)}` : `${toFlag(key)} ${String(value)}`;
      return inFile(key) ? `${configPath}: ${key} ${JSON.stringify(value)}` : `${toFlag(key)} ${String(value)}`;
    },
    hint: (key) => (fileOnly ? `"${key}"` : toFlag(key)),
  };
}

/**
 * What `serve` refuses beyond each value's own check, before it touches the network
 * or the disk: key files that cannot be used, an open hub reachable from other machines.
 * resolveSettings runs it, so `check-config` refuses the same; serve runs it again
 * for its token verifier. `name` says how the person gave each setting.
 */
export function checkStartable(s: Settings, name: Naming = naming({}, () => undefined)): TokenVerifier | undefined {
  // With more than one way to check tokens, that is the problem to report (createVerifier does).
  const ways = [s.authSecret, s.authPublicKey, s.authJwks].filter((v) => v !== undefined).length;
  for (const key of ['authPublicKey', 'authJwks'] as const) {
    const path = s[key];
    if (path === undefined || ways > 1) continue;
    try {
      readFileSync(path);
    } catch (error) {
      throw new SettingsError(`${name.withValue(key, path)}: cannot read it: ${fileProblem(error)}`);
    }
  }
  let verifier: TokenVerifier | undefined;
  try {
    verifier = createVerifier(s);
  } catch (error) {
    if (!(error instanceof AuthSetupError)) throw error;
    throw new SettingsError(plainAuthError(error.message, s, name));
  }
  if (!verifier && !isLoopbackHost(s.host) && !s.insecure) {
    const [secret, key, jwks] = (['authSecret', 'authPublicKey', 'authJwks'] as const).map(name.hint);
    const insecure = name.hint('insecure');
    throw new SettingsError(`${name.withValue('host', s.host)}: a hub reachable from other machines needs auth: set ${secret}, ${key} `
      + `or ${jwks} (see docs/security.md), or ${insecure.startsWith('--') ? `pass ${insecure}` : `set ${insecure}: true`} `
      + 'to let anyone publish and subscribe');
  }
  return verifier;
}

/** The verifier names flags and quotes OpenSSL; say where the setting was given, in plain words, on one line. */
function plainAuthError(message: string, s: Settings, name: Naming): string {
  const keyOf = (flag: string): SettingKey => flag.slice(2).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()) as SettingKey;
  const oneLine = message.replace(/\s+/g, ' ');
  const file = /^(--auth-public-key|--auth-jwks): (.+?) is not (.*)$/.exec(oneLine);
  if (file) {
    const key = keyOf(file[1] as string);
    const what = (file[3] as string).replace(/^a PEM public key: .*$/, 'a PEM public key (expected a file starting with -----BEGIN PUBLIC KEY-----)');
    return `${name.withValue(key, s[key])}: not ${what}`;
  }
  return oneLine.replace(/^(--auth-[a-z-]+(?: and --auth-[a-z-]+)*)/, (flags) => flags.split(' and ').map((f) => name.where([keyOf(f)])).join(' and '));
}

/**
 * Merges the layers and validates, then makes the checks serve makes before starting.
 * `given` holds flag and environment values (commander already applied their precedence);
 * `source` says where each came from. `fileOnly`: checking a file alone (check-config).
 */
export function resolveSettings(
  given: Record<string, unknown>,
  source: (key: string) => Source = () => 'cli',
  fileOnly = false,
): Settings {
  const configPath = typeof given.config === 'string' ? given.config : undefined;
  const fromFile = configPath ? readConfigFile(configPath) : {};
  const merged: Record<string, unknown> = { ...fromFile };
  for (const [key, value] of Object.entries(given)) {
    // A flag's own default (commander's, as for --no-demo) must not hide the config file's value.
    if (key !== 'config' && value !== undefined && source(key) !== 'default') merged[key] = value;
  }
  const name = naming(given, source, fileOnly);
  const result = parseSettings(merged);
  if (result.success) {
    checkStartable(result.data, name);
    return result.data;
  }
  throw new SettingsError(describeIssue(result.error.issues[0] as z.core.$ZodIssue, merged, name));
}

/** One line for a schema issue: where, what is accepted, and what was given. */
export function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>, name: Naming): string {
  const key = String(issue.path[0] ?? '');
  let value: unknown = input;
  for (const k of issue.path) {
    // A comma-separated flag is a string where the schema sees a list: show the item zod saw.
    if (typeof value !== 'object' || value === null) {
      value = issue.input;
      break;
    }
    value = (value as Record<PropertyKey, unknown>)[k as PropertyKey];
  }
  // A secret is never echoed: error output ends up in logs. An unknown key is named already.
  const shown = value === undefined || key === 'authSecret' || issue.code === 'unrecognized_keys' ? '' : ` (got ${JSON.stringify(value)})`;
  return `${name.where(issue.path)}: ${issue.message}${shown}`;
}
