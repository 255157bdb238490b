/**
 * `tidings/client`: what a client needs to speak protocol v1 — frame schemas and
 * types, the error class and code tables, and topic rules. It imports only
 * shared/ (no Node modules), so it bundles for browsers.
 */
export {
  CLOSE, CLOSE_CODES, ERROR_CODES, TidingsError, isErrorCode,
  type CloseAction, type CloseCode, type ErrorCode, type WireError,
} from '../shared/errors.js';
export { checkPattern, checkTopic, isWildcard, matchesPattern, MAX_TOPIC_BYTES } from '../shared/topics.js';
export {
  PROTOCOL_VERSION, MAX_KEY_CHARS, serverFrameSchema,
  type HelloReply, type MessageFrame, type PublishReply, type ServerFrame, type SubscribeFrom, type SubscribeReply,
} from '../shared/protocol.js';
