/**
 * Scoring a JSONL file of `{ "prediction": string, "reference": string, "id"?: string | number }`
 * lines with ROUGE-1/2/L/Lsum (F-measures, rouge_score 0.1.2) and METEOR (NLTK), plus the
 * corpus summary (mean and percentile-bootstrap CI per metric).
 *
 * Reading rules:
 * - blank (whitespace-only) lines are ignored; a UTF-8 byte-order mark is allowed;
 * - any other line must be a JSON object with string `prediction` and `reference` fields and,
 *   optionally, an `id` that is a string or a finite number (default: the line number);
 * - a bad line throws a {@link ScoreFileError} naming the file and 1-based line number, or,
 *   with `skipInvalid`, is skipped and counted (and reported through `onSkip`);
 * - an empty prediction is a valid row: it scores 0 and is counted in every mean.
 *
 * @module
 */

import { readLines } from '../read-lines.js';
import { createRougeScorer, type RougeType } from './rouge.js';
import type { ExampleScores, ScoreInputRow, SkippedLine } from './score-types.js';
import { ScorePool } from './score-pool.js';
import { bootstrapSummarySliced } from './resample.js';
import { resampleOnLanes, scoreOnLanes, type LocalScorer } from './score-lanes.js';
import { bootstrapSummary, type MeanCI, type ResampleOptions } from './stats.js';

/** The metrics reported per example and in the summary, in report order. */
export const SCORE_METRICS = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'meteor'] as const;
/** One of {@link SCORE_METRICS}. */
export type ScoreMetric = (typeof SCORE_METRICS)[number];

const ROUGE_TYPES: readonly RougeType[] = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'];

export type { ExampleScores, ScoreInputRow, SkippedLine } from './score-types.js';

/** An invalid line in a score file. The message names the file and line. */
export class ScoreFileError extends Error {
  override readonly name = 'ScoreFileError';

