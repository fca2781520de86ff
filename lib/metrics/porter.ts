/**
 * The Porter stemmer exactly as NLTK 3.x implements it in its default
 * `PorterStemmer.NLTK_EXTENSIONS` mode, called as `stem(word, to_lowercase=True)`.
 *
 * This is what `rouge_score` (`use_stemmer=True`) and NLTK's METEOR use, so it follows
 * NLTK's rule order and quirks rather than the published 1980 algorithm:
 * - an irregular-forms pool (`dying -> die`, `skies -> sky`, `news -> news`, ...), looked up
 *   with the word as given (not lower-cased), as NLTK does;
 * - words of at most 2 characters are returned lower-cased and otherwise untouched;
 * - `ies`/`ied` on 4-letter words keep `ie` (`dies -> die`, `died -> die`);
 * - step 1c turns a final `y` into `i` only after a consonant that is not the first letter;
 * - step 2 applies `alli -> al` first and re-runs step 2 on the result, uses `bli -> ble`,
 *   and adds `fulli -> ful` and `logi -> log` (measure taken with the `l`);
 * - the `*o` (cvc) test also accepts a 2-letter vowel-consonant stem.
 *
 * Characters are counted in Unicode code points, like Python's `str`.
 *
 * @module
 */

/** NLTK's irregular forms: surface form -> stem (the main algorithm is bypassed). */
const IRREGULAR_FORMS: ReadonlyMap<string, string> = new Map(
  (
    [
      ['sky', ['sky', 'skies']],
      ['die', ['dying']],
      ['lie', ['lying']],
      ['tie', ['tying']],
      ['news', ['news']],
      ['inning', ['innings', 'inning']],
      ['outing', ['outings', 'outing']],
      ['canning', ['cannings', 'canning']],
      ['howe', ['howe']],
      ['proceed', ['proceed']],
      ['exceed', ['exceed']],
      ['succeed', ['succeed']],
    ] as const
  ).flatMap(([stem, forms]) => forms.map((form) => [form, stem] as [string, string])),
);

/** True when `word[i]` is a consonant in Porter's sense (`y` after a consonant is a vowel). */
function isConsonant(word: string, i: number): boolean {
  // Iterative form of NLTK's recursive definition.
  let consonant = true;
  for (let k = 0; k <= i; k++) {
    const ch = word.charCodeAt(k);
    if (ch === 97 /* a */ || ch === 101 /* e */ || ch === 105 /* i */ || ch === 111 /* o */ || ch === 117 /* u */) {
      consonant = false;
    } else if (ch === 121 /* y */) {
      consonant = k === 0 ? true : !consonant;
    } else {
      consonant = true;
    }
  }
  return consonant;
}

/** Porter's measure m: the number of vowel-consonant transitions in `stem`. */
function measure(stem: string): number {
  let m = 0;
  let prevVowel = false;
  let prevConsonant = true;
  for (let k = 0; k < stem.length; k++) {
    const ch = stem.charCodeAt(k);
    let consonant: boolean;
    if (ch === 97 || ch === 101 || ch === 105 || ch === 111 || ch === 117) consonant = false;
    else if (ch === 121) consonant = k === 0 ? true : !prevConsonant;
    else consonant = true;
    if (consonant && prevVowel) m++;
    prevVowel = !consonant;
    prevConsonant = consonant;
  }
  return m;
}

function hasPositiveMeasure(stem: string): boolean {
  return measure(stem) > 0;
}

function measureGreaterThanOne(stem: string): boolean {
  return measure(stem) > 1;
}

function containsVowel(stem: string): boolean {
  let prevConsonant = true;
  for (let k = 0; k < stem.length; k++) {
    const ch = stem.charCodeAt(k);
    let consonant: boolean;
    if (ch === 97 || ch === 101 || ch === 105 || ch === 111 || ch === 117) consonant = false;
    else if (ch === 121) consonant = k === 0 ? true : !prevConsonant;
    else consonant = true;
    if (!consonant) return true;
    prevConsonant = consonant;
  }
  return false;
}

/** Condition *d: the word ends with a double consonant. */
function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

