/**
 * Text frame ⇄ typed request/reply. `decodeRequest` is total: it never throws,
 * so a transport can hand it anything a client sent.
 */
import type { ZodError } from 'zod';
import { isRequestOp, requestSchemas, type EndedReason, type Request } from '../../shared/protocol.js';
import type { ErrorCode, WireError } from '../../shared/errors.js';

export type DecodeResult =
  | { ok: true; req: Request }
  /** `id` is set when the frame had a valid one, so the error can be a reply. */
  | { ok: false; id: number | undefined; error: WireError; malformed: boolean };

function fail(code: ErrorCode, message: string, id?: number, malformed = true): DecodeResult {
  return { ok: false, id, error: { code, message }, malformed };
}

function describeZodError(error: ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid request';
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

export function decodeRequest(text: string): DecodeResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return fail('bad_request', 'frame is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('bad_request', 'frame must be a JSON object');
  }
  const frame = parsed as Record<string, unknown>;
  if (frame.id !== undefined && !isPositiveInteger(frame.id)) {
    return fail('bad_request', 'id must be a positive integer');
  }
  const id = frame.id as number | undefined;
  const op = frame.op;
  // PROTOCOL.md §2: a frame without an op is not a request, so it gets an error frame, not a reply.
  if (typeof op !== 'string') return fail('bad_request', 'frame has no op');
  if (!isRequestOp(op)) return fail('unknown_op', `unknown op '${op.slice(0, 40)}'`, id);
  const result = requestSchemas[op].safeParse(frame);
  if (!result.success) return fail('bad_request', describeZodError(result.error), id);
  return { ok: true, req: result.data as Request };
}

/** A reply frame; `fields` are merged after `op` and `id`. */
export function encodeReply(id: number, fields?: object): string {
  const head = `{"op":"reply","id":${id}`;
  if (!fields) return head + '}';
  const body = JSON.stringify(fields);
  return body === '{}' ? head + '}' : head + ',' + body.slice(1);
}

export function encodeErrorReply(id: number, error: WireError): string {
  return `{"op":"reply","id":${id},"error":${JSON.stringify(error)}}`;
}

export function encodeErrorFrame(error: WireError): string {
  return `{"op":"error","error":${JSON.stringify(error)}}`;
}

export const PING_FRAME = '{"op":"ping"}';

/** The hub ended one subscription; the connection stays (PROTOCOL.md §4). */
export function encodeEnded(topicJson: string, reason: EndedReason): string {
  return `{"op":"ended","topic":${topicJson},"reason":"${reason}"}`;
}

/**
 * A message frame, built once per publish and shared by every receiver.
 * `topicJson` is the topic already JSON-encoded; `dataJson` the stored data text.
 */
export function encodeMessage(topicJson: string, offset: number, time: number, dataJson: string): string {
  return `{"op":"message","topic":${topicJson},"offset":${offset},"time":${time},"data":${dataJson}}`;
}

/**
 * A publish's data as the JSON text to store, or undefined when it is nested too
 * deeply to serialize (the parser takes any depth; serializing recurses).
 */
export function encodeData(data: unknown): string | undefined {
  try {
    return JSON.stringify(data);
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

export const TOO_DEEP = 'data is nested too deeply';
