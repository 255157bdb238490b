/**
 * `tidings gen-token`: a signed JWT for development and scripts, in the shape
 * the hub checks (PROTOCOL.md §10): `sub`, `exp`, and the `topics` grants.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { checkPattern } from '../../shared/topics.js';
import { CliError } from './errors.js';

export interface GenTokenOptions {
  sub?: string;
  subscribe: string[];
  publish: string[];
  ttlMs: number;
  secret?: string;
  privateKey?: string;
  aud?: string;
  iss?: string;
  kid?: string;
}

function signingKey(opts: GenTokenOptions): { key: Uint8Array | KeyObject; alg: string } {
  if (opts.secret !== undefined && opts.privateKey !== undefined) throw new CliError('give --secret or --private-key, not both', 2);
  if (opts.privateKey !== undefined) {
    let key: KeyObject;
    try {
      key = createPrivateKey(readFileSync(opts.privateKey, 'utf8'));
    } catch (error) {
      throw new CliError(`--private-key: cannot use ${opts.privateKey}: ${(error as Error).message}`, 2);
    }
    if (key.asymmetricKeyType === 'rsa') return { key, alg: 'RS256' };
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, alg: 'ES256' };
    throw new CliError(`--private-key: ${opts.privateKey} is a ${key.asymmetricKeyType} key; use RSA (RS256) or P-256 EC (ES256)`, 2);
  }
  if (opts.secret === undefined) throw new CliError('give --secret (or TIDINGS_AUTH_SECRET), the hub\'s --auth-secret, or --private-key', 2);
  if (opts.secret.length < 32) throw new CliError('--secret: must be at least 32 characters, as the hub requires', 2);
  return { key: new TextEncoder().encode(opts.secret), alg: 'HS256' };
}

export async function genToken(opts: GenTokenOptions): Promise<number> {
  for (const [flag, list] of [['--subscribe', opts.subscribe], ['--publish', opts.publish]] as const) {
    for (const pattern of list) {
      const check = checkPattern(pattern);
      if (!check.ok) throw new CliError(`${flag} ${pattern}: ${check.reason}`, 2);
    }
  }
  const { key, alg } = signingKey(opts);
  const now = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({ topics: { subscribe: opts.subscribe, publish: opts.publish } })
    .setProtectedHeader({ alg, typ: 'JWT', ...(opts.kid !== undefined && { kid: opts.kid }) })
    .setIssuedAt(now)
    .setExpirationTime(now + Math.ceil(opts.ttlMs / 1000));
  if (opts.sub !== undefined) jwt = jwt.setSubject(opts.sub);
  if (opts.aud !== undefined) jwt = jwt.setAudience(opts.aud);
  if (opts.iss !== undefined) jwt = jwt.setIssuer(opts.iss);
  process.stdout.write(`${await jwt.sign(key)}\n`);
  return 0;
}
