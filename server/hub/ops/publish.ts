import { TidingsError } from '../../../shared/errors.js';
import type { PublishRequest } from '../../../shared/protocol.js';
import type { AppendResult } from '../../store/log-store.js';
import { appendInput, isWireError, publishRefusal } from '../publish-input.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';

export function publish(hub: Hub, session: Session, req: PublishRequest): void {
  const refused = publishRefusal(session.grants, req.topic);
  if (refused) return session.fail(req.id, refused);
  const now = Date.now();
  if (!session.publishAllowed(now)) {
    return session.fail(req.id, { code: 'rate_limited', message: `more than ${hub.opts.maxPublishRate} publishes a second` });
  }
  const input = appendInput(req.data, req.key, hub.opts.maxPayloadBytes, now);
  if (isWireError(input)) return session.fail(req.id, input);
  hub.append(req.topic, input).then(
    (result: AppendResult) => {
      if (req.id === undefined) return;
      session.reply(req.id, result.duplicate
        ? { topic: req.topic, offset: result.offset, epoch: result.epoch, duplicate: true }
        : { topic: req.topic, offset: result.offset, epoch: result.epoch });
    },
    (error: unknown) => {
      if (error instanceof TidingsError) return session.fail(req.id, error.toWire());
      session.log.error({ err: error, op: 'publish', topic: req.topic }, 'publish failed');
      session.fail(req.id, { code: 'internal', message: 'publish failed' });
    },
  );
}
