/**
 * Punkt sentence boundary detection, decision for decision the inference side of NLTK 3.10's
 * `nltk.tokenize.punkt.PunktSentenceTokenizer` (as driven by `PunktTokenizer` with `punkt_tab`
 * parameters): the `PunktLanguageVars` word tokenizer of its first pass, type-based annotation
 * (abbreviations, ellipses, sentence-final punctuation), the token-based second pass (collocations,
 * orthographic heuristic, frequent sentence starters, initials and ordinals), the candidate-context
 * search of NLTK >= 3.8.2 (`_match_potential_end_contexts`) and `realign_boundaries`.
 *
 * Python `re` semantics are reproduced explicitly: `\s`/`\S` use Python's Unicode whitespace set,
 * `\w`/`\d` are Unicode-aware, `str.isupper()`/`str.islower()` use the Unicode Uppercase/Lowercase
 * properties. Offsets are JavaScript string indices (UTF-16 code units).
 *
 * @module
 */

/**
 * The characters Python treats as whitespace in `str.split()`, `str.strip()` and Unicode `re` `\s`
 * (`Py_UNICODE_ISSPACE`), as the body of a regular-expression character class (for the `u` flag).
 */
export const PY_WHITESPACE_CLASS =
  '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Python Unicode `re` `\w` (`str.isalnum()` or `_`) as the body of a character class (`u` flag). */
export const PY_WORD_CLASS = '\\p{L}\\p{N}_';

/** Python Unicode `re` `[^\W\d]` (word characters that are not decimal digits), class body (`u` flag). */
export const PY_WORD_NOT_DIGIT_CLASS = '\\p{L}\\p{Nl}\\p{No}_';

const WS = PY_WHITESPACE_CLASS;
const ONLY_WS_RE = new RegExp(`^[${WS}]*$`, 'u');

/** Python `str.rstrip()` with no argument. */
export function pyRstrip(text: string): string {
  // A scan from the end (all of Python's whitespace is in the BMP): a `[\s]+$` regular
  // expression tries every start position, which made it a visible share of sentence splitting.
  let end = text.length;
  while (end > 0 && isPyWhitespaceCode(text.charCodeAt(end - 1))) end--;
  return end === text.length ? text : text.slice(0, end);
}

/** Python `str.split()` with no argument: splits on runs of Python whitespace, drops empty pieces. */
export function pySplit(text: string): string[] {
  const out: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const ws = isPyWhitespaceCode(text.charCodeAt(i));
    if (ws) {
      if (start >= 0) {
        out.push(text.slice(start, i));
        start = -1;
      }
    } else if (start < 0) {
      start = i;
    }
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}

