import { describe, expect, it } from 'vitest';
import {
  alignMeteor,
  countChunks,
  createMeteorScorer,
  meteorFromCounts,
  type MeteorScorer,
} from '../../../lib/metrics/meteor.js';
import { emptyPunktParameters } from '../../../lib/metrics/punkt.js';
import { loadWordNet } from '../../../lib/metrics/wordnet.js';

/** (1 - gamma * (chunks/m)^beta) * P*R / (alpha*P + (1-alpha)*R) with the default weights. */
function expected(m: number, chunks: number, hyp: number, ref: number): number {
  const p = m / hyp;
  const r = m / ref;
  return (1 - 0.5 * (chunks / m) ** 3) * ((p * r) / (0.9 * p + (1 - 0.9) * r));
}

describe('METEOR stages (NLTK 3.10.3 semantics)', () => {
  let scorer: MeteorScorer;
  const wn = loadWordNet();

  it('loads', async () => {
    // The empty Punkt model keeps these tests independent of ../shared.
    scorer = await createMeteorScorer({ punktParameters: emptyPunktParameters() });
  });

  it('exact matches after lower-casing: one chunk', () => {
    // 6 matches, 1 chunk: 1 - 0.5 * (1/6)^3
    expect(scorer.score('the cat sat on the mat', 'the cat sat on the mat')).toBe(1 - 0.5 / 216);
    expect(scorer.score('all caps sentence here', 'ALL CAPS SENTENCE HERE')).toBe(0.9921875);
  });

  it('Porter-stem matches', () => {
    // runs ~ running via the stem "run": 3 matches, 1 chunk.
    expect(scorer.score('he runs fast', 'he running fast')).toBeCloseTo(1 - 0.5 / 27, 15);
    expect(alignMeteor(['he', 'running', 'fast'], ['he', 'runs', 'fast'], wn)).toEqual([
      [0, 0],
      [1, 1],
      [2, 2],
    ]);
  });

  it('WordNet synonym matches, looked up on the stems left by the stem stage', () => {
    // "track" has the synset chase.v.01 {chase, trail, tail, tag, dog, track, ...}.
    expect(scorer.score('the dog', 'the track')).toBe(0.9375);
    // "hounds" is stemmed to "hound", whose synset cad.n.01 contains "dog".
    expect(scorer.score('the dog', 'the hounds')).toBe(0.9375);
    // "quickly" is stemmed to "quickli", which WordNet does not know: no match (NLTK quirk).
    expect(scorer.score('fast', 'quickly')).toBe(0);
    // Synonymy is looked up from the hypothesis word only.
    expect(alignMeteor(['track'], ['dog'], wn)).toEqual([[0, 0]]);
  });

  it('fragmentation penalty from chunks', () => {
    expect(countChunks([])).toBe(1);
    expect(countChunks([[0, 1], [1, 0]])).toBe(2);
    expect(countChunks([[0, 0], [1, 1], [3, 2], [4, 3]])).toBe(2);
    // Swapped words: 2 matches in 2 chunks, penalty 0.5.
    expect(scorer.score('cat dog', 'dog cat')).toBe(0.5);
  });

  it('ties go to the right-most candidate, scanning the hypothesis from the end (as NLTK)', () => {
    // hyp "the cat" vs ref "the the cat": "the" links to the second "the", one chunk.
    expect(alignMeteor(['the', 'cat'], ['the', 'the', 'cat'], wn)).toEqual([
      [0, 1],
      [1, 2],
    ]);
    expect(scorer.score('the the cat', 'the cat')).toBe(expected(2, 1, 2, 3));
    expect(scorer.score('the the cat', 'the cat')).toBeCloseTo(0.6465517241379309, 15);
  });

  it('NLTK single_meteor_score docstring example (pre-tokenized)', () => {
    const hypothesis1 =
      'It is a guide to action which ensures that the military always obeys the commands of the party'.split(' ');
    const reference1 = 'It is a guide to action that ensures that the military will forever heed Party commands'.split(' ');
    // 12 exact matches in 6 chunks. (The docstring's 0.7398 predates the stem-then-synonym order of
    // NLTK >= 3.6.5, where "always"/"forever" are compared as the stems "alway"/"forev".)
    expect(scorer.scoreTokens(reference1, hypothesis1)).toBe(expected(12, 6, 18, 16));
    expect(scorer.scoreTokens(reference1, hypothesis1)).toBeCloseTo(0.6944444444444445, 15);
  });

  it('returns 0 where NLTK divides by zero: no match, empty or blank sides', () => {
    expect(scorer.score('this is a cat', 'non matching hypothesis')).toBe(0);
    expect(scorer.score('', 'The committee approved the budget.')).toBe(0);
    expect(scorer.score('The committee approved the budget.', '')).toBe(0);
    expect(scorer.score('', '')).toBe(0);
    expect(scorer.score('Whitespace only prediction.', '   \n\t ')).toBe(0);
    expect(scorer.scoreTokens([], [])).toBe(0);
    expect(meteorFromCounts(0, 1, 3, 3)).toBe(0);
  });

  it('honours alpha, beta and gamma', async () => {
    const noPenalty = await createMeteorScorer({ punktParameters: emptyPunktParameters(), gamma: 0 });
    expect(noPenalty.score('cat dog', 'dog cat')).toBe(1);
    const recallOnly = await createMeteorScorer({ punktParameters: emptyPunktParameters(), alpha: 0, gamma: 0 });
    // alpha = 0: fmean = precision.
    expect(recallOnly.score('a b c d', 'a b')).toBe(1);
    expect(meteorFromCounts(2, 2, 2, 2, { beta: 1, gamma: 0.25 })).toBe(0.75);
    await expect(createMeteorScorer({ alpha: Number.NaN })).rejects.toThrow('option alpha must be a finite number');
  });
});
