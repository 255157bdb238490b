/**
 * Running totals the hub keeps as plain numbers, so counting on the hot path
 * costs an addition. server/metrics.ts turns them into Prometheus metrics when
 * scraped; nothing here knows about Prometheus.
 */
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';

export class HubStats {
  /** Length of text frames received from clients (UTF-16 units: bytes for ASCII). */
  receivedBytes = 0;
  /** Length of frames handed to transports (Buffer bytes, or UTF-16 units of strings). */
  sentBytes = 0;
  publishesStored = 0;
  publishesDuplicate = 0;
  /** Publishes the store refused (or the hub, shutting down). */
  publishesFailed = 0;
  /** Message frames queued for live subscribers. */
  liveDeliveries = 0;
  /** Message frames queued by replays (subscribe `from`). */
  replayedMessages = 0;
  /** Connections closed with 4009 (slow consumer, or a replay overtaken by retention). */
  slowConsumerCloses = 0;
  /** Connections refused by the connection limits (4008). */
  connectionsRefused = 0;
  /** Tokens refused on WebSocket connections. */
  authFailures = 0;
  /** Error replies and error frames sent, by PROTOCOL.md §7 code. */
  readonly errors = Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, 0])) as Record<ErrorCode, number>;
  /** Told how long each successful store append took, in seconds; timed only while one is registered. */
  readonly appendTimers = new Set<(seconds: number) => void>();
}
