import { describe, expect, it } from 'vitest';
import { createRougeTokenizer, RougeIdTokenizer, rougeTokenize } from '../../../lib/metrics/rouge-tokenize.js';
import { createPrng } from '../../../lib/metrics/stats.js';

describe('rougeTokenize (rouge_score 0.1.2 DefaultTokenizer)', () => {
  it('lower-cases and splits on anything outside [a-z0-9]', () => {
    expect(rougeTokenize('The quick-brown FOX, jumped!')).toEqual(['the', 'quick', 'brown', 'fox', 'jumped']);
    expect(rougeTokenize("don't U.S.A. 3.14 e-mail_x")).toEqual(['don', 't', 'u', 's', 'a', '3', '14', 'e', 'mail', 'x']);
    expect(rougeTokenize('  tabs\tand\nnewlines\r\n ')).toEqual(['tabs', 'and', 'newlines']);
  });

  it('returns no tokens for empty or punctuation-only text', () => {
    expect(rougeTokenize('')).toEqual([]);
    expect(rougeTokenize('...!?  -- ')).toEqual([]);
  });

  it('drops non-ASCII letters (they act as separators)', () => {
    expect(rougeTokenize('café naïve Zürich')).toEqual(['caf', 'na', 've', 'z', 'rich']);
    expect(rougeTokenize('日本語 テキスト русский')).toEqual([]);
    expect(rougeTokenize('ＡＢＣ１２３')).toEqual([]); // full-width forms are not [a-z0-9]
  });

  it('lower-cases before filtering, so non-ASCII capitals with ASCII lower case survive', () => {
    // U+212A KELVIN SIGN lower-cases to "k"; U+0130 to "i" + U+0307 (combining dot, dropped).
    expect(rougeTokenize('\u212Aelvin')).toEqual(['kelvin']);
    expect(rougeTokenize('\u0130stanbul')).toEqual(['i', 'stanbul']);
  });

  it('stems only tokens longer than 3 characters', () => {
    expect(rougeTokenize('The cats were running quickly; dies flies', true)).toEqual([
      'the', 'cat', 'were', 'run', 'quickli', 'die', 'fli',
    ]);
    // 3-character tokens are left alone even when the stemmer would change them.
    expect(rougeTokenize('ies sky cats', true)).toEqual(['ies', 'sky', 'cat']);
    expect(rougeTokenize('DYING lying', true)).toEqual(['die', 'lie']);
  });

  it('the cached tokenizer gives the same tokens', () => {
    const text = 'Generously, the Relational databases were HOPPING and hoping; 1990s news.';
    for (const useStemmer of [false, true]) {
      const tokenizer = createRougeTokenizer({ useStemmer, stemCacheSize: 2 });
      expect(tokenizer.useStemmer).toBe(useStemmer);
      expect(tokenizer.tokenize(text)).toEqual(rougeTokenize(text, useStemmer));
      expect(tokenizer.tokenize(text)).toEqual(rougeTokenize(text, useStemmer));
    }
  });
});

describe('RougeIdTokenizer', () => {
  it.each([false, true])('numbers tokens per call as a Map over tokenize() would (stemming %s)', (useStemmer) => {
    const rng = createPrng(11);
    const words = ['The', 'cats', 'cat', 'running', 'RUNS', 'run', 'café', '3.14', "don't", '\u212Aelvin', 'x', 'généreux', 'quickly', '--', '日本'];
    const text = () => Array.from({ length: rng.nextInt(30) }, () => words[rng.nextInt(words.length)]!).join(rng.nextInt(2) ? ' ' : ', ');
    const ids = new RougeIdTokenizer(useStemmer);
    const tokenizer = createRougeTokenizer({ useStemmer });
    for (let call = 0; call < 300; call++) {
      ids.reset();
      const numbers = new Map<string, number>();
      for (let part = 0; part < 3; part++) {
        const t = text();
        const want = tokenizer.tokenize(t).map((tok) => {
          if (!numbers.has(tok)) numbers.set(tok, numbers.size);
          return numbers.get(tok)!;
        });
        expect(Array.from(ids.ids(t))).toEqual(want);
        expect(ids.vocabularySize).toBe(numbers.size);
      }
    }
  });
});
