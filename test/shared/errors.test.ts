/** errors.ts and the protocol document must list the same codes (both ways). */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { CLOSE, CLOSE_CODES, ERROR_CODES, TidingsError } from '../../shared/errors.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const doc = readFileSync(`${repoRoot}docs/PROTOCOL.md`, 'utf8');

function section(title: string): string {
  const start = doc.indexOf(`## ${title}`);
  assert.notEqual(start, -1, `PROTOCOL.md has a "## ${title}" section`);
  const end = doc.indexOf('\n## ', start + 3);
  return doc.slice(start, end === -1 ? undefined : end);
}

describe('error and close codes match PROTOCOL.md', () => {
  it('lists exactly the §7 error codes', () => {
    const firstCells = [...section('7. Errors').matchAll(/^\| ([^|]+) \|/gm)].map((m) => m[1] as string);
    const documented = new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([a-z_]+)`/g)].map((m) => m[1])));
    assert.deepEqual([...documented].sort(), Object.keys(ERROR_CODES).sort());
  });

  it('lists exactly the §8 close codes', () => {
    const documented = [...section('8. Close codes').matchAll(/^\| (\d{4}) \|/gm)].map((m) => Number(m[1]));
    assert.deepEqual(documented.sort(), Object.keys(CLOSE_CODES).map(Number).sort());
    for (const code of Object.values(CLOSE)) assert.ok(code in CLOSE_CODES, `CLOSE names ${code}, a listed code`);
  });

  it('gives each error code an HTTP status of the §9 set', () => {
    // §9: the API statuses, plus 502 and 504 of the requests endpoint.
    const allowed = new Set([400, 401, 403, 404, 409, 413, 429, 500, 502, 503, 504]);
    for (const [code, { status }] of Object.entries(ERROR_CODES)) assert.ok(allowed.has(status), `${code} → ${status}`);
  });

  it('keeps docs/PROTOCOL.md identical to the team contract when it is beside the repo', (t) => {
    const team = `${repoRoot}../shared/PROTOCOL.md`;
    if (!existsSync(team)) return t.skip('no ../shared/PROTOCOL.md beside this checkout');
    assert.equal(doc, readFileSync(team, 'utf8'));
  });
});

describe('TidingsError', () => {
  it('carries the code, its HTTP status, a close code and the cause', () => {
    const cause = new Error('disk full');
    const error = new TidingsError('unavailable', 'cannot store', { cause, closeCode: 1001 });
    assert.ok(error instanceof Error);
    assert.equal(error.code, 'unavailable');
    assert.equal(error.status, 503);
    assert.equal(error.closeCode, 1001);
    assert.equal(error.cause, cause);
    assert.deepEqual(error.toWire(), { code: 'unavailable', message: 'cannot store' });
  });
});
