/**
 * native/EventSocket.cpp's JSON string writer (the text of the events the engine writes to a
 * connection itself) against what the JavaScript path writes for the same bytes: N-API decodes
 * the engine's UTF-8 into a string (ill-formed bytes become U+FFFD) and the server
 * JSON.stringify's it. Exact cases, then 20,000 random byte strings biased toward the bytes that
 * matter (lead and continuation bytes, surrogate and out-of-range sequences, controls, quotes).
 */
import { describe, expect, it } from 'vitest';

import { mulberry32 } from '../../../bench/prng.js';
import { loadDevAddon, useDevAddon } from '../../../bindings/dev.js';

useDevAddon();

const json = (bytes: number[]) => loadDevAddon().testing.eventJson(Uint8Array.from(bytes));

describe('EventSocket JSON text', () => {
  it('escapes quotes, backslashes and C0 controls as JSON.stringify does; copies the rest', () => {
    const text = 'a"b\\c\b\t\n\f\r\u0000\u0001\u001f\u007f é€😀 \u2028\u2029';
    const r = json([...Buffer.from(text, 'utf8')]);
    expect(r.decoded).toBe(text);
    expect(r.json).toBe(JSON.stringify(text));
    expect(r.json).toBe('"a\\"b\\\\c\\b\\t\\n\\f\\r\\u0000\\u0001\\u001f\u007f é€😀 \u2028\u2029"');
  });

  it('turns each maximal ill-formed subsequence into one U+FFFD, as V8 decodes it', () => {
    const cases: [number[], string][] = [
      [[0x80], '\uFFFD'], // a lone continuation byte
      [[0xc0, 0xaf], '\uFFFD\uFFFD'], // overlong: C0 is never a lead byte
      [[0xe2, 0x82], '\uFFFD'], // a cut-off 3-byte character
      [[0xe2, 0x82, 0x41], '\uFFFDA'],
      [[0xed, 0xa0, 0x80], '\uFFFD\uFFFD\uFFFD'], // a UTF-16 surrogate
      [[0xf0, 0x90, 0x41], '\uFFFDA'],
      [[0xf4, 0x90, 0x80, 0x80], '\uFFFD\uFFFD\uFFFD\uFFFD'], // above U+10FFFF
      [[0xf5, 0x41], '\uFFFDA'],
      [[0xe0, 0x80, 0x80], '\uFFFD\uFFFD\uFFFD'], // overlong 3-byte
    ];
    for (const [bytes, text] of cases) {
      const r = json(bytes);
      expect([bytes, r.decoded]).toEqual([bytes, text]);
      expect([bytes, r.json]).toEqual([bytes, JSON.stringify(text)]);
    }
  });

  it('equals JSON.stringify of the decoded string for 20,000 random byte strings', () => {
    const rand = mulberry32(20261201);
    const pool = [0x00, 0x08, 0x09, 0x0a, 0x1f, 0x20, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff];
    let mismatches = 0;
    for (let n = 0; n < 20_000; n++) {
      const len = 1 + Math.floor(rand() * 12);
      const bytes = Array.from({ length: len }, () => (rand() < 0.8 ? pool[Math.floor(rand() * pool.length)]! : Math.floor(rand() * 256)));
      const r = json(bytes);
      if (r.json !== JSON.stringify(r.decoded)) {
        mismatches++;
        if (mismatches <= 3) expect({ bytes, json: r.json }).toEqual({ bytes, json: JSON.stringify(r.decoded) });
      }
    }
    expect(mismatches).toBe(0);
  });
});
