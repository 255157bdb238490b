/**
 * A port already held stops start-up on every transport, with one line naming
 * the port and the process holding it. Before, a second uWS hub bound the same
 * port (SO_REUSEPORT) and took half of the first one's requests.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, describe, it } from 'node:test';
import { removeDir, runCli, startHub, tempDir, TRANSPORTS, type HubProcess } from '../helpers/hub-process.js';

describe('a port in use', { timeout: 120_000 }, () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));

  for (const holderTransport of TRANSPORTS) {
    for (const second of TRANSPORTS) {
      it(`refuses a ${second} hub on the port of a ${holderTransport} hub, and the first keeps every request`, async () => {
        const holder: HubProcess = await startHub({ transport: holderTransport });
        dirs.push(holder.dataDir);
        try {
          const other = tempDir();
          dirs.push(other);
          const result = await runCli(['serve', '--port', String(holder.port), '--host', '127.0.0.1', '--data', other, '--transport', second, '--log-level', 'silent']);
          assert.equal(result.code, 1, `second hub should exit 1; stderr: ${result.stderr}`);
          const lines = result.stderr.trim().split('\n');
          const human = lines.find((l) => l.startsWith('tidings: '));
          assert.ok(human, `a tidings: line on stderr: ${result.stderr}`);
          assert.match(human, new RegExp(`--port ${holder.port}: 127\\.0\\.0\\.1:${holder.port} is already in use by pid ${holder.child.pid}`));
          assert.match(human, /pick another --port/);
          // Every request still reaches the one hub: one epoch for one topic.
          const epochs = new Set<string>();
          for (let i = 0; i < 8; i++) {
            const res = await fetch(`${holder.httpUrl}/v1/topics/port.check/messages`, {
              method: 'POST', headers: { 'content-type': 'application/json', connection: 'close' }, body: JSON.stringify({ data: i }),
            });
            assert.equal(res.status, 201);
            const body = await res.json() as { epoch: string; offset: number };
            assert.equal(body.offset, i + 1, 'offsets dense on the one log');
            epochs.add(body.epoch);
          }
          assert.equal(epochs.size, 1);
        } finally {
          await holder.stop();
        }
      });
    }
  }

  it('names a process that is not a hub too', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      for (const transport of TRANSPORTS) {
        const data = tempDir();
        dirs.push(data);
        const result = await runCli(['serve', '--port', String(port), '--data', data, '--transport', transport, '--log-level', 'silent']);
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, new RegExp(`--port ${port}: 127\\.0\\.0\\.1:${port} is already in use by pid ${process.pid} \\(`));
      }
    } finally {
      server.close();
    }
  });

  it('says an address that is not on this machine is not', async () => {
    for (const transport of TRANSPORTS) {
      const data = tempDir();
      dirs.push(data);
      // 192.0.2.0/24 is reserved for documentation: no interface here has it.
      const result = await runCli(['serve', '--port', '0', '--host', '192.0.2.1', '--insecure', '--data', data, '--transport', transport, '--log-level', 'silent']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /--host 192\.0\.2\.1: no such address on this machine/);
    }
  });
});
