// MeteorAligner (integer ids, per-word caches across pairs) makes the same matches as
// alignMeteor, the direct transcription of NLTK's _enum_align_words: on the metrics fixture and
// on random texts built from a small vocabulary full of repeats, stems and WordNet synonyms
// (where the right-most-candidate tie-breaking decides the chunk count).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MeteorAligner } from '../../../lib/metrics/meteor-align.js';
import { alignMeteor, countChunks } from '../../../lib/metrics/meteor.js';
import { porterStem } from '../../../lib/metrics/porter.js';
import { PunktSentenceTokenizer } from '../../../lib/metrics/punkt.js';
import { createPrng } from '../../../lib/metrics/stats.js';
import { wordTokenize, wordTokenText } from '../../../lib/metrics/word-tokenize.js';
import { loadWordNet } from '../../../lib/metrics/wordnet.js';
import { metricsFixture } from '../../helpers/shared.js';

const VOCAB = [
  'dog', 'Dog', 'dogs', 'hound', 'hounds', 'frank', 'frankfurter', 'heel', 'cad', 'track', 'trail',
  'run', 'runs', 'running', 'ran', 'Runner', 'lead', 'leads', 'go', 'going', 'went', 'move',
  'big', 'large', 'bigger', 'great', 'nation', 'national', 'country', 'state', 'states', 'the',
  'a', 'of', ',', '.', 'gener', 'generous', 'generously', 'people', 'citizens', 'citizen',
];

function oracle(hyp: string[], ref: string[]): { matches: number; chunks: number } {
  const m = alignMeteor(hyp, ref, loadWordNet(), porterStem);
  return { matches: m.length, chunks: countChunks(m) };
}

describe('MeteorAligner', () => {
  const aligner = new MeteorAligner(loadWordNet(), porterStem);

  it('matches alignMeteor on random texts with many repeats, stems and synonyms', () => {
    const rng = createPrng(2024);
    const text = (n: number) => Array.from({ length: n }, () => VOCAB[rng.nextInt(VOCAB.length)]!);
    const wrong: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const hyp = text(rng.nextInt(40));
      const ref = text(rng.nextInt(40));
      const got = aligner.align(hyp, ref);
      const want = oracle(hyp, ref);
      if (got.matches !== want.matches || (want.matches > 0 && got.chunks !== want.chunks)) wrong.push(`${hyp.join(' ')} | ${ref.join(' ')}`);
    }
    expect(wrong).toEqual([]);
  });

  it('matches alignMeteor on every pair of the metrics fixture', () => {
    const punkt = new PunktSentenceTokenizer();
    const rows = readFileSync(metricsFixture, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prediction: string; reference: string });
    for (const row of rows) {
      const hyp = wordTokenize(row.prediction, punkt);
      const ref = wordTokenize(row.reference, punkt);
      const want = oracle(hyp, ref);
      const got = aligner.align(hyp, ref);
      expect(got.matches).toBe(want.matches);
      if (want.matches > 0) expect(got.chunks).toBe(want.chunks);
      const fromTexts = aligner.alignTexts(wordTokenText(row.prediction, punkt), wordTokenText(row.reference, punkt));
      expect(fromTexts).toEqual({ ...got, hypothesisLength: hyp.length, referenceLength: ref.length });
    }
  });
});