/** True when the UTF-16 code unit is one of Python's whitespace characters (all are in the BMP). */
export function isPyWhitespaceCode(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x85) return false;
  return (
    c === 0x85 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Python's `string.whitespace` (ASCII only), used by `_get_last_whitespace_index`. */
function isAsciiWhitespaceCode(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

// ---------------------------------------------------------------------------------------------
// Orthographic context flags (identical bit values to NLTK).
// ---------------------------------------------------------------------------------------------

/** Beginning of a sentence with upper case. */
export const ORTHO_BEG_UC = 1 << 1;
/** Middle of a sentence with upper case. */
export const ORTHO_MID_UC = 1 << 2;
/** Unknown position with upper case. */
export const ORTHO_UNK_UC = 1 << 3;
/** Beginning of a sentence with lower case. */
export const ORTHO_BEG_LC = 1 << 4;
/** Middle of a sentence with lower case. */
export const ORTHO_MID_LC = 1 << 5;
/** Unknown position with lower case. */
export const ORTHO_UNK_LC = 1 << 6;
/** Any upper-case context. */
export const ORTHO_UC = ORTHO_BEG_UC + ORTHO_MID_UC + ORTHO_UNK_UC;
/** Any lower-case context. */
export const ORTHO_LC = ORTHO_BEG_LC + ORTHO_MID_LC + ORTHO_UNK_LC;

// ---------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------

/** The learned Punkt model: NLTK's `PunktParameters`. */
export interface PunktParameters {
  /** Known abbreviation types, lower case, without the final period. */
  readonly abbrevTypes: ReadonlySet<string>;
  /** Known collocations `(type1, type2)`, stored as `type1 + '\t' + type2`. */
  readonly collocations: ReadonlySet<string>;
  /** Frequent sentence starters. */
  readonly sentStarters: ReadonlySet<string>;
  /** Orthographic context flags per type; a missing type means 0. */
  readonly orthoContext: ReadonlyMap<string, number>;
}

/** The texts of the four `punkt_tab` files of one language directory. */
export interface PunktTabTexts {
  /** `abbrev_types.txt`: one type per line. */
  readonly abbrevTypes: string;
  /** `collocations.tab`: `type1<TAB>type2` per line. */
  readonly collocations: string;
  /** `sent_starters.txt`: one type per line. */
  readonly sentStarters: string;
  /** `ortho_context.tab`: `type<TAB>flags` per line. */
  readonly orthoContext: string;
}

/** An empty model, what `PunktSentenceTokenizer()` uses without training or parameters. */
export function emptyPunktParameters(): PunktParameters {
  return { abbrevTypes: new Set(), collocations: new Set(), sentStarters: new Set(), orthoContext: new Map() };
}

/**
 * Lines of a text file the way Python iterates a file opened in text mode (universal newlines)
 * and NLTK's `rm_nl` strips them: every line loses one final newline; an empty file has no lines.
 */
function pyFileLines(text: string): string[] {
  if (text.length === 0) return [];
  const normalized = text.replace(/\r\n?/g, '\n');
  const lines = normalized.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Parses `punkt_tab` file contents exactly like NLTK's `load_punkt_params` (`PunktDecoder`).
 *
 * @param texts - The contents of the four files.
 * @param where - A label (directory or zip path) used in error messages.
 * @throws Error when a `.tab` line has the wrong number of fields or a flag is not an integer.
 */
export function parsePunktTab(texts: PunktTabTexts, where = 'punkt_tab'): PunktParameters {
  const collocations = new Set<string>();
  pyFileLines(texts.collocations).forEach((line, i) => {
    const parts = line.split('\t');
    if (parts.length !== 2) {
      throw new Error(`${where}/collocations.tab line ${i + 1}: expected 2 tab-separated fields, got ${parts.length}`);
    }
    collocations.add(`${parts[0]}\t${parts[1]}`);
  });
  const orthoContext = new Map<string, number>();
  pyFileLines(texts.orthoContext).forEach((line, i) => {
    const parts = line.split('\t');
    const flags = parts.length === 2 ? parsePyInt(parts[1] ?? '') : Number.NaN;
    if (parts.length !== 2 || Number.isNaN(flags)) {
      throw new Error(`${where}/ortho_context.tab line ${i + 1}: expected "type<TAB>integer", got ${JSON.stringify(line)}`);
    }
    orthoContext.set(parts[0] ?? '', flags);
  });
  return {
    abbrevTypes: new Set(pyFileLines(texts.abbrevTypes)),
    collocations,
    sentStarters: new Set(pyFileLines(texts.sentStarters)),
    orthoContext,
  };
}

/** Python `int(s)` for plain decimal strings (surrounding whitespace allowed); NaN otherwise. */
function parsePyInt(s: string): number {
  const t = s.trim();
  return /^[+-]?\d+$/.test(t) ? Number.parseInt(t, 10) : Number.NaN;
}

// ---------------------------------------------------------------------------------------------
// PunktLanguageVars: regular expressions
// ---------------------------------------------------------------------------------------------

/**
 * `_re_non_word_chars`: `)";}]*:@'({[`, the curly quotes and guillemets `‘’“”«»` (NLTK 3.10,
 * nltk/nltk#3728) and the sentence-end characters other than the period (`?!`).
 */
const NON_WORD = `[)";}\\]*:@'({\\[\u2018\u2019\u201c\u201d\xab\xbb?!]`;
/** `_re_multi_char_punct`: hyphen runs, period runs, spaced ellipses. */
const MULTI_CHAR = `(?:-{2,}|\\.{2,}|(?:\\.[${WS}]){2,}\\.)`;
/** `_re_word_start`: characters that cannot start a word token. */
const WORD_START = '[^("`{\\[:;&#*@)}\\]\\-,]';

/** `_word_tokenize_fmt` compiled (findall with one group, so the whole match is the token). */
const WORD_TOKENIZER_RE = new RegExp(
  `${MULTI_CHAR}` +
    `|(?=${WORD_START})[^${WS}]+?(?=[${WS}]|$|${NON_WORD}|${MULTI_CHAR}|,(?=$|[${WS}]|${NON_WORD}|${MULTI_CHAR}))` +
    `|[^${WS}]`,
  'gu',
);

/** `_period_context_fmt`: a sentence-end character followed by punctuation or whitespace + token. */
const PERIOD_CONTEXT_RE = new RegExp(`[.?!](?=(${NON_WORD}|([${WS}]+)([^${WS}]+)))`, 'gu');

/**
 * `re_boundary_realignment` (MULTILINE), anchored as `re.match` is: closing quotes/brackets,
 * including curly quotes and guillemets since NLTK 3.10 (nltk/nltk#3728).
 */
const BOUNDARY_REALIGNMENT_RE = new RegExp(
  `^["')\\]}\u2018\u2019\u201c\u201d\xab\xbb]+?(?:[${WS}]+|(?=--)|(?=\\n)|$)`,
  'u',
);

/**
 * `PunktLanguageVars.word_tokenize`: splits a line into tokens, separating punctuation other than
 * periods (what Punkt's first pass annotates).
 */
export function punktWordTokenize(line: string): string[] {
  return line.match(WORD_TOKENIZER_RE) ?? [];
}

/**
 * `PunktBaseClass._tokenize_words` without the paragraph/line-start flags (they only matter for
 * training): the word tokens of every non-blank line.
 */
export function punktTokenizeWords(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (ONLY_WS_RE.test(line)) continue;
    for (const tok of punktWordTokenize(line)) out.push(tok);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PunktToken
// ---------------------------------------------------------------------------------------------

const RE_ELLIPSIS = /^\.\.+$/u;
const RE_NUMERIC = /^-?[.,]?\p{Nd}[\p{Nd},.\-]*\.?$/u;
const RE_INITIAL = new RegExp(`^[${PY_WORD_NOT_DIGIT_CLASS}]\\.$`, 'u');
const RE_ALPHA = new RegExp(`^[${PY_WORD_NOT_DIGIT_CLASS}]+$`, 'u');
const RE_FIRST_UPPER = /^\p{Uppercase}/u;
const RE_FIRST_LOWER = /^\p{Lowercase}/u;
const SENT_END_CHARS: ReadonlySet<string> = new Set(['.', '?', '!']);
const PUNCTUATION: ReadonlySet<string> = new Set([';', ':', ',', '.', '!', '?']);

/** A token with the annotations of Punkt's two passes (NLTK's `PunktToken`). */
export class PunktToken {
  /** The token text. */
  readonly tok: string;
  /** Case-normalized type; numbers become `##number##`. */
  readonly type: string;
  /** True when the token ends in a period. */
  readonly periodFinal: boolean;
  /** Sentence-break annotation. */
  sentbreak = false;
  /** Abbreviation annotation. */
  abbr = false;
  /** Ellipsis annotation. */
  ellipsis = false;

  /** @param tok - Token text as produced by {@link punktWordTokenize}. */
  constructor(tok: string) {
    this.tok = tok;
    const lower = tok.toLowerCase();
    this.type = RE_NUMERIC.test(lower) ? '##number##' : lower;
    this.periodFinal = tok.endsWith('.');
  }

  /** The type with a final period removed. */
  get typeNoPeriod(): string {
    return this.type.length > 1 && this.type.endsWith('.') ? this.type.slice(0, -1) : this.type;
  }

  /** The type with its final period removed if the token is a sentence break. */
  get typeNoSentperiod(): string {
    return this.sentbreak ? this.typeNoPeriod : this.type;
  }

  /** Python `tok[0].isupper()`. */
  get firstUpper(): boolean {
    return RE_FIRST_UPPER.test(this.tok);
  }

  /** Python `tok[0].islower()`. */
  get firstLower(): boolean {
    return RE_FIRST_LOWER.test(this.tok);
  }

  /** Two or more periods only. */
  get isEllipsis(): boolean {
    return RE_ELLIPSIS.test(this.tok);
  }

  /** The type is a number. */
  get isNumber(): boolean {
    return this.type.startsWith('##number##');
  }

  /** One letter followed by a period. */
  get isInitial(): boolean {
    return RE_INITIAL.test(this.tok);
  }

  /** All alphabetic. */
  get isAlpha(): boolean {
    return RE_ALPHA.test(this.tok);
  }
}

/** Why the second pass decided what it did (NLTK's `REASON_*` strings). */
export type PunktDecisionReason =
  | 'known collocation (both words)'
  | 'abbreviation + orthographic heuristic'
  | 'abbreviation + frequent sentence starter'
  | 'initial + orthographic heuristic'
  | 'initial + special orthographic heuristic'
  | 'default decision';

// ---------------------------------------------------------------------------------------------
// PunktSentenceTokenizer
// ---------------------------------------------------------------------------------------------

/** A sentence span: `[start, end)` JavaScript string indices. */
export type Span = readonly [start: number, end: number];

/** Punkt sentence splitter with fixed parameters (NLTK's `PunktSentenceTokenizer` at inference). */
export class PunktSentenceTokenizer {
  /** The model in use. */
  readonly params: PunktParameters;

  /** @param params - The Punkt model; the empty model when omitted. */
  constructor(params: PunktParameters = emptyPunktParameters()) {
    this.params = params;
  }

  /** `tokenize(text, realign_boundaries)`: the sentences of `text`. */
  tokenize(text: string, realignBoundaries = true): string[] {
    return this.sentencesFromText(text, realignBoundaries);
  }

  /** `sentences_from_text`: the text of each span of {@link spanTokenize}. */
  sentencesFromText(text: string, realignBoundaries = true): string[] {
    return this.spanTokenize(text, realignBoundaries).map(([s, e]) => text.slice(s, e));
  }

  /**
   * `span_tokenize`: sentence spans. Without realignment a span may be empty or inverted
   * (start > end), as in NLTK; slicing such a span gives the empty string.
   */
  spanTokenize(text: string, realignBoundaries = true): Span[] {
    const slices = this.slicesFromText(text);
    return realignBoundaries ? this.realignBoundaries(text, slices) : slices;
  }

  /** `_first_pass_annotation`: type-based annotation of one token. */
  firstPassAnnotation(token: PunktToken): void {
    const tok = token.tok;
    if (SENT_END_CHARS.has(tok)) {
      token.sentbreak = true;
    } else if (token.isEllipsis) {
      token.ellipsis = true;
    } else if (token.periodFinal && !tok.endsWith('..')) {
      const stem = tok.slice(0, -1).toLowerCase();
      const parts = stem.split('-');
      if (this.params.abbrevTypes.has(stem) || this.params.abbrevTypes.has(parts[parts.length - 1] ?? '')) {
        token.abbr = true;
      } else {
        token.sentbreak = true;
      }
    }
  }

  /**
   * `_second_pass_annotation`: token-based reclassification of `token1` given the next token.
   *
   * @returns The reason for a changed decision, or undefined when nothing applied.
   */
  secondPassAnnotation(token1: PunktToken, token2: PunktToken | undefined): PunktDecisionReason | undefined {
    if (!token2 || !token1.periodFinal) return undefined;
    const typ = token1.typeNoPeriod;
    const nextTyp = token2.typeNoSentperiod;
    const tokIsInitial = token1.isInitial;

    if (this.params.collocations.has(`${typ}\t${nextTyp}`)) {
      token1.sentbreak = false;
      token1.abbr = true;
      return 'known collocation (both words)';
    }

    if ((token1.abbr || token1.ellipsis) && !tokIsInitial) {
      const isSentStarter = this.orthoHeuristic(token2);
      if (isSentStarter === true) {
        token1.sentbreak = true;
        return 'abbreviation + orthographic heuristic';
      }
      if (token2.firstUpper && this.params.sentStarters.has(nextTyp)) {
        token1.sentbreak = true;
        return 'abbreviation + frequent sentence starter';
      }
    }

    if (tokIsInitial || typ === '##number##') {
      const isSentStarter = this.orthoHeuristic(token2);
      if (isSentStarter === false) {
        token1.sentbreak = false;
        token1.abbr = true;
        return 'initial + orthographic heuristic';
      }
      if (
        isSentStarter === 'unknown' &&
        tokIsInitial &&
        token2.firstUpper &&
        !((this.params.orthoContext.get(nextTyp) ?? 0) & ORTHO_LC)
      ) {
        token1.sentbreak = false;
        token1.abbr = true;
        return 'initial + special orthographic heuristic';
      }
    }
    return undefined;
  }

  /** `_ortho_heuristic`: whether the token starts a sentence, from its orthographic contexts. */
  orthoHeuristic(token: PunktToken): boolean | 'unknown' {
    if (PUNCTUATION.has(token.tok)) return false;
    const ctx = this.params.orthoContext.get(token.typeNoSentperiod) ?? 0;
    if (token.firstUpper && ctx & ORTHO_LC && !(ctx & ORTHO_MID_UC)) return true;
    if (token.firstLower && (ctx & ORTHO_UC || !(ctx & ORTHO_BEG_LC))) return false;
    return 'unknown';
  }

  /** Both annotation passes over a list of token strings (NLTK's `_annotate_tokens`). */
  annotateTokens(tokens: readonly string[]): PunktToken[] {
    const toks = tokens.map((t) => new PunktToken(t));
    for (const t of toks) this.firstPassAnnotation(t);
    for (let i = 0; i < toks.length; i++) this.secondPassAnnotation(toks[i] as PunktToken, toks[i + 1]);
    return toks;
  }

  /** `text_contains_sentbreak`: true when a token other than the last one is a sentence break. */
  textContainsSentbreak(text: string): boolean {
    const toks = this.annotateTokens(punktTokenizeWords(text));
    for (let i = 0; i < toks.length - 1; i++) {
      if ((toks[i] as PunktToken).sentbreak) return true;
    }
    return false;
  }

  /**
   * `_match_potential_end_contexts`: every candidate sentence end with the text around it
   * (previous word, the end character, and what follows), overlaps removed as NLTK does.
   */
  matchPotentialEndContexts(text: string): Array<{ index: number; nextTokStart: number; context: string }> {
    const out: Array<{ index: number; nextTokStart: number; context: string }> = [];
    let prevStart = 0;
    let prevStop = 0;
    let prev: { index: number; nextTokStart: number; tail: string } | undefined;
    for (const m of text.matchAll(PERIOD_CONTEXT_RE)) {
      const index = m.index ?? 0;
      // Index of the last ASCII whitespace in text[prevStop:index]; 0 when none (or at 0).
      let lastWs = 0;
      for (let i = index - 1; i >= prevStop; i--) {
        if (isAsciiWhitespaceCode(text.charCodeAt(i))) {
          lastWs = i - prevStop;
          break;
        }
      }
      const wordStart = lastWs ? lastWs + prevStop + 1 : prevStart;
      if (prev && prevStop <= wordStart) {
        out.push({ index: prev.index, nextTokStart: prev.nextTokStart, context: text.slice(prevStart, prevStop) + prev.tail });
      }
      const afterTok = m[1] ?? '';
      const ws = m[2];
      const nextTok = m[3];
      prev = {
        index,
        nextTokStart: nextTok ? index + 1 + (ws ?? '').length : -1,
        tail: (m[0] ?? '') + afterTok,
      };
      prevStart = wordStart;
      prevStop = index;
    }
    if (prev) {
      out.push({ index: prev.index, nextTokStart: prev.nextTokStart, context: text.slice(prevStart, prevStop) + prev.tail });
    }
    return out;
  }

  /** `_slices_from_text`: raw sentence slices before realignment. */
  slicesFromText(text: string): Span[] {
    const out: Span[] = [];
    let lastBreak = 0;
    for (const { index, nextTokStart, context } of this.matchPotentialEndContexts(text)) {
      if (this.textContainsSentbreak(context)) {
        out.push([lastBreak, index + 1]);
        lastBreak = nextTokStart >= 0 ? nextTokStart : index + 1;
      }
    }
    out.push([lastBreak, pyRstrip(text).length]);
    return out;
  }

  /** `_realign_boundaries`: moves closing quotes/brackets after a break into the sentence. */
  realignBoundaries(text: string, slices: readonly Span[]): Span[] {
    const out: Span[] = [];
    let realign = 0;
    for (let i = 0; i < slices.length; i++) {
      const s1 = slices[i] as Span;
      const start1 = s1[0] + realign;
      const stop1 = s1[1];
      const s2 = slices[i + 1];
      if (!s2) {
        if (stop1 > start1) out.push([start1, stop1]);
        continue;
      }
      const m = BOUNDARY_REALIGNMENT_RE.exec(text.slice(s2[0], Math.max(s2[0], s2[1])));
      if (m) {
        out.push([start1, s2[0] + pyRstrip(m[0]).length]);
        realign = m[0].length;
      } else {
        realign = 0;
        if (stop1 > start1) out.push([start1, stop1]);
      }
    }
    return out;
  }
}
