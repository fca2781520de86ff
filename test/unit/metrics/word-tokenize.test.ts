import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPunktParameters } from '../../../lib/metrics/nltk-data.js';
import { PunktSentenceTokenizer, emptyPunktParameters, pySplit } from '../../../lib/metrics/punkt.js';
import { treebankWordText, treebankWordTextAllRules, treebankWordTokenize, wordTokenize } from '../../../lib/metrics/word-tokenize.js';
import { createPrng } from '../../../lib/metrics/stats.js';
import { metricsFixture, nltkData } from '../../helpers/shared.js';


describe('treebankWordTokenize (NLTKWordTokenizer.tokenize)', () => {
  it('docstring example: only the final period of the text is split off', () => {
    const s = 'Good muffins cost $3.88 (roughly 3,36 euros)\nin New York.  Please buy me\ntwo of them.\nThanks.';
    expect(treebankWordTokenize(s)).toEqual([
      'Good', 'muffins', 'cost', '$', '3.88', '(', 'roughly', '3,36', 'euros', ')', 'in', 'New', 'York.',
      'Please', 'buy', 'me', 'two', 'of', 'them.', 'Thanks', '.',
    ]);
  });

  it('converts double quotes to `` and \'\' and splits clitics', () => {
    expect(treebankWordTokenize('"Hello," she said. "Isn\'t it?"')).toEqual([
      '``', 'Hello', ',', "''", 'she', 'said.', '``', 'Is', "n't", 'it', '?', "''",
    ]);
    expect(treebankWordTokenize("They'll say I'm sure we'd've")).toEqual(['They', "'ll", 'say', 'I', "'m", 'sure', "we'd", "'ve"]);
  });

  it('applies the MacIntyre contractions case-insensitively', () => {
    expect(treebankWordTokenize('I cannot, Gimme gonna GOTTA lemme wanna go')).toEqual([
      'I', 'can', 'not', ',', 'Gim', 'me', 'gon', 'na', 'GOT', 'TA', 'lem', 'me', 'wan', 'na', 'go',
    ]);
    // Since NLTK 3.10 the opening-quote rule runs first, so CONTRACTIONS3 (' 'tis', ' 'twas') never fires.
    expect(treebankWordTokenize("'Tis fine, 'twas")).toEqual(["'", 'Tis', 'fine', ',', "'", 'twas']);
  });

  it('pads opening single quotes before non-clitic words (NLTK 3.10, nltk/nltk#3687)', () => {
    expect(treebankWordTokenize("'Hard' to tell")).toEqual(["'", 'Hard', "'", 'to', 'tell']);
    expect(treebankWordTokenize("He said 'hello' to me")).toEqual(['He', 'said', "'", 'hello', "'", 'to', 'me']);
    expect(treebankWordTokenize("It's more'n enough.")).toEqual(['It', "'s", 'more', "'n", 'enough', '.']);
    expect(treebankWordTokenize("D'oh, bigendian'ing the 'net")).toEqual(["D'oh", ',', "bigendian'ing", 'the', "'", 'net']);
    expect(treebankWordTokenize("'v' 're'")).toEqual(["'", 'v', "'", "'re", "'"]);
  });

  it('splits em dashes (NLTK 3.10, nltk/nltk#3461), double dashes, ellipses and brackets', () => {
    expect(treebankWordTokenize('The food—which was delicious—reminded me of home.')).toEqual([
      'The', 'food', '—', 'which', 'was', 'delicious', '—', 'reminded', 'me', 'of', 'home', '.',
    ]);
    expect(treebankWordTokenize('a--b wait... [x] {y} <z> *w @h #t 5% &c;')).toEqual([
      'a', '--', 'b', 'wait', '...', '[', 'x', ']', '{', 'y', '}', '<', 'z', '>', '*', 'w', '@', 'h', '#', 't', '5',
      '%', '&', 'c', ';',
    ]);
  });

  it('handles Unicode quotes and letters as Python re does', () => {
    expect(treebankWordTokenize('«Ça va» “fine” ‘ok’ naïve café.')).toEqual([
      '«', 'Ça', 'va', '»', '“', 'fine', '”', '‘', 'ok', '’', 'naïve', 'café', '.',
    ]);
    // Python \d is Unicode: no split between ':' and an Arabic-Indic digit.
    expect(treebankWordTokenize('a:١ b:c')).toEqual(['a:١', 'b', ':', 'c']);
  });

  it('returns no tokens for blank text', () => {
    expect(treebankWordTokenize('')).toEqual([]);
    expect(treebankWordTokenize(' \t\n')).toEqual([]);
  });
});

