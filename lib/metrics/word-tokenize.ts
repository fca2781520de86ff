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

import { PY_WHITESPACE_CLASS, PY_WORD_CLASS, PunktSentenceTokenizer, isPyWhitespaceCode, pySplit } from './punkt.js';

const WS = PY_WHITESPACE_CLASS;
const W = PY_WORD_CLASS;
/** Python `\b` before a word character. */
const B_START = `(?<![${W}])`;
/** Python `\b` after a word character. */
const B_END = `(?![${W}])`;
/** Python `$` without MULTILINE: end of string, or before a newline that ends the string. */
const PY_END = '(?=\\n?$)';

/**
 * A substitution: pattern, replacement, the characters of which the text must contain at least
 * one for the pattern to match at all ('' when there is no such set), and where it can match
 * (`at`, default anywhere):
 * - `'..'`, `'--'`, `"''"`: only where the text holds that string;
 * - `'final-period'` (the two rules that split off a sentence's last period): only with the
 *   period at the last character that is neither Python whitespace nor one of `closers`;
 * - `'last-char'` (`([:,])$`): only when the text ends with `:` or `,` (or that and `\n`).
 *
 * A rule that cannot match is skipped without calling `replace` (which would leave the text as
 * it is), and an end-anchored rule runs on the end of the text only: most of the ~30 `replace`
 * calls per sentence, each a scan of the whole sentence, were where the tokenizer spent its time.
 * The result is the same string; {@link treebankWordTextAllRules} runs every rule in full, and
 * the tests compare the two.
 */
interface Rule {
  readonly pattern: RegExp;
  readonly replacement: string;
  /** The {@link charBits} of the characters of which the text must hold one (0: no condition). */
  readonly needs: number;
  readonly at?: '..' | '--' | "''" | 'final-period' | 'last-char';
  /** With `at: 'final-period'`: the characters the pattern allows between the period and the trailing whitespace. */
  readonly closers?: string;
}

/** The characters the rules' conditions name, one bit each (32, as an int32 holds). */
const CONDITION_CHARS = '«“‘„`"\'.:,;@#$%&\u2014?!*[](){}<>-»”’';
/** The bit of each ASCII code (0 for the others), and of each non-ASCII condition character. */
const ASCII_BITS = new Int32Array(128);
const OTHER_BITS = new Map<number, number>();
for (let i = 0; i < CONDITION_CHARS.length; i++) {
  const c = CONDITION_CHARS.charCodeAt(i);
  if (c < 128) ASCII_BITS[c] = 1 << i;
  else OTHER_BITS.set(c, 1 << i);
}
const BIT_DOUBLE_QUOTE = 1 << CONDITION_CHARS.indexOf('"');
const BIT_QUOTE = 1 << CONDITION_CHARS.indexOf("'");
const BIT_BACKTICK = 1 << CONDITION_CHARS.indexOf('`');

/** The bit of character code `c` in {@link CONDITION_CHARS}, or 0. */
function charBit(c: number): number {
  return c < 128 ? ASCII_BITS[c]! : (OTHER_BITS.get(c) ?? 0);
}

/** The bits of the characters of `chars`. */
function charBits(chars: string): number {
  let bits = 0;
  for (let i = 0; i < chars.length; i++) bits |= charBit(chars.charCodeAt(i));
  return bits;
}

/**
 * The bits of the condition characters that `text` holds or that a rule can put into it: the
 * rules only insert spaces, except that `"` becomes `` or '' and '' becomes ``, so `"` brings
 * `'` and `` ` `` with it, and `'` brings `` ` ``. A rule none of whose characters is here
 * cannot match at any point of the chain.
 */
function presentBits(text: string): number {
  let bits = 0;
  for (let i = 0; i < text.length; i++) bits |= charBit(text.charCodeAt(i));
  if ((bits & BIT_DOUBLE_QUOTE) !== 0) bits |= BIT_QUOTE | BIT_BACKTICK;
  if ((bits & BIT_QUOTE) !== 0) bits |= BIT_BACKTICK;
  return bits;
}

/** A {@link Rule}. */
function rule(pattern: RegExp, replacement: string, needsOneOf: string, at?: Rule['at'], closers?: string): Rule {
  return { pattern, replacement, needs: charBits(needsOneOf), ...(at === undefined ? {} : { at }), ...(closers === undefined ? {} : { closers }) };
}

/**
 * `STARTING_QUOTES`. The last rule is NLTK 3.10's opening single quote (nltk/nltk#3687): a `'`
 * not preceded by a word character and followed by a word that is not one of the clitics
 * `re ve ll m t s d n` gets a space after it (`'Hard'` -> `'` `Hard'`, `'Tis` -> `'` `Tis`, while
 * `it's`, `D'oh` and `more'n` are left alone). Its exact form was pinned down against NLTK 3.10.3
 * output on the shared fixture.
 */
