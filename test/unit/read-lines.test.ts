// readLines yields exactly the lines readline (crlfDelay: Infinity) yields from a UTF-8 stream:
// every kind of line break, breaks and multi-byte characters across its 1 MiB chunks, invalid
// UTF-8, a byte-order mark, empty files and a last line without a break.
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { readLines } from '../../lib/read-lines.js';

const dir = mkdtempSync(path.join(tmpdir(), 'read-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function both(name: string, bytes: Buffer): Promise<[string[], string[]]> {
  const file = path.join(dir, name);
  writeFileSync(file, bytes);
  const expected: string[] = [];
  for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity })) expected.push(line);
  const got: string[] = [];
  for await (const line of readLines(file)) got.push(line);
  return [got, expected];
}

/** Deterministic pseudo-random bytes of text with all kinds of breaks and odd sequences. */
function randomText(size: number, seed: number): Buffer {
  let s = seed;
  const next = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const pieces = [Buffer.from('\n'), Buffer.from('\r\n'), Buffer.from('\r'), Buffer.from('\r\r\n'), Buffer.from('€'), Buffer.from('日本'), Buffer.from([0xe2, 0x82]), Buffer.from([0xff]), Buffer.from('\ufeff'), Buffer.from('{"a": "b"}')];
  const out: Buffer[] = [];
  let length = 0;
  while (length < size) {
    const piece = next(3) === 0 ? pieces[next(pieces.length)]! : Buffer.from('x'.repeat(next(5000)));
    out.push(piece);
    length += piece.length;
  }
  return Buffer.concat(out);
}

describe('readLines', () => {
  it.each([
    ['empty', ''],
    ['one line without a break', 'abc'],
    ['a final break', 'a\nb\n'],
    ['blank lines', '\n\n \n'],
    ['CRLF and lone CR', 'a\r\nb\rc\r\r\nd\r'],
    ['a byte-order mark', '\ufeff{"x": 1}\n'],
  ])('matches readline: %s', async (name, text) => {
    const [got, expected] = await both(name.replace(/\W/g, '_'), Buffer.from(text));
    expect(got).toEqual(expected);
  });

  it('matches readline on megabytes of random breaks, characters and invalid UTF-8', async () => {
    for (const seed of [1, 2, 3]) {
      const [got, expected] = await both(`random-${seed}`, randomText(3.5 * 2 ** 20, seed));
      expect(got.length).toBe(expected.length);
      expect(got).toEqual(expected);
    }
  });

  it('matches readline when a chunk ends between \\r and \\n or inside a character', async () => {
    const chunk = 2 ** 20;
    for (const tail of ['\r\n', '€', '\r\r']) {
      for (const shift of [0, 1, 2]) {
        const text = Buffer.concat([Buffer.from('y'.repeat(chunk - shift - 1)), Buffer.from(tail), Buffer.from('z\nlast')]);
        const [got, expected] = await both(`boundary-${shift}-${tail.length}`, text);
        expect(got).toEqual(expected);
      }
    }
  });
});
