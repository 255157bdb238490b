/**
 * One table of close codes (shared/errors.ts) drives the client's reconnect
 * decision; docs/client.md and PROTOCOL.md §8 must say the same of each code.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { CLOSE_CODES } from '../../shared/errors.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Rows of the first table after `heading`: code → the rest of the row. */
function closeRows(file: string, heading: string): Map<number, string> {
  const text = readFileSync(`${root}${file}`, 'utf8');
  const start = text.indexOf(heading);
  assert.notEqual(start, -1, `${file} has "${heading}"`);
  const rows = new Map<number, string>();
  for (const line of text.slice(start).split('\n').slice(1)) {
    if (rows.size > 0 && !line.startsWith('|')) break;
    const m = /^\| (\d{4}) \|(.*)$/.exec(line);
    if (m) rows.set(Number(m[1]), m[2] as string);
  }
  return rows;
}

/** What each action reads like, in the client guide and in the protocol. */
const WORDS: Record<string, { client: RegExp; protocol: RegExp }> = {
  stop: { client: /stops|same as 1000/, protocol: /stop/ },
  fix_client: { client: /stops|same as 1000/, protocol: /fix the client/ },
  reconnect: { client: /reconnects/, protocol: /reconnect/ },
  back_off: { client: /reconnects/, protocol: /back off/ },
  refresh_token: { client: /refreshToken/, protocol: /refresh the token/ },
  fix_sender: { client: /reconnects/, protocol: /fix the sender/ },
};

describe('close codes: one table for the client, the guide and the protocol', () => {
  it('docs/client.md and PROTOCOL.md §8 list every code with the action of shared/errors.ts', () => {
    const guide = closeRows('docs/client.md', '### Close codes');
    const protocol = closeRows('docs/PROTOCOL.md', '## 8. Close codes');
    assert.deepEqual([...guide.keys()].sort(), Object.keys(CLOSE_CODES).map(Number).sort(), 'the guide lists exactly the table');
    assert.deepEqual([...protocol.keys()].sort(), Object.keys(CLOSE_CODES).map(Number).sort(), 'the protocol lists exactly the table');
    for (const [code, { action }] of Object.entries(CLOSE_CODES)) {
      const words = WORDS[action];
      assert.ok(words, `${code}: action ${action} has words`);
      assert.match(guide.get(Number(code)) ?? '', words.client, `docs/client.md on ${code} (${action})`);
      assert.match(protocol.get(Number(code)) ?? '', words.protocol, `PROTOCOL.md on ${code} (${action})`);
    }
  });
});