  /**
   * @param file - the file being read.
   * @param line - 1-based line number.
   * @param reason - what is wrong with the line.
   */
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** Anything that scores METEOR for one pair (see `createMeteorScorer` in `meteor.ts`). */
export interface MeteorPairScorer {
  score(reference: string, prediction: string): number;
}

/**
 * Parses one JSONL line into a row, or returns the reason it is invalid.
 *
 * @param text - the line, without its line break.
 * @param line - its 1-based line number (the default id).
 */
export function parseScoreLine(text: string, line: number): ScoreInputRow | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { reason: `invalid JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reason: `expected a JSON object with "prediction" and "reference", got ${describe(value)}` };
  }
  const record = value as Record<string, unknown>;
  for (const field of ['prediction', 'reference'] as const) {
    if (!(field in record)) return { reason: `missing field "${field}" (expected a string)` };
    if (typeof record[field] !== 'string') {
      return { reason: `field "${field}" must be a string, got ${describe(record[field])}` };
    }
  }
  let id = String(line);
  if ('id' in record && record.id !== undefined && record.id !== null) {
    if (typeof record.id === 'string') id = record.id;
    else if (typeof record.id === 'number' && Number.isFinite(record.id)) id = String(record.id);
    else return { reason: `field "id" must be a string or a number, got ${describe(record.id)}` };
  }
  return { id, prediction: record.prediction as string, reference: record.reference as string, line };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Options of {@link readScoreRows}. */
export interface ReadScoreRowsOptions {
  /** Skip and count invalid lines instead of throwing. Default false. */
  skipInvalid?: boolean;
  /** Called for every skipped line (only with `skipInvalid`). */
  onSkip?: (skipped: SkippedLine) => void;
}

/**
 * Streams the valid rows of a JSONL score file, line by line.
 *
 * @param file - path of the JSONL file.
 * @param options - see {@link ReadScoreRowsOptions}.
 * @throws ScoreFileError on the first invalid line unless `skipInvalid`.
 */
export async function* readScoreRows(file: string, options: ReadScoreRowsOptions = {}): AsyncGenerator<ScoreInputRow> {
  const lines = readLines(file);
  let line = 0;
  try {
    for await (let text of lines) {
      line++;
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim().length === 0) continue;
      const parsed = parseScoreLine(text, line);
      if ('reason' in parsed) {
        if (!options.skipInvalid) throw new ScoreFileError(file, line, parsed.reason);
        options.onSkip?.({ line, reason: parsed.reason });
        continue;
      }
      yield parsed;
    }
  } finally {
    await lines.return(undefined); // closes the file when the reader stops early
  }
}

/**
 * Reads a whole JSONL score file into memory.
 *
 * @param file - path of the JSONL file.
 * @param options - `skipInvalid`; see {@link ReadScoreRowsOptions}.
 * @returns the valid rows and the skipped lines.
 */
export async function readScoreFile(
  file: string,
  options: Pick<ReadScoreRowsOptions, 'skipInvalid'> = {},
): Promise<{ rows: ScoreInputRow[]; skipped: SkippedLine[] }> {
  const rows: ScoreInputRow[] = [];
  const skipped: SkippedLine[] = [];
  for await (const row of readScoreRows(file, { skipInvalid: options.skipInvalid, onSkip: (s) => skipped.push(s) })) {
    rows.push(row);
  }
  return { rows, skipped };
}

/** Options of {@link scoreFile} and {@link createExampleScorer}. */
export interface ScoreOptions extends ResampleOptions {
  /** Use rouge_score's Porter stemming for ROUGE (METEOR always stems, as NLTK's does). */
  stem?: boolean;
  /** Skip and count invalid lines instead of throwing. Default false. */
  skipInvalid?: boolean;
  /**
   * METEOR scorer to use; `false` turns METEOR off (reported as null and left out of the
   * summary). Default: `createMeteorScorer({ nltkData })` from `meteor.ts` (loads WordNet).
   */
  meteor?: MeteorPairScorer | false;
  /** NLTK data folder passed to the default METEOR scorer. */
  nltkData?: string;
  /** Called with each example's scores as soon as it is scored (in file order). */
  onExample?: (scores: ExampleScores, row: ScoreInputRow) => void | Promise<void>;
  /** Called for each skipped line (only with `skipInvalid`). */
  onSkip?: (skipped: SkippedLine) => void;
  /**
   * Threads that score pairs (default 1: everything on the calling thread). With more, files of
   * at least {@link PARALLEL_MIN_ROWS} rows are scored by the calling thread (reading, ROUGE, part
   * of METEOR's tokenizing) and a {@link ScorePool} of `threads - 1` METEOR workers; the scores,
   * their order and the summary are identical. A custom `meteor` scorer cannot move to a worker,
   * and without METEOR there is nothing to move, so both score on the calling thread.
   */
  threads?: number;
}

/** Files with fewer rows than this are scored on the calling thread (starting workers costs more). */
export const PARALLEL_MIN_ROWS = 256;
/** Pairs per message to a scoring worker. */
const PARALLEL_BATCH = 16;

/** Corpus summary of a scored file. */
export interface ScoreSummary {
  /** Number of scored examples. */
  n: number;
  /** Number of invalid lines skipped (`skipInvalid`). */
  skipped: number;
  /** Whether ROUGE used stemming. */
  stemmed: boolean;
  /** Metric -> mean and CI (METEOR absent when turned off). */
  metrics: Partial<Record<ScoreMetric, MeanCI>>;
  resamples: number;
  seed: number;
  confidence: number;
}

/** Result of {@link scoreFile}. */
export interface ScoreFileResult {
  summary: ScoreSummary;
  examples: ExampleScores[];
  skippedLines: SkippedLine[];
}

/**
 * Creates a per-pair scorer for the report's metrics.
 *
 * @param options - `stem`, `meteor` and `nltkData`; see {@link ScoreOptions}.
 */
export async function createExampleScorer(
  options: Pick<ScoreOptions, 'stem' | 'meteor' | 'nltkData'> = {},
): Promise<(row: Pick<ScoreInputRow, 'id' | 'prediction' | 'reference'>) => ExampleScores> {
  const rouge = createRougeRowScorer(options);
  let meteor: MeteorPairScorer | null = null;
  if (options.meteor === undefined) {
    const { createMeteorScorer } = await import('./meteor.js');
    meteor = await createMeteorScorer(options.nltkData === undefined ? {} : { nltkData: options.nltkData });
  } else if (options.meteor !== false) {
    meteor = options.meteor;
  }
  return (row) => ({ ...rouge(row), meteor: meteor === null ? null : meteor.score(row.reference, row.prediction) });
}

/** Every score of a row but METEOR. */
function createRougeRowScorer(options: Pick<ScoreOptions, 'stem'>): (row: Pick<ScoreInputRow, 'id' | 'prediction' | 'reference'>) => Omit<ExampleScores, 'meteor'> {
  const rouge = createRougeScorer({ types: ROUGE_TYPES, useStemmer: options.stem ?? false });
  return (row) => {
    const r = rouge.score(row.reference, row.prediction);
    return { id: row.id, rouge1: r.rouge1.fmeasure, rouge2: r.rouge2.fmeasure, rougeL: r.rougeL.fmeasure, rougeLsum: r.rougeLsum.fmeasure };
  };
}

/**
 * Scores every row of a JSONL file and summarizes the corpus.
 *
 * @param file - path of the JSONL file.
 * @param options - see {@link ScoreOptions}.
 * @throws ScoreFileError on an invalid line (unless `skipInvalid`) or when no valid row remains.
 */
export async function scoreFile(file: string, options: ScoreOptions = {}): Promise<ScoreFileResult> {
  const threads = options.threads ?? 1;
  if (!Number.isSafeInteger(threads) || threads < 1) throw new RangeError(`threads must be a positive integer, got ${threads}`);
  const examples: ExampleScores[] = [];
  const skippedLines: SkippedLine[] = [];
  const onSkip = (s: SkippedLine): void => {
    skippedLines.push(s);
    options.onSkip?.(s);
  };
  const rows = readScoreRows(file, { skipInvalid: options.skipInvalid, onSkip });
  const emit = async (scores: ExampleScores, row: ScoreInputRow): Promise<void> => {
    examples.push(scores);
    await options.onExample?.(scores, row);
  };
  // Workers score the default METEOR only (a custom scorer cannot move to a worker; without METEOR
  // there is nothing to move).
  const movable = options.meteor === undefined;
  // The first rows are buffered: a short file is scored here, a long one by worker threads.
  const head: ScoreInputRow[] = [];
  let more = true;
  if (threads > 1 && movable) {
    while (head.length < PARALLEL_MIN_ROWS) {
      const next = await rows.next();
      if (next.done) {
        more = false;
        break;
      }
      head.push(next.value);
    }
  }
  const summaryOptions = { ...options, skipped: 0 };
  let summary: ScoreSummary | undefined;
  try {
    if (threads > 1 && movable && more) {
      // The bootstrap runs on the pool's workers too, before they stop (the same numbers).
      const finish = async (pool: ScorePool): Promise<void> => {
        if (examples.length === 0) return;
        summaryOptions.skipped = skippedLines.length;
        const { parts, run } = resampleOnLanes(pool);
        const metrics = await bootstrapSummarySliced(scoreColumns(examples), summaryOptions, parts, run);
        summary = toSummary(examples, metrics, summaryOptions);
      };
      await scoreParallel(head, rows, threads, options, emit, finish);
    } else {
      const scoreExample = await createExampleScorer(options);
      for (const row of head) await emit(scoreExample(row), row);
      for await (const row of rows) await emit(scoreExample(row), row);
    }
  } finally {
    await rows.return(undefined); // closes the file when scoring stopped early
  }
  if (examples.length === 0) {
    throw new ScoreFileError(
      file,
      0,
      skippedLines.length > 0 ? `no valid rows (all ${skippedLines.length} non-blank lines were invalid)` : 'no rows to score',
    );
  }
  summary ??= summarizeScores(examples, { ...options, skipped: skippedLines.length });
  return { summary, examples, skippedLines };
}

/**
 * Scores `head` then the rest of `rows` on the calling thread and a {@link ScorePool} of
 * `threads - 1` METEOR workers (`score-lanes.ts`), hands each example to `emit` in file order,
 * then calls `finish` with the pool before closing it.
 */
async function scoreParallel(
  head: readonly ScoreInputRow[],
  rows: AsyncGenerator<ScoreInputRow>,
  threads: number,
  options: ScoreOptions,
  emit: (scores: ExampleScores, row: ScoreInputRow) => Promise<void>,
  finish: (pool: ScorePool) => Promise<void>,
): Promise<void> {
  // The workers start (and this thread reads WordNet for them) before it builds ROUGE and the tokenizer.
  const pool = new ScorePool(threads - 1, options.nltkData === undefined ? {} : { nltkData: options.nltkData });
  try {
    const { createMeteorTokenizer } = await import('./meteor.js');
    const local: LocalScorer = {
      rouge: createRougeRowScorer(options),
      tokenize: await createMeteorTokenizer(options.nltkData === undefined ? {} : { nltkData: options.nltkData }),
    };
    async function* all(): AsyncGenerator<ScoreInputRow> {
      yield* head;
      yield* rows;
    }
    await scoreOnLanes(all(), pool, local, emit, PARALLEL_BATCH);
    await finish(pool);
  } finally {
    await pool.close();
  }
}

/**
 * Means and bootstrap CIs of per-example scores (METEOR left out when it is null).
 *
 * @param examples - per-example scores, at least one.
 * @param options - resampling options, `stem` (reported) and the `skipped` count (reported).
 */
export function summarizeScores(
  examples: readonly ExampleScores[],
  options: ResampleOptions & { stem?: boolean; skipped?: number } = {},
): ScoreSummary {
  return toSummary(examples, bootstrapSummary(scoreColumns(examples), options), options);
}

/** The bootstrap's columns: each metric's per-example scores (METEOR left out when it is null). */
function scoreColumns(examples: readonly ExampleScores[]): Record<ScoreMetric, number[]> {
  const columns: Partial<Record<ScoreMetric, number[]>> = {};
  for (const metric of SCORE_METRICS) {
    if (metric === 'meteor' && examples.some((e) => e.meteor === null)) continue;
    columns[metric] = examples.map((e) => e[metric] as number);
  }
  return columns as Record<ScoreMetric, number[]>;
}

/** The {@link ScoreSummary} of `examples` with their bootstrap `metrics`. */
function toSummary(
  examples: readonly ExampleScores[],
  metrics: Partial<Record<ScoreMetric, MeanCI>>,
  options: { stem?: boolean; skipped?: number },
): ScoreSummary {
  const first = Object.values(metrics)[0] as MeanCI;
  return {
    n: examples.length,
    skipped: options.skipped ?? 0,
    stemmed: options.stem ?? false,
    metrics,
    resamples: first.resamples,
    seed: first.seed,
    confidence: first.confidence,
  };
}
