/**
 * NLTK's `word_tokenize(text, language='english', preserve_line=False)` (NLTK 3.10.3): Punkt
 * sentences, then `NLTKWordTokenizer.tokenize` (the improved Treebank tokenizer with
 * `convert_parentheses=False`) on each sentence. NLTK 3.10 differs from 3.9 here: em dashes are
 * split off and opening single quotes are padded (see the rule tables below).
 *
 * Every substitution is the NLTK regular expression with Python `re` semantics made explicit:
 * Unicode `\w`/`\d`/`\b`, Python whitespace for `\s` and `str.split()`, and `$` (without
 * MULTILINE) also matching before a final newline.
 *
 * @module
 */

import { PY_WHITESPACE_CLASS, PY_WORD_CLASS, PunktSentenceTokenizer, pySplit } from './punkt.js';

const WS = PY_WHITESPACE_CLASS;
const W = PY_WORD_CLASS;
/** Python `\b` before a word character. */
const B_START = `(?<![${W}])`;
/** Python `\b` after a word character. */
const B_END = `(?![${W}])`;
/** Python `$` without MULTILINE: end of string, or before a newline that ends the string. */
const PY_END = '(?=\\n?$)';

/**
 * A substitution: pattern, replacement, and the characters of which the text must contain at
 * least one for the pattern to match at all ('' when there is no such set). Checking them with
 * `includes` first skips most of the ~30 `replace` calls per sentence, which is where the
 * tokenizer spent its time; the result is the same string (a pattern that cannot match leaves
 * the text unchanged).
 */
type Rule = readonly [pattern: RegExp, replacement: string, needsOneOf: string];

/**
 * `STARTING_QUOTES`. The last rule is NLTK 3.10's opening single quote (nltk/nltk#3687): a `'`
 * not preceded by a word character and followed by a word that is not one of the clitics
 * `re ve ll m t s d n` gets a space after it (`'Hard'` -> `'` `Hard'`, `'Tis` -> `'` `Tis`, while
 * `it's`, `D'oh` and `more'n` are left alone). Its exact form was pinned down against NLTK 3.10.3
 * output on the shared fixture.
 */
