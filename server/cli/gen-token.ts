/**
 * `tidings gen-token`: a signed JWT for development and scripts, in the shape
 * the hub checks (PROTOCOL.md §10): `sub`, `exp`, and the `topics` grants.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { checkPattern } from '../../shared/topics.js';
import { fileProblem, readConfigFile, SettingsError } from '../config.js';
import { formatDuration } from '../units.js';
import { CliError } from './errors.js';

/** Where `--secret` came from: the flag or TIDINGS_AUTH_SECRET, named so in messages. */
export type SecretSource = 'cli' | 'env';

export interface GenTokenOptions {
  sub?: string;
  subscribe: string[];
  publish: string[];
  ttlMs: number;
  secret?: string;
  secretFrom?: SecretSource;
  config?: string;
  privateKey?: string;
  aud?: string;
  iss?: string;
  kid?: string;
}

interface Signer {
  key: Uint8Array | KeyObject;
  alg: string;
  aud?: string;
  iss?: string;
}

function privateKeyFrom(path: string): Signer {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`--private-key ${path}: cannot read it: ${fileProblem(error)}`, 2);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MISSING_PASSPHRASE') {
      throw new CliError(`--private-key ${path}: the key is encrypted; write it unencrypted first, e.g. openssl pkey -in ${path} -out plain.key`, 2);
    }
    if (/-----BEGIN (RSA |EC )?PUBLIC KEY-----/.test(text)) {
      throw new CliError(`--private-key ${path}: a public key, not a private one: sign with the private key (the hub checks with the public one)`, 2);
    }
    throw new CliError(`--private-key ${path}: not a PEM private key (expected a file starting with -----BEGIN PRIVATE KEY-----)`, 2);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ES256' };
  throw new CliError(`--private-key ${path}: a ${key.asymmetricKeyType} key; use RSA (RS256) or P-256 EC (ES256)`, 2);
}

/** The hub's settings in a config file that signing needs. */
function fromConfig(path: string): Signer {
  let content: Record<string, unknown>;
  try {
    content = readConfigFile(path);
  } catch (error) {
    throw error instanceof SettingsError ? new CliError(error.message, 2) : error;
  }
  const { authSecret, authPublicKey, authJwks, authAudience, authIssuer } = content;
  if (typeof authSecret !== 'string') {
    throw new CliError(authPublicKey !== undefined || authJwks !== undefined
      ? `--config ${path}: the hub checks tokens with a public key; sign with the matching --private-key`
      : `--config ${path}: no authSecret in it (tidings init --auth writes one)`, 2);
  }
  return {
    ...hmac(authSecret, `--config ${path}: authSecret`),
    ...(typeof authAudience === 'string' && { aud: authAudience }),
    ...(typeof authIssuer === 'string' && { iss: authIssuer }),
  };
}

function hmac(secret: string, name: string): Signer {
  if (secret.length < 32) throw new CliError(`${name}: must be at least 32 characters, as the hub requires`, 2);
  return { key: new TextEncoder().encode(secret), alg: 'HS256' };
}

/** Flags win over TIDINGS_AUTH_SECRET, which a shell may have set for the hub. */
function signer(opts: GenTokenOptions): Signer {
  const secretFlag = opts.secret !== undefined && opts.secretFrom !== 'env';
  const given = [secretFlag && '--secret', opts.privateKey !== undefined && '--private-key', opts.config !== undefined && '--config'].filter(Boolean);
  if (given.length > 1) throw new CliError(`give one of --secret, --private-key and --config, not ${given.join(' and ')}`, 2);
  if (opts.privateKey !== undefined) return privateKeyFrom(opts.privateKey);
  if (opts.config !== undefined) return fromConfig(opts.config);
  if (opts.secret !== undefined && opts.secret !== '') return hmac(opts.secret, secretFlag ? '--secret' : 'TIDINGS_AUTH_SECRET');
  throw new CliError('give the hub\'s secret with --secret (or TIDINGS_AUTH_SECRET), its config file with --config, '
    + 'or a private key with --private-key', 2);
}

export async function genToken(opts: GenTokenOptions): Promise<number> {
  for (const [flag, list] of [['--subscribe', opts.subscribe], ['--publish', opts.publish]] as const) {
    for (const pattern of list) {
      const check = checkPattern(pattern);
      if (!check.ok) throw new CliError(`${flag} ${pattern}: ${check.reason}`, 2);
    }
  }
  const { key, alg, ...fromFile } = signer(opts);
  const aud = opts.aud ?? fromFile.aud;
  const iss = opts.iss ?? fromFile.iss;
  const now = Math.floor(Date.now() / 1000);
  const exp = now + Math.ceil(opts.ttlMs / 1000);
  let jwt = new SignJWT({ topics: { subscribe: opts.subscribe, publish: opts.publish } })
    .setProtectedHeader({ alg, typ: 'JWT', ...(opts.kid !== undefined && { kid: opts.kid }) })
    .setIssuedAt(now)
    .setExpirationTime(exp);
  if (opts.sub !== undefined) jwt = jwt.setSubject(opts.sub);
  if (aud !== undefined) jwt = jwt.setAudience(aud);
  if (iss !== undefined) jwt = jwt.setIssuer(iss);
  process.stdout.write(`${await jwt.sign(key)}\n`);
  const grants = [opts.subscribe.length > 0 && `subscribe ${opts.subscribe.join(', ')}`, opts.publish.length > 0 && `publish ${opts.publish.join(', ')}`]
    .filter(Boolean).join('; ');
  process.stderr.write(`tidings: ${alg} token${opts.sub === undefined ? '' : ` for ${opts.sub}`}, valid for ${formatDuration(Math.ceil(opts.ttlMs / 1000) * 1000)} `
    + `(until ${new Date(exp * 1000).toISOString().replace('.000Z', 'Z')})${grants ? `: ${grants}` : ''}\n`);
  if (!grants) {
    process.stderr.write('tidings: warning: this token grants no topics: it can connect but neither subscribe nor publish; '
      + 'add --subscribe or --publish patterns\n');
  }
  return 0;
}
