/**
 * Replay, then live (PROTOCOL.md §3 subscribe `from`). The replay reads the store
 * in pages up to the topic's delivered head and follows the socket's
 * backpressure, so a backlog of any size is never held in memory at once.
 */
import type { SubscribeFrom } from '../../shared/protocol.js';
import type { LogStore, TopicBounds } from '../store/log-store.js';
import { encodeMessage } from '../protocol/codec.js';
import type { Outbox } from './outbox.js';
import type { HubStats } from './stats.js';
import type { Subscription } from './subscription.js';
import type { TopicState } from './topic-state.js';

/** Messages read from the store at a time. */
export const REPLAY_PAGE_MESSAGES = 256;
/**
 * A replay pauses while more than this many bytes wait to reach the client, or a
 * quarter of the slow-consumer limit if lower: a replay must never be what trips it.
 */
export const REPLAY_HIGH_WATER_BYTES = 256 * 1024;

export interface ReplayPlan {
  /** First offset to send; `head + 1` means live only. */
  start: number;
  truncated: boolean;
  reset: boolean;
}

/** Where a subscription starts, given `from` and the topic's bounds (`head` = delivered head). */
export function planReplay(from: SubscribeFrom | undefined, b: TopicBounds): ReplayPlan {
  const plan: ReplayPlan = { start: b.head + 1, truncated: false, reset: false };
  if (!from) return plan;
  if ('earliest' in from) plan.start = b.earliest;
  else if ('last' in from) plan.start = Math.max(b.earliest, b.head - from.last + 1);
  else if ((from.epoch !== undefined && from.epoch !== b.epoch) || from.after > b.head) {
    plan.reset = true;
    plan.start = b.earliest;
  } else if (from.after + 1 < b.earliest) {
    plan.truncated = true;
    plan.start = b.earliest;
  } else plan.start = from.after + 1;
  return plan;
}

export interface CatchUpContext {
  store: LogStore;
  outbox: Outbox;
  /** Counts the messages replayed. */
  stats: HubStats;
  /** The session's slow-consumer limit, in bytes. */
  maxBufferedBytes: number;
  /**
   * Ends the subscription, leaving the connection open: the replay was overtaken
   * by retention (`truncated`) or the store could not be read (`unavailable`).
   */
  end(sub: Subscription, reason: 'truncated' | 'unavailable', error?: unknown): void;
}

/** Sends `(sub.cursor, deliveredHead]` from the store, then marks the subscription live. */
export async function catchUp(ctx: CatchUpContext, topic: TopicState, sub: Subscription): Promise<void> {
  const session = sub.session;
  const highWater = Math.min(REPLAY_HIGH_WATER_BYTES, ctx.maxBufferedBytes / 4);
  const lowWater = highWater / 2;
  while (!sub.cancelled && !session.closed) {
    const target = topic.deliveredHead;
    if (sub.cursor >= target) {
      // Synchronous with the check above: every later message arrives live.
      sub.state = 'live';
      return;
    }
    let page;
    try {
      page = await ctx.store.read(topic.name, sub.cursor, Math.min(REPLAY_PAGE_MESSAGES, target - sub.cursor));
    } catch (error) {
      ctx.end(sub, 'unavailable', error);
      return;
    }
    if (sub.cancelled || session.closed) return;
    for (const message of page) {
      if (message.offset !== sub.cursor + 1) break;
      const frame = encodeMessage(topic.json, message.offset, message.time, message.data);
      if (session.backlogBytes > 0 && session.backlogBytes + frame.length > highWater) {
        await session.room(ctx.outbox, lowWater);
        if (sub.cancelled || session.closed) return;
      }
      session.push(frame);
      ctx.stats.replayedMessages++;
      sub.cursor = message.offset;
    }
    if (page.length === 0 || (page[page.length - 1] as { offset: number }).offset !== sub.cursor) {
      // Retention removed messages this replay had not reached: never skip them silently.
      ctx.end(sub, 'truncated');
      return;
    }
    await session.room(ctx.outbox, lowWater);
  }
}
