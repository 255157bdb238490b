import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeRequest, encodeErrorFrame, encodeMessage, encodeReply } from '../../../server/protocol/codec.js';

function codeOf(text: string): string | undefined {
  const result = decodeRequest(text);
  return result.ok ? undefined : result.error.code;
}

describe('decodeRequest', () => {
  it('decodes every op of protocol v1', () => {
    const frames = [
      '{"op":"hello","id":1,"protocol":1,"token":"t","client":"x/1"}',
      '{"op":"subscribe","id":2,"topic":"a"}',
      '{"op":"subscribe","id":2,"topic":"a","from":{"after":41,"epoch":"k3Jq9"}}',
      '{"op":"subscribe","topic":"a","from":{"last":50}}',
      '{"op":"subscribe","topic":"a","from":{"earliest":true}}',
      '{"op":"unsubscribe","id":3,"topic":"a"}',
      '{"op":"publish","id":4,"topic":"a","data":{"text":"hi"},"key":"c1"}',
      '{"op":"publish","topic":"a","data":null}',
      '{"op":"ping","id":5}',
      '{"op":"pong"}',
    ];
    for (const text of frames) assert.equal(decodeRequest(text).ok, true, text);
  });

  it('ignores unknown fields', () => {
    const result = decodeRequest('{"op":"ping","id":9,"extra":[1,2]}');
    assert.deepEqual(result, { ok: true, req: { op: 'ping', id: 9 } });
  });

  it('answers bad_request without an id for frames that are not JSON objects or lack a valid id', () => {
    for (const text of ['nope', '[]', '42', 'null', '{"op":"ping","id":0}', '{"op":"ping","id":-1}', '{"op":"ping","id":1.5}', '{"op":"ping","id":"7"}']) {
      const result = decodeRequest(text);
      assert.equal(result.ok, false, text);
      if (!result.ok) {
        assert.equal(result.error.code, 'bad_request', text);
        assert.equal(result.id, undefined, text);
      }
    }
  });

  it('keeps the id of an unknown op for its reply; a frame without an op gets an error frame', () => {
    const unknown = decodeRequest('{"op":"shout","id":7}');
    assert.deepEqual(unknown.ok ? null : [unknown.error.code, unknown.id], ['unknown_op', 7]);
    for (const text of ['{"id":8}', '{"op":5,"id":8}']) {
      const noOp = decodeRequest(text);
      assert.deepEqual(noOp.ok ? null : [noOp.error.code, noOp.id], ['bad_request', undefined], text);
    }
  });

  it('rejects wrong field shapes with a message naming the field', () => {
    const cases: Array<[string, string]> = [
      ['{"op":"subscribe","id":1}', 'topic'],
      ['{"op":"subscribe","id":1,"topic":7}', 'topic'],
      ['{"op":"subscribe","id":1,"topic":"a","from":{"after":-1}}', 'from'],
      ['{"op":"subscribe","id":1,"topic":"a","from":{"earliest":false}}', 'from'],
      ['{"op":"publish","id":1,"topic":"a"}', 'data'],
      [`{"op":"publish","id":1,"topic":"a","data":1,"key":"${'k'.repeat(129)}"}`, 'key'],
      ['{"op":"hello","id":1,"protocol":"1"}', 'protocol'],
    ];
    for (const [text, field] of cases) {
      const result = decodeRequest(text);
      assert.equal(result.ok, false, text);
      if (!result.ok) {
        assert.equal(result.error.code, 'bad_request', text);
        assert.match(result.error.message, new RegExp(field), text);
      }
    }
  });

  it('accepts a key of exactly 128 characters', () => {
    assert.equal(codeOf(`{"op":"publish","id":1,"topic":"a","data":1,"key":"${'k'.repeat(128)}"}`), undefined);
  });

  it('never throws, whatever the input', () => {
    const inputs = ['', '{', '{"op":', '\u0000', '{"__proto__":{"op":"ping"}}', '{"op":{"toString":1}}', '9'.repeat(400), '[' .repeat(5000)];
    for (const text of inputs) assert.doesNotThrow(() => decodeRequest(text));
  });
});

describe('encoders', () => {
  it('builds replies, error frames and message frames that parse back to the same values', () => {
    assert.deepEqual(JSON.parse(encodeReply(3)), { op: 'reply', id: 3 });
    assert.deepEqual(JSON.parse(encodeReply(4, { topic: 'a', offset: 2 })), { op: 'reply', id: 4, topic: 'a', offset: 2 });
    assert.deepEqual(JSON.parse(encodeErrorFrame({ code: 'bad_request', message: 'x"y' })), {
      op: 'error', error: { code: 'bad_request', message: 'x"y' },
    });
    assert.deepEqual(JSON.parse(encodeMessage('"chat.lobby"', 58, 1763800000123, '{"text":"hi"}')), {
      op: 'message', topic: 'chat.lobby', offset: 58, time: 1763800000123, data: { text: 'hi' },
    });
  });
});