/** Condition *o (with NLTK's 2-letter extension). */
function endsCvc(word: string): boolean {
  const n = word.length;
  if (n >= 3) {
    const last = word[n - 1];
    if (
      isConsonant(word, n - 3) &&
      !isConsonant(word, n - 2) &&
      isConsonant(word, n - 1) &&
      last !== 'w' &&
      last !== 'x' &&
      last !== 'y'
    ) {
      return true;
    }
  }
  return n === 2 && !isConsonant(word, 0) && isConsonant(word, 1);
}

/** A suffix rule: suffix, replacement, and the condition on the remaining stem (null: none). */
type Rule = readonly [suffix: string, replacement: string, condition: ((stem: string) => boolean) | null];

/**
 * NLTK's `_apply_rule_list`: the first rule whose suffix matches decides; when its condition
 * fails the word is returned unchanged (no later rule is tried).
 */
function applyRuleList(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (word.endsWith(suffix)) {
      const stem = word.slice(0, word.length - suffix.length);
      if (condition === null || condition(stem)) return stem + replacement;
      return word;
    }
  }
  return word;
}

function step1a(word: string): string {
  if (word.endsWith('ies') && word.length === 4) return word.slice(0, -3) + 'ie';
  return applyRuleList(word, STEP1A_RULES);
}

const STEP1A_RULES: readonly Rule[] = [
  ['sses', 'ss', null],
  ['ies', 'i', null],
  ['ss', 'ss', null],
  ['s', '', null],
];

function step1b(word: string): string {
  if (word.endsWith('ied')) {
    return word.length === 4 ? word.slice(0, -3) + 'ie' : word.slice(0, -3) + 'i';
  }
  if (word.endsWith('eed')) {
    const stem = word.slice(0, -3);
    return measure(stem) > 0 ? stem + 'ee' : word;
  }
  let stem: string | undefined;
  if (word.endsWith('ed') && containsVowel(word.slice(0, -2))) stem = word.slice(0, -2);
  else if (word.endsWith('ing') && containsVowel(word.slice(0, -3))) stem = word.slice(0, -3);
  if (stem === undefined) return word;

  if (stem.endsWith('at')) return stem + 'e';
  if (stem.endsWith('bl')) return stem + 'e';
  if (stem.endsWith('iz')) return stem + 'e';
  if (endsDoubleConsonant(stem)) {
    const last = stem[stem.length - 1];
    // NLTK keeps the pair for l, s, z (the rule matched, so no later rule is tried).
    return last === 'l' || last === 's' || last === 'z' ? stem : stem.slice(0, -1);
  }
  // The catch-all "" rule: (m=1 and *o) -> E.
  return measure(stem) === 1 && endsCvc(stem) ? stem + 'e' : stem;
}

function step1c(word: string): string {
  if (!word.endsWith('y')) return word;
  const stem = word.slice(0, -1);
  return stem.length > 1 && isConsonant(stem, stem.length - 1) ? stem + 'i' : word;
}

const STEP2_RULES: readonly Rule[] = [
  ['ational', 'ate', hasPositiveMeasure],
  ['tional', 'tion', hasPositiveMeasure],
  ['enci', 'ence', hasPositiveMeasure],
  ['anci', 'ance', hasPositiveMeasure],
  ['izer', 'ize', hasPositiveMeasure],
  ['bli', 'ble', hasPositiveMeasure],
  ['alli', 'al', hasPositiveMeasure],
  ['entli', 'ent', hasPositiveMeasure],
  ['eli', 'e', hasPositiveMeasure],
  ['ousli', 'ous', hasPositiveMeasure],
  ['ization', 'ize', hasPositiveMeasure],
  ['ation', 'ate', hasPositiveMeasure],
  ['ator', 'ate', hasPositiveMeasure],
  ['alism', 'al', hasPositiveMeasure],
  ['iveness', 'ive', hasPositiveMeasure],
  ['fulness', 'ful', hasPositiveMeasure],
  ['ousness', 'ous', hasPositiveMeasure],
  ['aliti', 'al', hasPositiveMeasure],
  ['iviti', 'ive', hasPositiveMeasure],
  ['biliti', 'ble', hasPositiveMeasure],
  ['fulli', 'ful', hasPositiveMeasure],
  // 'logi' -> 'log', with the measure taken on the stem plus its 'l' (checked below).
  ['logi', 'log', (stem) => hasPositiveMeasure(stem + 'l')],
];

