/** The part of the WebSocket API the client uses: the browser's, or `ws` in Node. */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/**
 * A WebSocket constructor. Typed loosely on purpose: the browser's and `ws`'s
 * event types differ in detail, and both must be accepted as they are.
 */
export type SocketFactory = new (url: string) => object;

export const OPEN = 1;