describe('wordTokenize with the empty Punkt model', () => {
  const punkt = new PunktSentenceTokenizer(emptyPunktParameters());

  it('tokenizes every sentence separately', () => {
    expect(wordTokenize('Line one.\n\nLine two? Line three!', punkt)).toEqual([
      'Line', 'one', '.', 'Line', 'two', '?', 'Line', 'three', '!',
    ]);
  });

  it('preserveLine skips sentence splitting', () => {
    expect(wordTokenize('Hi there. Bye now.', punkt, { preserveLine: true })).toEqual(['Hi', 'there.', 'Bye', 'now', '.']);
  });
});

describe('wordTokenize with punkt_tab/english (NLTK docstrings and tests)', () => {
  const loaded = loadPunktParameters({ nltkData, defaultPaths: false });
  if (!loaded) throw new Error(`no punkt_tab/english under ${nltkData}`);
  const punkt = new PunktSentenceTokenizer(loaded.params);

  it('nltk.tokenize docstring', () => {
    const s = 'Good muffins cost $3.88\nin New York.  Please buy me\ntwo of them.\n\nThanks.';
    expect(wordTokenize(s, punkt)).toEqual([
      'Good', 'muffins', 'cost', '$', '3.88', 'in', 'New', 'York', '.', 'Please', 'buy', 'me', 'two', 'of', 'them',
      '.', 'Thanks', '.',
    ]);
  });

  it('test_word_tokenize, test_pad_asterisk and test_pad_dotdot', () => {
    expect(wordTokenize("The 'v', I've been fooled but I'll seek revenge.", punkt)).toEqual([
      'The', "'", 'v', "'", ',', 'I', "'ve", 'been', 'fooled', 'but', 'I', "'ll", 'seek', 'revenge', '.',
    ]);
    expect(wordTokenize('This is a, *weird sentence with *asterisks in it.', punkt)).toEqual([
      'This', 'is', 'a', ',', '*', 'weird', 'sentence', 'with', '*', 'asterisks', 'in', 'it', '.',
    ]);
    expect(wordTokenize('Why did dotdot.. not get tokenized but dotdotdot... did? How about manydots.....', punkt)).toEqual([
      'Why', 'did', 'dotdot', '..', 'not', 'get', 'tokenized', 'but', 'dotdotdot', '...', 'did', '?', 'How', 'about',
      'manydots', '.....',
    ]);
  });

  it('keeps abbreviation periods inside a sentence', () => {
    expect(wordTokenize('The U.S. economy grew 3.5% in Q2, e.g. via exports.', punkt)).toEqual([
      'The', 'U.S.', 'economy', 'grew', '3.5', '%', 'in', 'Q2', ',', 'e.g', '.', 'via', 'exports', '.',
    ]);
  });
});

describe('treebankWordTokenize skips rules that cannot match', () => {
  /** Every rule applied in full, as NLTK does. */
  const allRules = (text: string): string[] => pySplit(treebankWordTextAllRules(text));

  it('gives what applying every rule gives, on the fixture and on punctuation soup', () => {
    const rows = readFileSync(metricsFixture, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { prediction: string; reference: string });
    const texts = rows.flatMap((r) => [r.prediction, r.reference]);
    const pieces = [
      "'", '"', '`', '``', "''", '.', '...', ',', ':', ';', '@', '#', '$', '%', '&', '\u2014', '?', '!', '*', '(', ')', '[', ']',
      '{', '}', '<', '>', '-', '--', '«', '»', '“', '”', '‘', '’', '„', ' ', ' ', '\n', '\t', 'cannot', 'CanNot', 'gimme',
      'gonna', 'gotta', 'lemme', 'wanna', "more'n", "d'ye", "'tis", "'Twas", "'t", 'is', 'was', "'s", "'M", "'d", "'ll",
      "'RE", "'ve", "n't", "N'T", 'it', 'ſ', 'K', '2,3', 'a', 'wan', 'na', '😀', '\ud83d', '\ude00', '\u2003', '\u3000', '\x1c',
      '\x85', 'x.', '.)', '.\n', ':\n', ',\n', ').', '."', ".'", '. ', '..\n',
    ];
    const rng = createPrng(99);
    for (let i = 0; i < 20000; i++) {
      let t = '';
      for (let k = 1 + rng.nextInt(12); k > 0; k--) t += pieces[rng.nextInt(pieces.length)];
      texts.push(t);
    }
    const wrong = texts.filter((t) => treebankWordTokenize(t).join('\u0001') !== allRules(t).join('\u0001'));
    expect(wrong).toEqual([]);
    // The same string, not only the same tokens.
    expect(texts.filter((t) => treebankWordText(t) !== treebankWordTextAllRules(t))).toEqual([]);
  });
});
