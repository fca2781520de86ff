// LemmaIndex (binary search over WordNet's sorted index files) answers exactly what the
// `lemma -> line` map built from the latin1 text answered before it, for every lemma of the
// bundled WordNet 3.0 and for absent ones; an unsorted index falls back to such a map.
import { describe, expect, it } from 'vitest';
import { LemmaIndex, LineFields } from '../../../lib/metrics/wordnet-index.js';
import { POS_LIST, readWordNetTexts } from '../../../lib/metrics/wordnet.js';

/** The map the WordNet reader used to build: lemma (up to the first space) -> line start. */
function oldMap(text: string): Map<string, number> {
  const map = new Map<string, number>();
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    if (text.charCodeAt(start) !== 0x20 && end > start) {
      const sp = text.indexOf(' ', start);
      map.set(text.slice(start, sp < 0 || sp > end ? end : sp), start);
    }
    start = end + 1;
  }
  return map;
}

describe('LemmaIndex', () => {
  const texts = readWordNetTexts();

  it.each(POS_LIST)('finds every lemma of index.%s where the map did, and nothing else', (pos) => {
    const text = texts.index[pos];
    const index = new LemmaIndex(Buffer.from(text, 'latin1'));
    expect(index.sorted).toBe(true);
    const map = oldMap(text);
    const wrong: string[] = [];
    for (const [lemma, start] of map) {
      if (index.find(lemma) !== start) wrong.push(lemma);
      for (const probe of [`${lemma}_`, lemma.slice(0, -1), `${lemma}\u0101`, `${lemma}z`]) {
        if (index.find(probe) !== (map.get(probe) ?? -1)) wrong.push(probe);
      }
    }
    expect(wrong).toEqual([]);
    expect(map.size).toBeGreaterThan(3000);
    for (const probe of ['', ' ', '\u00e9t\u00e9', 'zzzzzz', '\uffff', 'license']) expect(index.find(probe)).toBe(map.get(probe) ?? -1);
  });

  it('uses a map, last duplicate winning, when the entries are not strictly sorted', () => {
    const text = '  header\ngoose n 1\nglass n 2\n\nglass n 3\nx';
    const index = new LemmaIndex(Buffer.from(text, 'latin1'));
    expect(index.sorted).toBe(false);
    const map = oldMap(text);
    for (const probe of ['goose', 'glass', 'x', 'header', '', 'gla']) expect(index.find(probe)).toBe(map.get(probe) ?? -1);
    expect(index.line(index.find('glass'))).toBe('glass n 3');
  });
});

describe('LineFields', () => {
  it('reads, skips and parses fields of one line as Number.parseInt would', () => {
    const text = '00001740 03 a 0x1f +12 -7 zz 1e3 0A 1234567890123456789\t9\r\nnext line';
    const fields = new LineFields(Buffer.from(text, 'latin1'), 0);
    expect(fields.int(10)).toBe(1740);
    fields.skip();
    expect(fields.next()).toBe('a');
    expect(fields.int(16)).toBe(Number.parseInt('0x1f', 16));
    expect(fields.int(10)).toBe(12);
    expect(fields.int(10)).toBe(-7);
    expect(fields.int(10)).toBeNaN();
    expect(fields.int(10)).toBe(1);
    expect(fields.int(16)).toBe(10);
    expect(fields.int(10)).toBe(Number.parseInt('1234567890123456789', 10));
    expect(fields.int(10)).toBe(9);
    expect(fields.int(10)).toBeNaN();
    fields.skip();
    expect(fields.next()).toBeUndefined();
  });
});