const STARTING_QUOTES: readonly Rule[] = [
  rule(/([«“‘„]|`+)/gu, ' $1 ', '«“‘„`'),
  rule(/^"/u, '``', '"'),
  rule(/(``)/gu, ' $1 ', '`'),
  rule(/([ ([{<])("|'{2})/gu, '$1 `` ', '"\''),
  rule(new RegExp(`${B_START}(')(?!(?:re|ve|ll|m|t|s|d|n)${B_END})(?=[${W}])`, 'giu'), '$1 ', "'"),
];

/** What may stand between a sentence's final period and its trailing whitespace (first rule). */
const FINAL_CLOSERS = '])}>"\'»”’ ';
/** The same for the second final-period rule. */
const FINAL_CLOSERS_2 = '])}>"\'';
/** {@link FINAL_CLOSERS} as the body of a character class. */
const closerClass = (closers: string): string => closers.replace(/[\]\\^-]/g, '\\$&');

/** `PUNCTUATION`, with NLTK 3.10's em-dash padding (nltk/nltk#3461) after `[;@#$%&]`. */
const PUNCTUATION: readonly Rule[] = [
  rule(new RegExp(`([^.])(\\.)([${closerClass(FINAL_CLOSERS)}]*)[${WS}]*${PY_END}`, 'u'), '$1 $2 $3 ', '.', 'final-period', FINAL_CLOSERS),
  rule(/([:,])([^\p{Nd}])/gu, ' $1 $2', ':,'),
  rule(new RegExp(`([:,])${PY_END}`, 'u'), ' $1 ', ':,', 'last-char'),
  rule(/\.{2,}/gu, ' $& ', '.', '..'),
  rule(/[;@#$%&]/gu, ' $& ', ';@#$%&'),
  rule(/\u2014/gu, ' $& ', '\u2014'),
  rule(new RegExp(`([^.])(\\.)([${closerClass(FINAL_CLOSERS_2)}]*)[${WS}]*${PY_END}`, 'u'), '$1 $2$3 ', '.', 'final-period', FINAL_CLOSERS_2),
  rule(/[?!]/gu, ' $& ', '?!'),
  rule(/([^'])' /gu, "$1 ' ", "'"),
  rule(/[*]/gu, ' $& ', '*'),
];

/** `PARENS_BRACKETS`. */
const PARENS_BRACKETS: Rule = rule(/[\][(){}<>]/gu, ' $& ', '[](){}<>');

/** `DOUBLE_DASHES`. */
const DOUBLE_DASHES: Rule = rule(/--/gu, ' -- ', '-', '--');

/** The rules before the sentence is padded with a space on each side, in NLTK's order. */
const OPENING: readonly Rule[] = [...STARTING_QUOTES, ...PUNCTUATION, PARENS_BRACKETS, DOUBLE_DASHES];

/** `ENDING_QUOTES`. */
const ENDING_QUOTES: readonly Rule[] = [
  rule(/([»”’])/gu, ' $1 ', '»”’'),
  rule(/''/gu, " '' ", "'", "''"),
  rule(/"/gu, " '' ", '"'),
  rule(/([^' ])('[sS]|'[mM]|'[dD]|') /gu, '$1 $2 ', "'"),
  rule(/([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) /gu, '$1 $2 ', "'"),
];

/**
 * `MacIntyreContractions.CONTRACTIONS2` followed by `CONTRACTIONS3`, all `(?i)`. The rules without
 * an apostrophe (no condition) run only when {@link CONTRACTION_WORDS} finds one of their words;
 * no earlier rule can create such a word (they only insert spaces, next to boundaries that were
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
).map(([src, needs]): Rule => rule(new RegExp(src, 'giu'), ' $1 $2 ', needs));

/** The words of the {@link CONTRACTIONS} without an apostrophe, with the same flags. */
const CONTRACTION_WORDS = /cannot|gimme|gonna|gotta|lemme|wanna/iu;

/**
 * `text` with `rule` applied, given the {@link presentBits} of the chain's input (unchanged,
 * without calling `replace`, when it cannot match; see {@link Rule}).
 */
function apply(text: string, r: Rule, present: number): string {
  if (r.needs !== 0 && (r.needs & present) === 0) return text;
  switch (r.at) {
    case undefined:
      return text.replace(r.pattern, r.replacement);
    case 'final-period': {
      // Everything after the period is a closer or whitespace, and the period is neither.
      let q = text.length - 1;
      while (q >= 0 && (isPyWhitespaceCode(text.charCodeAt(q)) || r.closers!.includes(text.charAt(q)))) q--;
      if (q < 1 || text.charCodeAt(q) !== 0x2e || text.charCodeAt(q - 1) === 0x2e) return text;
      // The match can only start at q - 1: the same replacement, on the end of the text.
      return text.slice(0, q - 1) + text.slice(q - 1).replace(r.pattern, r.replacement);
    }
    case 'last-char': {
      let e = text.length - 1;
      if (e >= 0 && text.charCodeAt(e) === 0x0a) e--;
      const c = e >= 0 ? text.charCodeAt(e) : 0;
      return c === 0x3a || c === 0x2c ? text.replace(r.pattern, r.replacement) : text;
    }
    default:
      return text.includes(r.at) ? text.replace(r.pattern, r.replacement) : text;
  }
}

/** `text` with `rule` applied unconditionally (see {@link treebankWordTextAllRules}). */
function applyAlways(text: string, r: Rule): string {
  return text.replace(r.pattern, r.replacement);
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
  const present = presentBits(text);
  let t = text;
  for (const r of OPENING) t = apply(t, r, present);
  t = ` ${t} `;
  for (const r of ENDING_QUOTES) t = apply(t, r, present);
  const words = CONTRACTION_WORDS.test(t);
  for (const r of CONTRACTIONS) if (words || r.needs !== 0) t = apply(t, r, present);
  return t;
}

/**
 * {@link treebankWordText} as NLTK computes it: every substitution in full, in order, with no
 * condition checked first. The reference for the shortcuts of {@link treebankWordText}, which
 * must give the same string.
 *
 * @param text - A sentence (or any text; it is not sentence-split here).
 */
export function treebankWordTextAllRules(text: string): string {
  let t = text;
  for (const r of OPENING) t = applyAlways(t, r);
  t = ` ${t} `;
  for (const r of ENDING_QUOTES) t = applyAlways(t, r);
  for (const r of CONTRACTIONS) t = applyAlways(t, r);
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
