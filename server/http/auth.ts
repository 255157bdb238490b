/**
 * Who an HTTP request is (PROTOCOL.md §9, §10): `Authorization: Bearer`, or
 * `?token=` for an EventSource, which cannot send headers.
 */
import { TidingsError } from '../../shared/errors.js';
import { OPEN_GRANTS, type Grants } from '../auth/grants.js';
import type { TokenVerifier } from '../auth/verifier.js';
import type { HttpExchange } from '../transport/connection.js';
import { sendJson } from './reply.js';

const CHALLENGE = { 'content-type': 'application/json', 'www-authenticate': 'Bearer' };

/** The request's grants, or undefined after answering 401. */
export async function authenticate(verifier: TokenVerifier | undefined, ex: HttpExchange): Promise<Grants | undefined> {
  if (!verifier) return OPEN_GRANTS;
  const header = ex.header('authorization');
  const token = header !== undefined ? /^Bearer +(\S+)\s*$/i.exec(header)?.[1] : ex.query.get('token') ?? undefined;
  if (token === undefined) {
    unauthorized(ex, header === undefined ? 'this hub needs a token: Authorization: Bearer <JWT>' : 'the Authorization header must be Bearer <JWT>');
    return undefined;
  }
  try {
    const grants = await verifier.verify(token);
    if (Date.now() < grants.expiresAt) return grants;
    unauthorized(ex, 'the token has expired');
  } catch (error) {
    unauthorized(ex, error instanceof TidingsError ? error.message : 'the token is not valid');
  }
  return undefined;
}

function unauthorized(ex: HttpExchange, message: string): void {
  ex.respond(401, CHALLENGE, JSON.stringify({ error: { code: 'unauthorized', message } }));
}

/** Answers 403 and returns false when `allowed` is false. */
export function permit(ex: HttpExchange, allowed: boolean, what: string): boolean {
  if (!allowed) sendJson(ex, 403, { error: { code: 'forbidden', message: `the token does not allow ${what}` } });
  return allowed;
}
