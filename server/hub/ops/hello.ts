import { PROTOCOL_VERSION, type HelloRequest } from '../../../shared/protocol.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';

export function hello(hub: Hub, session: Session, req: HelloRequest): void {
  if (req.protocol !== undefined && req.protocol !== PROTOCOL_VERSION) {
    session.fail(req.id, {
      code: 'unsupported_protocol',
      message: `protocol ${req.protocol} is not supported; this server speaks ${PROTOCOL_VERSION}`,
    });
    return;
  }
  session.reply(req.id, {
    session: session.id,
    protocol: PROTOCOL_VERSION,
    heartbeat: hub.opts.heartbeatMs,
    limits: { maxPayload: hub.opts.maxPayloadBytes, maxSubscriptions: hub.opts.maxSubscriptions },
  });
}
