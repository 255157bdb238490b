/**
 * `tidings tail TOPIC`: prints a topic's messages as they come, one line each, through
 * the client SDK, so a dropped connection or a hub restart resumes after the last
 * offset printed: no gap, no duplicate.
 */
import WebSocket from 'ws';
import { MemoryOffsetStore, TidingsClient, type From, type Message, type Position, type SocketFactory } from '../../client/index.js';
import { checkPattern, checkTopic, isWildcard } from '../../shared/topics.js';
import { CliError } from './errors.js';
import { authHint } from './http-client.js';
import { unreachable, type HubUrl } from './hub-url.js';

/** Where the output starts (`--from`). */
export type StartAt = { kind: 'live' } | { kind: 'earliest' } | { kind: 'last' | 'after'; n: number };

export interface TailOptions {
  from: StartAt;
  /** Exit 0 after this many messages. */
  count?: number;
  /** Exit 1 after this long without a connection to the hub. */
  timeoutMs?: number;
  /** Each message as one JSON object per line. */
  json?: boolean;
}

/** With `--count` and no `--timeout`: how long the hub may stay out of reach. */
export const COUNT_TIMEOUT_MS = 10_000;
/** Reconnect delays: quicker than the SDK's default, a person is watching. */
const BACKOFF = { initialMs: 250, maxMs: 2000, factor: 2 };

/** `earliest`, `live`, `last:N` or `after:N`; undefined when it is none of them. */
export function parseFrom(text: string): StartAt | undefined {
  if (text === 'earliest' || text === 'live') return { kind: text };
  const m = /^(last|after):(\d+)$/.exec(text);
  if (!m || !Number.isSafeInteger(Number(m[2]))) return undefined;
  return { kind: m[1] as 'last' | 'after', n: Number(m[2]) };
}

export function tail(hub: HubUrl, topic: string, opts: TailOptions): Promise<number> {
  const wildcard = isWildcard(topic);
  const check = wildcard ? checkPattern(topic) : checkTopic(topic);
  if (!check.ok) throw new CliError(`invalid topic "${topic}": ${check.reason}`, 2);
  if (wildcard && opts.from.kind !== 'live') throw new CliError(`--from: a wildcard (${topic}) is live only; leave --from out`, 2);

  const offsets = new MemoryOffsetStore();
  let from: From = 'live';
  if (opts.from.kind === 'earliest') from = 'earliest';
  else if (opts.from.kind === 'last') from = { last: opts.from.n };
  else if (opts.from.kind === 'after') {
    // The SDK resumes from a stored {offset, epoch}, and we know no epoch. The hub
    // checks an epoch only when one is sent, and the wire refuses an empty one, so the
    // position goes in without it (JSON drops the undefined field): the first subscribe
    // is {"after":N}. The 'subscribed' listener below then fills in the hub's epoch.
    offsets.set(topic, { offset: opts.from.n } as Position);
    from = 'resume';
  }

  const client = new TidingsClient(hub.ws, {
    WebSocket: WebSocket as unknown as SocketFactory, transport: 'websocket', offsetStore: offsets, backoff: BACKOFF,
    ...(hub.token !== undefined && { token: hub.token }),
  });
  const say = (line: string): void => void process.stderr.write(line + '\n');

  return new Promise<number>((resolve) => {
    let printed = 0;
    let done = false;
    let everConnected = false;
    /** Told the person the hub is out of reach (or the connection was lost), until it is back. */
    let down = false;
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    const giveUpAfter = opts.timeoutMs ?? (opts.count !== undefined ? COUNT_TIMEOUT_MS : undefined);

    const finish = (code: number): void => {
      if (done) return;
      done = true;
      clearTimeout(giveUp);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      client.close();
      resolve(code);
    };
    const onSignal = (): void => finish(0);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const armGiveUp = (): void => {
      if (giveUp || giveUpAfter === undefined) return;
      giveUp = setTimeout(() => {
        if (!down) say(`tidings: ${unreachable(hub)}`);
        say(`tidings: no connection to the hub for ${seconds(giveUpAfter)}: giving up`);
        finish(1);
      }, giveUpAfter);
    };
    armGiveUp();

    client.on('state', ({ to, reason }) => {
      if (done) return;
      if (to === 'connected') {
        clearTimeout(giveUp);
        giveUp = undefined;
        if (down) {
          const at = sub.position ? `; resuming after offset ${sub.position.offset}` : '';
          say(`tidings: connected to the hub at ${hub.ws}${wildcard ? '' : at}`);
        }
        down = false;
        everConnected = true;
      } else if (to === 'disconnected') {
        armGiveUp();
        if (/^(1000|4400) /.test(reason)) {
          // The SDK does not reconnect after these (PROTOCOL.md §8).
          say(`tidings: the hub closed the connection for good (${reason})`);
          finish(1);
          return;
        }
        if (down) return;
        down = true;
        say(everConnected
          ? `tidings: lost the connection to the hub (${reason}); reconnecting`
          : `tidings: ${unreachable(hub)}; retrying`);
      }
    });
    client.on('error', (error) => {
      if (done) return;
      say(`tidings: ${error.code}: ${error.message}${authHint(error.code, hub)}`);
      // A token given once cannot be renewed: retrying with it would be refused again.
      if (error.code === 'unsupported_protocol' || error.code === 'unauthorized') finish(1);
    });

    const sub = client.subscribe(topic, (m: Message) => {
      if (done) return;
      process.stdout.write(format(m, wildcard, opts.json === true));
      if (opts.count !== undefined && ++printed >= opts.count) finish(0);
    }, { from });
    sub.on('subscribed', (info) => {
      if (sub.position && !sub.position.epoch) {
        sub.position = { offset: sub.position.offset, epoch: info.epoch };
        offsets.set(topic, sub.position);
      }
    });
    sub.on('reset', ({ epoch, earliest, head }) => {
      say(`reset: ${topic} has a new log or lost messages seen before (epoch ${epoch}, head ${head}); replaying from offset ${earliest}`);
    });
    sub.on('truncated', ({ after, earliest }) => {
      say(`truncated: ${topic} no longer holds offsets ${after + 1} to ${earliest - 1} (retention); replaying from offset ${earliest}`);
    });
    // A refused subscribe; the client reports it as an 'error' too, after this.
    sub.on('error', (error) => {
      if (done) return;
      say(`tidings: ${error.code}: ${error.message}${authHint(error.code, hub)}`);
      finish(1);
    });
  });
}

function format(m: Message, withTopic: boolean, json: boolean): string {
  if (json) return JSON.stringify({ topic: m.topic, offset: m.offset, time: m.time, data: m.data }) + '\n';
  const line = `${m.offset}\t${new Date(m.time).toISOString()}\t${JSON.stringify(m.data)}\n`;
  return withTopic ? `${m.topic}\t${line}` : line;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
