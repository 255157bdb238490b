/** JSON answers and §7 errors over HTTP (PROTOCOL.md §9). */
import { ERROR_CODES, TidingsError, type ErrorCode } from '../../shared/errors.js';
import type { HttpExchange } from '../transport/connection.js';

const JSON_TYPE = { 'content-type': 'application/json' };

export function sendJson(ex: HttpExchange, status: number, body: unknown): void {
  ex.respond(status, JSON_TYPE, JSON.stringify(body));
}

/** A body already serialized (e.g. spliced from stored JSON text). */
export function sendJsonText(ex: HttpExchange, status: number, text: string): void {
  ex.respond(status, JSON_TYPE, text);
}

/** `{"error":{code,message}}` with the code's status, or `status` where the code's own does not fit. */
export function sendError(ex: HttpExchange, code: ErrorCode, message: string, status: number = ERROR_CODES[code].status): void {
  sendJson(ex, status, { error: { code, message } });
}

export function sendTidingsError(ex: HttpExchange, error: TidingsError): void {
  sendError(ex, error.code, error.message);
}
