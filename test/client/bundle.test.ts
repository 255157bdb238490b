/**
 * The browser bundle (`npm run build:browser`, built by `npm run build`): one
 * ESM file with no imports left, under 8 KB minified and gzipped. Prints its size.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';

const BUNDLE = new URL('../../browser/tidings.min.js', import.meta.url);
const LIMIT = 8 * 1024;

describe('browser bundle', () => {
  it(`is a self-contained ESM file of at most ${LIMIT} bytes gzipped`, () => {
    const code = readFileSync(BUNDLE);
    const gzipped = gzipSync(code, { level: 9 }).length;
    process.stdout.write(`# dist/browser/tidings.min.js: ${code.length} bytes minified, ${gzipped} bytes gzipped (limit ${LIMIT})\n`);
    assert.ok(gzipped <= LIMIT, `${gzipped} bytes gzipped is over the ${LIMIT}-byte budget`);
    const text = code.toString();
    assert.doesNotMatch(text, /(?:^|[;}])\s*import\s*[{*\w]/, 'no import statement is left for a browser to resolve');
    assert.doesNotMatch(text, /\bimport\(/, 'no dynamic import either');
    assert.doesNotMatch(text, /node:|require\(/, 'no Node module is referenced');
    assert.match(text, /TidingsClient/);
  });
});
