import { describe, expect, it } from 'vitest';
import { porterStem } from '../../../lib/metrics/porter.js';

describe('porterStem (NLTK PorterStemmer, NLTK_EXTENSIONS mode)', () => {
  it('matches the plural example of NLTK stem.doctest', () => {
    const plurals = [
      'caresses', 'flies', 'dies', 'mules', 'denied', 'died', 'agreed', 'owned', 'humbled', 'sized',
      'meeting', 'stating', 'siezing', 'itemization', 'sensational', 'traditional', 'reference',
      'colonizer', 'plotted',
    ];
    expect(plurals.map(porterStem).join(' ')).toBe(
      'caress fli die mule deni die agre own humbl size meet state siez item sensat tradit refer colon plot',
    );
  });

  it('matches other documented NLTK cases', () => {
    expect(porterStem('generously')).toBe('gener'); // stem.doctest
    expect(porterStem('running')).toBe('run');
    expect(porterStem('oed')).toBe('o'); // test_stem.py test_oed_bug (nltk issue 1581)
    // test_stem.py test_lowercase_option
    expect(porterStem('On')).toBe('on');
    expect(porterStem('I')).toBe('i');
    expect(porterStem('Github')).toBe('github');
  });

  it('uses the irregular-forms pool, looked up on the word as given', () => {
    const pool: Record<string, string> = {
      sky: 'sky', skies: 'sky', dying: 'die', lying: 'lie', tying: 'tie', news: 'news',
      innings: 'inning', inning: 'inning', outings: 'outing', outing: 'outing',
      cannings: 'canning', canning: 'canning', howe: 'howe',
      proceed: 'proceed', exceed: 'exceed', succeed: 'succeed',
    };
    for (const [word, stem] of Object.entries(pool)) expect(porterStem(word), word).toBe(stem);
    // NLTK checks `word in pool` before lower-casing, so 'Dying' takes the normal path.
    expect(porterStem('Dying')).toBe('dy');
    expect(porterStem('NEWS')).toBe('new');
  });

  it('follows the paper examples that NLTK mode keeps (docstrings of each step)', () => {
    const cases: Array<[string, string]> = [
      // step 1a
      ['caress', 'caress'], ['cats', 'cat'], ['ponies', 'poni'], ['ties', 'tie'],
      // step 1b
      ['feed', 'feed'], ['plastered', 'plaster'], ['bled', 'bled'], ['motoring', 'motor'],
      ['sing', 'sing'], ['conflated', 'conflat'], ['troubled', 'troubl'], ['sized', 'size'],
      ['hopping', 'hop'], ['tanned', 'tan'], ['falling', 'fall'], ['hissing', 'hiss'],
      ['fizzed', 'fizz'], ['failing', 'fail'], ['filing', 'file'], ['spied', 'spi'],
      // step 1c (NLTK: y -> i only after a consonant that is not the first letter)
      ['happy', 'happi'], ['enjoy', 'enjoy'], ['spy', 'spi'], ['fly', 'fli'], ['try', 'tri'], ['by', 'by'],
      // step 2
      ['relational', 'relat'], ['conditional', 'condit'], ['rational', 'ration'],
      ['valenci', 'valenc'], ['hesitanci', 'hesit'], ['digitizer', 'digit'],
      ['conformabli', 'conform'], ['radicalli', 'radic'], ['differentli', 'differ'],
      ['vileli', 'vile'], ['analogousli', 'analog'], ['vietnamization', 'vietnam'],
      ['predication', 'predic'], ['operator', 'oper'], ['feudalism', 'feudal'],
      ['decisiveness', 'decis'], ['hopefulness', 'hope'], ['callousness', 'callous'],
      ['formaliti', 'formal'], ['sensitiviti', 'sensit'], ['sensibiliti', 'sensibl'],
      ['hopefully', 'hope'], ['geology', 'geolog'], ['theology', 'theolog'],
      // step 3
      ['triplicate', 'triplic'], ['formative', 'form'], ['formalize', 'formal'],
      ['electriciti', 'electr'], ['electrical', 'electr'], ['hopeful', 'hope'], ['goodness', 'good'],
      // step 4
      ['revival', 'reviv'], ['allowance', 'allow'], ['inference', 'infer'], ['airliner', 'airlin'],
      ['gyroscopic', 'gyroscop'], ['adjustable', 'adjust'], ['defensible', 'defens'],
      ['irritant', 'irrit'], ['replacement', 'replac'], ['adjustment', 'adjust'],
      ['dependent', 'depend'], ['adoption', 'adopt'], ['homologou', 'homolog'],
      ['communism', 'commun'], ['activate', 'activ'], ['angulariti', 'angular'],
      ['homologous', 'homolog'], ['effective', 'effect'], ['bowdlerize', 'bowdler'],
      // step 5
      ['probate', 'probat'], ['rate', 'rate'], ['cease', 'ceas'], ['controll', 'control'], ['roll', 'roll'],
    ];
    for (const [word, stem] of cases) expect(porterStem(word), word).toBe(stem);
  });

  it('applies the NLTK-only extensions where Martin Porter\'s version differs', () => {
    // [word, NLTK_EXTENSIONS stem, MARTIN_EXTENSIONS stem (for reference)]
    const cases: Array<[string, string, string]> = [
      ['bay', 'bay', 'bai'], // step 1c: y -> i only after a consonant
      ['delay', 'delay', 'delai'],
      ['dies', 'die', 'di'], // 4-letter ies / ied
      ['tied', 'tie', 'ti'],
      ['ace', 'ace', 'ac'], // *o also holds for a 2-letter vowel-consonant stem
      ['ewing', 'ewe', 'ew'],
      ['additionally', 'addit', 'addition'], // alli -> al, then step 2 again
      ['purposefully', 'purpos', 'purposefulli'], // fulli -> ful
      ['zoology', 'zoolog', 'zoologi'], // logi -> log, measure taken with the l
    ];
    for (const [word, nltk] of cases) expect(porterStem(word), word).toBe(nltk);
  });

  it('leaves words of at most two characters alone (lower-cased)', () => {
    expect(porterStem('')).toBe('');
    expect(porterStem('a')).toBe('a');
    expect(porterStem('IS')).toBe('is');
    expect(porterStem('as')).toBe('as');
  });

  it('treats non-ASCII letters as consonants and counts code points like Python', () => {
    expect(porterStem('cafés')).toBe('café');
    expect(porterStem('naïve')).toBe('naïv');
    // One astral character plus one letter is two code points: returned as is.
    expect(porterStem('😀s')).toBe('😀s');
    expect(porterStem('😀😀s')).toBe('😀😀');
    expect(porterStem('😀ing')).toBe('😀ing');
  });
});
