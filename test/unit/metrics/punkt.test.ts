import { describe, expect, it } from 'vitest';
import { loadPunktParameters } from '../../../lib/metrics/nltk-data.js';
import {
  PunktSentenceTokenizer,
  PunktToken,
  emptyPunktParameters,
  parsePunktTab,
  punktWordTokenize,
  pyRstrip,
  PY_WHITESPACE_CLASS,
  pySplit,
} from '../../../lib/metrics/punkt.js';

import { nltkData } from '../../helpers/shared.js';

describe('Python string helpers', () => {
  it('pySplit splits on Python whitespace, including \\x1c-\\x1f, \\x85 and NBSP but not \\ufeff', () => {
    expect(pySplit('  a\tb\nc\x1cd\x85e\u00a0f\u3000g\ufeffh  ')).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g\ufeffh']);
    expect(pySplit('')).toEqual([]);
    expect(pySplit(' \n\t ')).toEqual([]);
  });

  it('pyRstrip strips what the regular expression [\\s]+$ (Python whitespace) strips, for every UTF-16 code unit', () => {
    const re = new RegExp(`[${PY_WHITESPACE_CLASS}]+$`, 'u');
    const wrong: number[] = [];
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      for (const text of [`a${ch}`, `a${ch} ${ch}`, `${ch}x`, ch]) if (pyRstrip(text) !== text.replace(re, '')) wrong.push(c);
    }
    expect(wrong).toEqual([]);
  });

  it('pyRstrip strips trailing Python whitespace only', () => {
    expect(pyRstrip('  ab \u2003\n')).toBe('  ab');
  });
});

describe('parsePunktTab', () => {
  it('reads lines like NLTK (one final newline removed per line, CRLF normalized)', () => {
    const p = parsePunktTab({
      abbrevTypes: 'mr\r\ndr\ne.g\n',
      collocations: '##number##\tcredit\ns\tbach',
      sentStarters: 'however\n\nthus\n',
      orthoContext: 'the\t36\nbach\t6\n',
    });
    expect([...p.abbrevTypes]).toEqual(['mr', 'dr', 'e.g']);
    expect(p.collocations.has('##number##\tcredit')).toBe(true);
    expect(p.collocations.has('s\tbach')).toBe(true);
    // An empty line is an (empty) sentence starter in NLTK too.
    expect([...p.sentStarters]).toEqual(['however', '', 'thus']);
    expect(p.orthoContext.get('the')).toBe(36);
    expect(p.orthoContext.get('bach')).toBe(6);
  });

  it('names the file and line of a malformed entry', () => {
    const base = { abbrevTypes: '', collocations: '', sentStarters: '' };
    expect(() => parsePunktTab({ ...base, orthoContext: 'the\tx\n' }, '/d')).toThrow('/d/ortho_context.tab line 1');
    expect(() => parsePunktTab({ ...base, orthoContext: '', collocations: 'a\tb\nc\n' }, '/d')).toThrow(
      '/d/collocations.tab line 2',
    );
  });
});

describe('punktWordTokenize (PunktLanguageVars.word_tokenize)', () => {
  it('splits punctuation other than periods and keeps multi-character punctuation', () => {
    expect(punktWordTokenize("Hello, world. (test) 'quoted' end...")).toEqual([
      'Hello',
      ',',
      'world.',
      '(',
      'test',
      ')',
      "'quoted",
      "'",
      'end',
      '...',
    ]);
    expect(punktWordTokenize('a--b "c" x. . . y')).toEqual(['a', '--', 'b', '"', 'c', '"', 'x', '. . .', 'y']);
    expect(punktWordTokenize('3,5 1,000, ok')).toEqual(['3,5', '1,000', ',', 'ok']);
  });
});

describe('PunktToken', () => {
  it('computes NLTK types and properties', () => {
    expect(new PunktToken('3.88').type).toBe('##number##');
    expect(new PunktToken('-1,5.').type).toBe('##number##');
    expect(new PunktToken('Mr.').typeNoPeriod).toBe('mr');
    expect(new PunktToken('.').typeNoPeriod).toBe('.');
    expect(new PunktToken('S.').isInitial).toBe(true);
    expect(new PunktToken('É.').isInitial).toBe(true);
    expect(new PunktToken('5.').isInitial).toBe(false);
    expect(new PunktToken('...').isEllipsis).toBe(true);
    expect(new PunktToken('Élan').firstUpper).toBe(true);
    expect(new PunktToken('ßig').firstLower).toBe(true);
    expect(new PunktToken('東京').firstUpper).toBe(false);
    expect(new PunktToken('東京').firstLower).toBe(false);
  });
});

