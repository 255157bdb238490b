import { TidingsError } from '../../../shared/errors.js';
import type { PublishRequest } from '../../../shared/protocol.js';
import { checkTopic } from '../../../shared/topics.js';
import type { AppendResult } from '../../store/log-store.js';
import { encodeData, TOO_DEEP } from '../../protocol/codec.js';
import type { Hub } from '../hub.js';
import type { Session } from '../session.js';

export function publish(hub: Hub, session: Session, req: PublishRequest): void {
  const check = checkTopic(req.topic);
  if (!check.ok) return session.fail(req.id, { code: 'invalid_topic', message: check.reason });
  if (!session.grants?.canPublish(req.topic)) return session.fail(req.id, { code: 'forbidden', message: `cannot publish to ${req.topic}` });
  if (!session.publishAllowed(Date.now())) {
    return session.fail(req.id, { code: 'rate_limited', message: `more than ${hub.opts.maxPublishRate} publishes a second` });
  }
  const data = encodeData(req.data);
  if (data === undefined) return session.fail(req.id, { code: 'bad_request', message: TOO_DEEP });
  const bytes = Buffer.byteLength(data);
  if (bytes > hub.opts.maxPayloadBytes) {
    return session.fail(req.id, {
      code: 'too_large',
      message: `data is ${bytes} bytes, over the ${hub.opts.maxPayloadBytes}-byte limit`,
    });
  }
  const input = req.key === undefined ? { data, bytes, time: Date.now() } : { data, bytes, time: Date.now(), key: req.key };
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
