/** What every load-generator client shares: a LeanSocket, its counters and its lifetime. */
import { countMessage, type MessageListener } from './client.js';
import type { LeanSocket } from './lean-socket.js';

export abstract class LeanClient {
  protected readonly ws: LeanSocket;

  protected constructor(ws: LeanSocket) {
    this.ws = ws;
    ws.onCount = countMessage;
  }

  get received(): number {
    return this.ws.messages;
  }

  get onMessage(): MessageListener | undefined {
    return this.ws.onMessage;
  }

  set onMessage(listener: MessageListener | undefined) {
    this.ws.onMessage = listener;
  }

  get buffered(): number {
    return this.ws.bufferedAmount;
  }

  close(): void {
    this.ws.close();
  }
}