const STARTING_QUOTES: readonly Rule[] = [
  [/([«“‘„]|`+)/gu, ' $1 ', '«“‘„`'],
  [/^"/u, '``', '"'],
  [/(``)/gu, ' $1 ', '`'],
  [/([ ([{<])("|'{2})/gu, '$1 `` ', '"\''],
  [new RegExp(`${B_START}(')(?!(?:re|ve|ll|m|t|s|d|n)${B_END})(?=[${W}])`, 'giu'), '$1 ', "'"],
];

/** `PUNCTUATION`, with NLTK 3.10's em-dash padding (nltk/nltk#3461) after `[;@#$%&]`. */
const PUNCTUATION: readonly Rule[] = [
  [new RegExp(`([^.])(\\.)([\\])}>"'»”’ ]*)[${WS}]*${PY_END}`, 'u'), '$1 $2 $3 ', '.'],
  [/([:,])([^\p{Nd}])/gu, ' $1 $2', ':,'],
  [new RegExp(`([:,])${PY_END}`, 'u'), ' $1 ', ':,'],
  [/\.{2,}/gu, ' $& ', '.'],
  [/[;@#$%&]/gu, ' $& ', ';@#$%&'],
  [/\u2014/gu, ' $& ', '\u2014'],
  [new RegExp(`([^.])(\\.)([\\])}>"']*)[${WS}]*${PY_END}`, 'u'), '$1 $2$3 ', '.'],
  [/[?!]/gu, ' $& ', '?!'],
  [/([^'])' /gu, "$1 ' ", "'"],
  [/[*]/gu, ' $& ', '*'],
];

/** `PARENS_BRACKETS`. */
const PARENS_BRACKETS: Rule = [/[\][(){}<>]/gu, ' $& ', '[](){}<>'];

/** `DOUBLE_DASHES`. */
const DOUBLE_DASHES: Rule = [/--/gu, ' -- ', '-'];

/** `ENDING_QUOTES`. */
const ENDING_QUOTES: readonly Rule[] = [
  [/([»”’])/gu, ' $1 ', '»”’'],
  [/''/gu, " '' ", "'"],
  [/"/gu, " '' ", '"'],
  [/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 ', "'"],
  [/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 ', "'"],
];

/**
 * `MacIntyreContractions.CONTRACTIONS2` followed by `CONTRACTIONS3`, all `(?i)`. The rules without
 * an apostrophe (needs '') run only when {@link CONTRACTION_WORDS} finds one of their words; no
 * earlier rule can create such a word (they only insert spaces, next to boundaries that were
 * already there), so one test before the block decides for all of them.
 */
const CONTRACTIONS: readonly Rule[] = (
  [
    [`${B_START}(can)(not)${B_END}`, ''],
    [`${B_START}(d)('ye)${B_END}`, "'"],
    [`${B_START}(gim)(me)${B_END}`, ''],
    [`${B_START}(gon)(na)${B_END}`, ''],
    [`${B_START}(got)(ta)${B_END}`, ''],
    [`${B_START}(lem)(me)${B_END}`, ''],
    [`${B_START}(more)('n)${B_END}`, "'"],
    [`${B_START}(wan)(na)(?=[${WS}])`, ''],
    [` ('t)(is)${B_END}`, "'"],
    [` ('t)(was)${B_END}`, "'"],
  ] as const
).map(([src, needs]): Rule => [new RegExp(src, 'giu'), ' $1 $2 ', needs]);

/** The words of the {@link CONTRACTIONS} without an apostrophe, with the same flags. */
const CONTRACTION_WORDS = /cannot|gimme|gonna|gotta|lemme|wanna/iu;

/** `text` with `rule` applied (unchanged, without calling `replace`, when it cannot match). */
function apply(text: string, [pattern, replacement, needs]: Rule): string {
  if (needs.length > 0) {
    let found = false;
    for (let i = 0; i < needs.length && !found; i++) found = text.includes(needs[i]!);
    if (!found) return text;
  }
  return text.replace(pattern, replacement);
}

/**
 * `NLTKWordTokenizer().tokenize(text)`: Treebank-style word tokens of one sentence.
 *
 * @param text - A sentence (or any text; it is not sentence-split here).
 */
export function treebankWordTokenize(text: string): string[] {
  return pySplit(treebankWordText(text));
}

/**
 * The text whose Python-whitespace-separated fields (`pySplit`) are
 * {@link treebankWordTokenize}'s tokens: the sentence after NLTK's substitutions.
 *
 * @param text - A sentence (or any text; it is not sentence-split here).
 */
export function treebankWordText(text: string): string {
  let t = text;
  for (const rule of STARTING_QUOTES) t = apply(t, rule);
  for (const rule of PUNCTUATION) t = apply(t, rule);
  t = apply(t, PARENS_BRACKETS);
  t = apply(t, DOUBLE_DASHES);
  t = ` ${t} `;
  for (const rule of ENDING_QUOTES) t = apply(t, rule);
  const words = CONTRACTION_WORDS.test(t);
  for (const rule of CONTRACTIONS) if (words || rule[2] !== '') t = apply(t, rule);
  return t;
}

/** Options of {@link wordTokenize}. */
export interface WordTokenizeOptions {
  /** Skip sentence splitting (NLTK's `preserve_line=True`). */
  readonly preserveLine?: boolean;
}

/**
 * NLTK `word_tokenize`: split `text` into sentences with `punkt`, then tokenize each sentence.
 *
 * @param text - The text.
 * @param punkt - The sentence splitter (with the English `punkt_tab` model to match NLTK).
 * @param options - See {@link WordTokenizeOptions}.
 */
export function wordTokenize(
  text: string,
  punkt: PunktSentenceTokenizer,
  options: WordTokenizeOptions = {},
): string[] {
  return pySplit(wordTokenText(text, punkt, options));
}

/**
 * The text whose Python-whitespace-separated fields (`pySplit`) are {@link wordTokenize}'s
 * tokens: each sentence's {@link treebankWordText}, joined by spaces (tokens hold no
 * whitespace, so none spans two sentences). A caller that maps tokens to ids can read them
 * from this one string instead of making a string per token.
 *
 * @param text - The text.
 * @param punkt - The sentence splitter (with the English `punkt_tab` model to match NLTK).
 * @param options - See {@link WordTokenizeOptions}.
 */
export function wordTokenText(text: string, punkt: PunktSentenceTokenizer, options: WordTokenizeOptions = {}): string {
  if (options.preserveLine) return treebankWordText(text);
  return punkt.tokenize(text).map(treebankWordText).join(' ');
}
