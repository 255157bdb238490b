/**
 * `tidings/client`: the Tidings client for browsers and Node, with no runtime
 * dependencies and no Node modules (Node users pass `ws` as `WebSocket`).
 */
export {
  TidingsClient, type ClientEvents, type ClientOptions, type ConnectionState, type StateChange, type Transport, type TransportChange, type TransportChoice,
} from './tidings-client.js';
export type { EventSourceFactory, EventSourceLike } from './sse-socket.js';
export { Subscription, type From, type Message, type SubscribedInfo, type SubscriptionEvents, type SubscriptionState } from './subscription.js';
export type { PublishResult } from './publisher.js';
export { MemoryOffsetStore, WebStorageOffsetStore, type KeyValueStorage, type OffsetStore, type Position } from './offset-store.js';
export { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './backoff.js';
export { DEFAULT_PROBE_BACKOFF } from './transport-picker.js';
export type { SocketFactory, SocketLike } from './socket.js';
export {
  CLOSE, CLOSE_CODES, ERROR_CODES, TidingsError, isErrorCode,
  type CloseAction, type CloseCode, type ErrorCode, type WireError,
} from '../shared/errors.js';
export { checkPattern, checkTopic, isWildcard, matchesPattern, MAX_TOPIC_BYTES } from '../shared/topics.js';
export { MAX_KEY_CHARS, PROTOCOL_VERSION } from '../shared/constants.js';
export type {
  HelloReply, MessageFrame, PublishReply, ServerFrame, SubscribeFrom, SubscribeReply,
} from '../shared/protocol.js';
