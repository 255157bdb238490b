/**
 * Checks JWTs (PROTOCOL.md §10) with jose: one algorithm family per hub, fixed by
 * how it is configured, so a token cannot pick its own (no `none`, no HS256
 * signed with a public key). `exp` is required.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { TidingsError } from '../../shared/errors.js';
import { parseTopicsClaim, TokenGrants, type Grants } from './grants.js';

/** Allowed clock difference between the token's issuer and this hub. */
export const CLOCK_TOLERANCE_S = 5;
/** Longer tokens are refused unread. */
export const MAX_TOKEN_CHARS = 8192;

export interface TokenVerifier {
  /** The token's grants, or a TidingsError `unauthorized` saying why not. */
  verify(token: string): Promise<Grants>;
}

type Key = Uint8Array | KeyObject | JWTVerifyGetKey;

/** How the hub checks tokens: one of secret, publicKeyFile, jwksFile (flags --auth-*). */
export interface AuthSettings {
  authSecret?: string | undefined;
  authPublicKey?: string | undefined;
  authJwks?: string | undefined;
  authAudience?: string | undefined;
  authIssuer?: string | undefined;
}

/** A key or key file that cannot be used; the message names the flag and what to fix. */
export class AuthSetupError extends Error {
  override name = 'AuthSetupError';
}

function readFile(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new AuthSetupError(`${flag}: cannot read ${path}: ${(error as Error).message}`);
  }
}

function publicKeyFrom(path: string): { key: KeyObject; algorithm: string } {
  let key: KeyObject;
  try {
    key = createPublicKey(readFile('--auth-public-key', path));
  } catch (error) {
    if (error instanceof AuthSetupError) throw error;
    throw new AuthSetupError(`--auth-public-key: ${path} is not a PEM public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType === 'rsa') return { key, algorithm: 'RS256' };
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, algorithm: 'ES256' };
  throw new AuthSetupError(`--auth-public-key: ${path} holds a ${key.asymmetricKeyType} key; use an RSA key (RS256) or a P-256 EC key (ES256)`);
}

function jwksFrom(path: string): JWTVerifyGetKey {
  let json: unknown;
  try {
    json = JSON.parse(readFile('--auth-jwks', path));
  } catch (error) {
    if (error instanceof AuthSetupError) throw error;
    throw new AuthSetupError(`--auth-jwks: ${path} is not JSON: ${(error as Error).message}`);
  }
  try {
    return createLocalJWKSet(json as Parameters<typeof createLocalJWKSet>[0]);
  } catch (error) {
    throw new AuthSetupError(`--auth-jwks: ${path} is not a JSON Web Key Set: ${(error as Error).message}`);
  }
}

/** The verifier the settings ask for, or undefined when auth is off. Reads key files once, at start. */
export function createVerifier(s: AuthSettings): TokenVerifier | undefined {
  const given = [s.authSecret && '--auth-secret', s.authPublicKey && '--auth-public-key', s.authJwks && '--auth-jwks'].filter(Boolean);
  if (given.length === 0) return undefined;
  if (given.length > 1) throw new AuthSetupError(`${given.join(' and ')}: give only one way to check tokens`);
  let key: Key;
  let algorithms: string[];
  if (s.authSecret !== undefined) {
    key = new TextEncoder().encode(s.authSecret);
    algorithms = ['HS256'];
  } else if (s.authPublicKey !== undefined) {
    const pk = publicKeyFrom(s.authPublicKey);
    key = pk.key;
    algorithms = [pk.algorithm];
  } else {
    key = jwksFrom(s.authJwks as string);
    algorithms = ['RS256', 'ES256'];
  }
  const options = {
    algorithms,
    requiredClaims: ['exp'],
    clockTolerance: CLOCK_TOLERANCE_S,
    ...(s.authAudience !== undefined && { audience: s.authAudience }),
    ...(s.authIssuer !== undefined && { issuer: s.authIssuer }),
  };
  return {
    async verify(token: string): Promise<Grants> {
      if (token.length === 0) throw new TidingsError('unauthorized', 'the token is empty');
      if (token.length > MAX_TOKEN_CHARS) throw new TidingsError('unauthorized', `the token is longer than ${MAX_TOKEN_CHARS} characters`);
      let payload;
      try {
        // jose's overloads differ only in the key's type; the options are the same.
        ({ payload } = typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
      } catch (error) {
        throw new TidingsError('unauthorized', reason(error));
      }
      const topics = parseTopicsClaim(payload.topics);
      if (typeof topics === 'string') throw new TidingsError('unauthorized', topics);
      const subject = typeof payload.sub === 'string' ? payload.sub.slice(0, 200) : undefined;
      return new TokenGrants(subject, (payload.exp as number) * 1000, topics.subscribe, topics.publish);
    },
  };
}

/** A short, safe reason: enough for a client to fix its token, nothing about the key. */
function reason(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'exp') return 'the token has no valid exp claim';
    if (error.claim === 'nbf') return 'the token is not valid yet';
    if (error.claim === 'iat') return 'the token has a bad iat claim';
    return `the token's ${error.claim} claim is not accepted`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this hub does not accept';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token\'s signature does not verify';
  if (error instanceof errors.JWKSNoMatchingKey) return 'no key of this hub matches the token';
  if (error instanceof errors.JWTInvalid || error instanceof errors.JWSInvalid) return 'the token is not a well-formed JWT';
  return 'the token is not valid';
}
