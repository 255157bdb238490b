/**
 * What the raw peers (uws-raw, ws-raw) share: the wire dialect they speak — the
 * subset of Tidings protocol v1 a load generator needs (subscribe, publish and
 * ping as JSON text frames), so one load generator drives Tidings and both raw
 * peers — plus the command-line and shutdown plumbing every peer has.
 *
 * Requests are parsed once and checked only as far as routing needs; anything
 * else is ignored. A message frame is built once per publish by concatenating
 * around `JSON.stringify(data)`, and the same string goes to every receiver.
 */

/** A parsed client frame; fields are checked where they are used. */
export interface Frame {
  op?: unknown;
  id?: unknown;
  topic?: unknown;
  data?: unknown;
}

/** The frame as an object, or undefined when it is not JSON or not an object. */
export function parseFrame(text: string): Frame | undefined {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof frame === 'object' && frame !== null ? (frame as Frame) : undefined;
}

/** The request id when it is one the reply can echo (a positive integer), else undefined. */
export function requestId(frame: Frame): number | undefined {
  const id = frame.id;
  return typeof id === 'number' && Number.isSafeInteger(id) && id > 0 ? id : undefined;
}

export function reply(id: number): string {
  return `{"op":"reply","id":${id}}`;
}

export function publishReply(id: number, offset: number): string {
  return `{"op":"reply","id":${id},"offset":${offset}}`;
}

interface TopicState {
  offset: number;
  /** `{"op":"message","topic":<topic JSON>,"offset":` — built once per topic. */
  head: string;
}

/** Builds message frames with a per-topic offset counter that starts at 1. */
export class MessageFrames {
  readonly #topics = new Map<string, TopicState>();
  /** The offset given to the frame most recently built. */
  offset = 0;

  /** The frame for the next message on `topic`; its offset is left in `this.offset`. */
  next(topic: string, data: unknown): string {
    let state = this.#topics.get(topic);
    if (state === undefined) {
      state = { offset: 0, head: `{"op":"message","topic":${JSON.stringify(topic)},"offset":` };
      this.#topics.set(topic, state);
    }
    const offset = ++state.offset;
    this.offset = offset;
    return `${state.head}${offset},"time":${Date.now()},"data":${JSON.stringify(data)}}`;
  }
}

/** `--port` as a TCP port (0 = any free port); exits with usage status 2 when it is not one. */
export function parsePort(text: string | undefined): number {
  const port = Number(text ?? '0');
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer from 0 to 65535, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return port;
}

/** Prints the one line a bench driver waits for. */
export function announceReady(port: number): void {
  process.stdout.write(`ready ${port}\n`);
}

/** Runs `stop` once on the first SIGTERM or SIGINT. */
export function onShutdown(stop: () => void): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) return;
    stopping = true;
    stop();
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
