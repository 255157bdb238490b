/**
 * Topic names never reach the filesystem (PROTOCOL.md §5): they are keys in the
 * store, so names that look like paths are refused, and odd but valid names
 * leave the data folder holding the store's own files only.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { removeDir, startHub, type HubProcess } from '../helpers/hub-process.js';
import { RawClient } from '../helpers/raw-client.js';

const PATHLIKE = ['../../etc/passwd', '..', '.', 'a/b', 'a\\b', '/tmp/x', 'a..b', '%2e%2e', 'C:\\x', 'x\u0000y', '~/.ssh'];
const ODD_BUT_VALID = ['etc.passwd', '~root', '-rf', ':memory:', 'CON', 'NUL', 'data.mdb', 'lock.mdb', 'x~y:z-_'];

/** Every file under `dir`, as relative paths. */
function files(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(`${dir}/${e.name}`, `${prefix}${e.name}/`) : [`${prefix}${e.name}`]).sort();
}

describe('topic names and the filesystem', () => {
  let hub: HubProcess;
  let client: RawClient;
  before(async () => {
    hub = await startHub({ args: ['--no-demo'] });
    client = await RawClient.connect(hub.url);
  });
  after(async () => {
    client?.terminate();
    await hub?.stop();
    removeDir(hub.dataDir);
  });

  it('refuses path-like names on the WebSocket and over HTTP', async () => {
    for (const topic of PATHLIKE) {
      const reply = await client.request({ op: 'publish', topic, data: 1 });
      assert.equal((reply.error as { code: string } | undefined)?.code, 'invalid_topic', topic);
      const res = await fetch(`${hub.httpUrl}/v1/topics/${encodeURIComponent(topic)}/messages`, { method: 'POST', body: '{"data":1}' });
      assert.ok(res.status === 400 || res.status === 404, `${topic}: ${res.status}`);
    }
  });

  it('keeps only the store\'s files in the data folder, whatever valid names are used', async () => {
    await client.request({ op: 'publish', topic: 'warm.up', data: 1 });
    const before = files(hub.dataDir);
    for (const topic of ODD_BUT_VALID) {
      const reply = await client.request({ op: 'publish', topic, data: { topic } });
      assert.equal(typeof reply.offset, 'number', topic);
    }
    assert.deepEqual(files(hub.dataDir), before);
  });
});