function step2(word: string): string {
  if (word.endsWith('alli') && hasPositiveMeasure(word.slice(0, -4))) {
    return step2(word.slice(0, -4) + 'al');
  }
  return applyRuleList(word, STEP2_RULES);
}

const STEP3_RULES: readonly Rule[] = [
  ['icate', 'ic', hasPositiveMeasure],
  ['ative', '', hasPositiveMeasure],
  ['alize', 'al', hasPositiveMeasure],
  ['iciti', 'ic', hasPositiveMeasure],
  ['ical', 'ic', hasPositiveMeasure],
  ['ful', '', hasPositiveMeasure],
  ['ness', '', hasPositiveMeasure],
];

const STEP4_RULES: readonly Rule[] = [
  ['al', '', measureGreaterThanOne],
  ['ance', '', measureGreaterThanOne],
  ['ence', '', measureGreaterThanOne],
  ['er', '', measureGreaterThanOne],
  ['ic', '', measureGreaterThanOne],
  ['able', '', measureGreaterThanOne],
  ['ible', '', measureGreaterThanOne],
  ['ant', '', measureGreaterThanOne],
  ['ement', '', measureGreaterThanOne],
  ['ment', '', measureGreaterThanOne],
  ['ent', '', measureGreaterThanOne],
  ['ion', '', (stem) => measure(stem) > 1 && (stem.endsWith('s') || stem.endsWith('t'))],
  ['ou', '', measureGreaterThanOne],
  ['ism', '', measureGreaterThanOne],
  ['ate', '', measureGreaterThanOne],
  ['iti', '', measureGreaterThanOne],
  ['ous', '', measureGreaterThanOne],
  ['ive', '', measureGreaterThanOne],
  ['ize', '', measureGreaterThanOne],
];

function step5a(word: string): string {
  if (!word.endsWith('e')) return word;
  const stem = word.slice(0, -1);
  const m = measure(stem);
  if (m > 1) return stem;
  if (m === 1 && !endsCvc(stem)) return stem;
  return word;
}

function step5b(word: string): string {
  // ('ll' -> 'l') when the measure of the word minus its last letter is > 1.
  if (word.endsWith('ll') && measure(word.slice(0, -1)) > 1) return word.slice(0, -1);
  return word;
}

/** Runs steps 1a..5b on a lower-cased word whose characters are all single UTF-16 units. */
function stemSteps(word: string): string {
  let stem = step1a(word);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = applyRuleList(stem, STEP3_RULES);
  stem = applyRuleList(stem, STEP4_RULES);
  stem = step5a(stem);
  return step5b(stem);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Stems `word` the way NLTK's `PorterStemmer().stem(word)` does (default `NLTK_EXTENSIONS`
 * mode, `to_lowercase=True`): the result is lower-cased.
 *
 * @param word - any string; non-ASCII letters count as consonants, as in NLTK.
 * @returns the stem.
 * @example porterStem('Generously') === 'gener'; porterStem('dying') === 'die'
 */
export function porterStem(word: string): string {
  const lower = word.toLowerCase();
  // NLTK looks the original word up in the pool (a word in the pool is already lower-case).
  const irregular = IRREGULAR_FORMS.get(word);
  if (irregular !== undefined) return irregular;

  if (!SURROGATE.test(word) && !SURROGATE.test(lower)) {
    if (word.length <= 2) return lower;
    return stemSteps(lower);
  }

  // Python counts code points; map each astral character to a private-use BMP character that
  // does not occur in the word (the algorithm only ever sees it as "a consonant equal to
  // itself"), stem, and map back.
  if (Array.from(word).length <= 2) return lower;
  const chars = Array.from(lower);
  const used = new Set(chars);
  const toPlaceholder = new Map<string, string>();
  const fromPlaceholder = new Map<string, string>();
  let next = 0xe000;
  for (const ch of chars) {
    if (ch.length === 2 && !toPlaceholder.has(ch)) {
      let placeholder = String.fromCharCode(next++);
      while (used.has(placeholder)) placeholder = String.fromCharCode(next++);
      toPlaceholder.set(ch, placeholder);
      fromPlaceholder.set(placeholder, ch);
    }
  }
  const mapped = chars.map((ch) => toPlaceholder.get(ch) ?? ch).join('');
  const stemmed = stemSteps(mapped);
  let out = '';
  for (const ch of stemmed) out += fromPlaceholder.get(ch) ?? ch;
  return out;
}
