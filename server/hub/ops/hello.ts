import { PROTOCOL_VERSION, type HelloRequest } from '../../../shared/protocol.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';

/** hello without a token to check (auth off), or with an unsupported protocol; the hub checks tokens itself. */
/** An absent protocol means this one. */
export function protocolSupported(protocol: number | undefined): boolean {
  return protocol === undefined || protocol === PROTOCOL_VERSION;
}

export function hello(hub: Hub, session: Session, req: HelloRequest): void {
  if (!protocolSupported(req.protocol)) {
    session.fail(req.id, {
      code: 'unsupported_protocol',
      message: `protocol ${req.protocol} is not supported; this server speaks ${PROTOCOL_VERSION}`,
    });
    return;
  }
  helloReply(hub, session, req.id);
}

const NO_FEATURES: readonly string[] = [];

export function helloReply(hub: Hub, session: Session, id: number | undefined): void {
  session.reply(id, {
    session: session.id,
    protocol: PROTOCOL_VERSION,
    heartbeat: hub.opts.heartbeatMs,
    // Protocol 1.1 capabilities (§11–§13) this hub has: none yet.
    features: NO_FEATURES,
    limits: {
      maxPayload: hub.opts.maxPayloadBytes,
      maxSubscriptions: hub.opts.maxSubscriptions,
      ...(hub.opts.maxPublishRate > 0 && { maxPublishRate: hub.opts.maxPublishRate }),
    },
  });
}
