/**
 * The one list of protocol error codes (PROTOCOL.md §7) and close codes (§8).
 * A test keeps these tables and docs/PROTOCOL.md in sync both ways.
 */

/** Error codes with the HTTP status the HTTP API answers them with. */
export const ERROR_CODES = {
  bad_request: { status: 400 },
  unknown_op: { status: 400 },
  unsupported_protocol: { status: 400 },
  invalid_topic: { status: 400 },
  unauthorized: { status: 401 },
  forbidden: { status: 403 },
  too_large: { status: 413 },
  rate_limited: { status: 429 },
  too_many_subscriptions: { status: 429 },
  already_subscribed: { status: 409 },
  not_subscribed: { status: 404 },
  unavailable: { status: 503 },
  internal: { status: 500 },
  // Protocol 1.1 (work groups, requests, presence: §11–§13).
  not_found: { status: 404 },
  not_joined: { status: 409 },
  member_in_use: { status: 409 },
  stale_delivery: { status: 409 },
  max_lease: { status: 409 },
  too_far: { status: 400 },
  no_responders: { status: 503 },
  timeout: { status: 504 },
  responder_gone: { status: 502 },
  presence_full: { status: 429 },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** What a client does when the server closes with a code. */
export type CloseAction = 'stop' | 'reconnect' | 'fix_sender' | 'refresh_token' | 'back_off' | 'fix_client';

export const CLOSE_CODES = {
  1000: { name: 'normal', action: 'stop' },
  1001: { name: 'going_away', action: 'reconnect' },
  1009: { name: 'frame_too_big', action: 'fix_sender' },
  4001: { name: 'unauthorized', action: 'refresh_token' },
  4008: { name: 'policy', action: 'back_off' },
  4009: { name: 'slow_consumer', action: 'reconnect' },
  4400: { name: 'protocol_violation', action: 'fix_client' },
} as const satisfies Record<number, { name: string; action: CloseAction }>;

export type CloseCode = keyof typeof CLOSE_CODES;

/** Named close codes, so call sites read as intent rather than numbers. */
export const CLOSE = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  FRAME_TOO_BIG: 1009,
  UNAUTHORIZED: 4001,
  POLICY: 4008,
  SLOW_CONSUMER: 4009,
  PROTOCOL_VIOLATION: 4400,
} as const satisfies Record<string, CloseCode>;

/** The error object carried on the wire in `reply.error` and `error` frames. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** An error with a protocol code; every rejection in Tidings is one of these. */
export class TidingsError extends Error {
  readonly code: ErrorCode;
  /** HTTP status matching the code. */
  readonly status: number;
  /** Set when the error ended a connection. */
  readonly closeCode: number | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; closeCode?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TidingsError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.closeCode = options?.closeCode;
  }

  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}
