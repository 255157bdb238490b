/** One dispatch for every request op. */
import type { Request } from '../../../shared/protocol.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';
import { hello } from './hello.js';
import { publish } from './publish.js';
import { subscribe, unsubscribe } from './subscribe.js';

export function dispatch(hub: Hub, session: Session, req: Request): void {
  switch (req.op) {
    case 'publish':
      return publish(hub, session, req);
    case 'subscribe':
      void subscribe(hub, session, req).catch((error: unknown) => hub.internalError(session, req, error));
      return;
    case 'unsubscribe':
      return unsubscribe(hub, session, req);
    case 'hello':
      return hello(hub, session, req);
    case 'ping':
    case 'pong':
      // Receiving either already refreshed the heartbeat clock; any request with an id gets its reply (§2).
      return session.reply(req.id);
  }
}