describe('PunktSentenceTokenizer with the empty model', () => {
  const punkt = new PunktSentenceTokenizer(emptyPunktParameters());

  it('breaks after every period-final word that is not an initial before a capital', () => {
    expect(punkt.tokenize('Mr. Smith went home. He slept.')).toEqual(['Mr.', 'Smith went home.', 'He slept.']);
  });

  it('finds candidate contexts right to left without overlaps (NLTK docstring example)', () => {
    expect(punkt.matchPotentialEndContexts('Very bad acting!!! I promise.')).toEqual([
      { index: 17, nextTokStart: 19, context: 'acting!!! I' },
    ]);
  });

  it('returns no sentence for empty or blank text', () => {
    expect(punkt.tokenize('')).toEqual([]);
    expect(punkt.tokenize('  \n\t ')).toEqual([]);
    expect(punkt.spanTokenize('Hi.  ')).toEqual([[0, 3]]);
  });

  it('realigns closing punctuation and spans are JS string indices', () => {
    const text = '(Sent1.) Sent2.';
    expect(punkt.tokenize(text, false)).toEqual(['(Sent1.', ') Sent2.']);
    expect(punkt.spanTokenize(text)).toEqual([
      [0, 8],
      [9, 15],
    ]);
  });
});

describe('PunktSentenceTokenizer with punkt_tab/english (NLTK test_tokenize.py cases)', () => {
  const loaded = loadPunktParameters({ nltkData, defaultPaths: false });
  if (!loaded) throw new Error(`no punkt_tab/english under ${nltkData}`);
  const punkt = new PunktSentenceTokenizer(loaded.params);

  const cases: Array<[string, string[]]> = [
    ['this is a test. . new sentence.', ['this is a test.', '.', 'new sentence.']],
    ['This. . . That', ['This.', '.', '.', 'That']],
    ['This..... That', ['This..... That']],
    ['This... That', ['This... That']],
    ['This.. . That', ['This.. .', 'That']],
    ['This. .. That', ['This.', '.. That']],
    ['This. ,. That', ['This.', ',.', 'That']],
    ['This!!! That', ['This!!!', 'That']],
    ['This! That', ['This!', 'That']],
    ["1. This is R .\n2. This is A .\n3. That's all", ['1.', 'This is R .', '2.', 'This is A .', '3.', "That's all"]],
    ["1. This is R .\t2. This is A .\t3. That's all", ['1.', 'This is R .', '2.', 'This is A .', '3.', "That's all"]],
    ['Hello.\tThere', ['Hello.', 'There']],
  ];
  it.each(cases)('sent_tokenize(%j)', (text, expected) => {
    expect(punkt.tokenize(text)).toEqual(expected);
  });

  it('keeps abbreviations and initials (punkt.py module docstring)', () => {
    const text =
      'Punkt knows that the periods in Mr. Smith and Johann S. Bach\ndo not mark sentence boundaries.  ' +
      'And sometimes sentences\ncan start with non-capitalized words.  i is a good variable\nname.';
    expect(punkt.tokenize(text)).toEqual([
      'Punkt knows that the periods in Mr. Smith and Johann S. Bach\ndo not mark sentence boundaries.',
      'And sometimes sentences\ncan start with non-capitalized words.',
      'i is a good variable\nname.',
    ]);
  });

  it('realign_boundaries as in the punkt.py docstring', () => {
    const text =
      '(How does it deal with this parenthesis?)  "It should be part of the\nprevious sentence." ' +
      '"(And the same with this one.)" (\'And this one!\')\n"(\'(And (this)) \'?)" [(and this. )]';
    expect(punkt.tokenize(text)).toEqual([
      '(How does it deal with this parenthesis?)',
      '"It should be part of the\nprevious sentence."',
      '"(And the same with this one.)"',
      "('And this one!')",
      '"(\'(And (this)) \'?)"',
      '[(and this. )]',
    ]);
    expect(punkt.tokenize(text, false)).toEqual([
      '(How does it deal with this parenthesis?',
      ')  "It should be part of the\nprevious sentence.',
      '" "(And the same with this one.',
      ')" (\'And this one!',
      '\')\n"(\'(And (this)) \'?',
      ')" [(and this.',
      ')]',
    ]);
  });

  it('splits after a curly closing quote or guillemet (NLTK 3.10, nltk/nltk#3728)', () => {
    expect(punkt.tokenize('“First sentence.” Next one.')).toEqual(['“First sentence.”', 'Next one.']);
    expect(punkt.tokenize('«Premier.» Suivant.')).toEqual(['«Premier.»', 'Suivant.']);
  });

  it('uses known abbreviations from abbrev_types.txt', () => {
    expect(punkt.tokenize('Mr. Smith went home. He slept.')).toEqual(['Mr. Smith went home.', 'He slept.']);
  });
});
