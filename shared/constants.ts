/** Protocol constants used by server and client alike, kept free of zod so a browser bundle stays small. */
export const PROTOCOL_VERSION = 1;
/** Longest idempotency key, in characters. */
export const MAX_KEY_CHARS = 128;
