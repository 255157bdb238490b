/**
 * Wire frames of protocol v1 (PROTOCOL.md §2–§4) as zod schemas; the TypeScript
 * types are inferred from them. Client requests are checked `op` first, so an
 * unknown op can be told apart from a bad shape.
 */
import { z } from 'zod';
import { MAX_KEY_CHARS } from './constants.js';
import type { WireError } from './errors.js';

export { MAX_KEY_CHARS, PROTOCOL_VERSION } from './constants.js';

const requestId = z.number().int().positive().optional();
const offset = z.number().int().nonnegative();

export const fromSchema = z.union([
  z.object({ after: offset, epoch: z.string().min(1).max(64).optional() }),
  z.object({ last: offset }),
  z.object({ earliest: z.literal(true) }),
]);

export const helloSchema = z.object({
  op: z.literal('hello'),
  id: requestId,
  protocol: z.number().int().optional(),
  token: z.string().optional(),
  client: z.string().max(200).optional(),
});

export const subscribeSchema = z.object({
  op: z.literal('subscribe'),
  id: requestId,
  topic: z.string(),
  from: fromSchema.optional(),
});

export const unsubscribeSchema = z.object({
  op: z.literal('unsubscribe'),
  id: requestId,
  topic: z.string(),
});

export const publishSchema = z
  .object({
    op: z.literal('publish'),
    id: requestId,
    topic: z.string(),
    data: z.unknown(),
    key: z.string().min(1).max(MAX_KEY_CHARS, `key is longer than ${MAX_KEY_CHARS} characters`).optional(),
  })
  .refine((req) => req.data !== undefined, { message: 'publish needs data', path: ['data'] });

export const pingSchema = z.object({ op: z.literal('ping'), id: requestId });
export const pongSchema = z.object({ op: z.literal('pong'), id: requestId });

/** Schemas of the client's requests, by op. */
export const requestSchemas = {
  hello: helloSchema,
  subscribe: subscribeSchema,
  unsubscribe: unsubscribeSchema,
  publish: publishSchema,
  ping: pingSchema,
  pong: pongSchema,
} as const;

export type RequestOp = keyof typeof requestSchemas;
export type HelloRequest = z.infer<typeof helloSchema>;
export type SubscribeRequest = z.infer<typeof subscribeSchema>;
export type UnsubscribeRequest = z.infer<typeof unsubscribeSchema>;
export type PublishRequest = z.infer<typeof publishSchema>;
export type PingRequest = z.infer<typeof pingSchema>;
export type PongRequest = z.infer<typeof pongSchema>;
export type SubscribeFrom = z.infer<typeof fromSchema>;
export type Request = HelloRequest | SubscribeRequest | UnsubscribeRequest | PublishRequest | PingRequest | PongRequest;

export function isRequestOp(op: string): op is RequestOp {
  return Object.hasOwn(requestSchemas, op);
}

// Server-to-client frames.

const wireErrorSchema = z.object({ code: z.string(), message: z.string() });

export const replyFrameSchema = z.looseObject({
  op: z.literal('reply'),
  id: z.number().int().positive(),
  error: wireErrorSchema.optional(),
});
export const messageFrameSchema = z.object({
  op: z.literal('message'),
  topic: z.string(),
  offset: z.number().int().positive(),
  time: z.number(),
  data: z.unknown(),
});
export const errorFrameSchema = z.object({ op: z.literal('error'), error: wireErrorSchema });
/** Why the hub ended one subscription without closing the connection (PROTOCOL.md §4). */
export const ENDED_REASONS = ['reset', 'truncated', 'unavailable'] as const;
export type EndedReason = (typeof ENDED_REASONS)[number];
export const endedFrameSchema = z.object({ op: z.literal('ended'), topic: z.string(), reason: z.enum(ENDED_REASONS) });
export const serverPingSchema = z.object({ op: z.literal('ping') });

/** Any frame the server sends. */
export const serverFrameSchema = z.discriminatedUnion('op', [
  replyFrameSchema,
  messageFrameSchema,
  errorFrameSchema,
  serverPingSchema,
  endedFrameSchema,
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
export type MessageFrame = z.infer<typeof messageFrameSchema>;
export type EndedFrame = z.infer<typeof endedFrameSchema>;

/** Reply to `hello`. */
export interface HelloReply {
  session: string;
  protocol: number;
  heartbeat: number;
  /** The protocol 1.1 capabilities the hub has (`groups`, `schedule`, `requests`, `presence`). */
  features: string[];
  limits: { maxPayload: number; maxSubscriptions: number };
}

/** Reply to `subscribe`; `epoch`/`head`/`earliest` are absent for wildcard subscriptions. */
export interface SubscribeReply {
  topic: string;
  epoch?: string;
  head?: number;
  earliest?: number;
  truncated?: boolean;
  reset?: boolean;
}

/** Reply to `publish`. */
export interface PublishReply {
  topic: string;
  offset: number;
  epoch: string;
  duplicate?: true;
}

export type { WireError };
