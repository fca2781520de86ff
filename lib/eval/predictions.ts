/**
 * `predictions.jsonl` of a run: one JSON line per (user, system), appended and flushed to disk
 * (fsync) as soon as it is produced, so a killed run loses at most the generation in flight.
 * Reading tolerates a half-written last line (no trailing newline: the write was cut off), which
 * a resumed run cuts away before appending; any other bad line is an error naming the line.
 * @module
 */
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';

import type { SystemKind } from './systems.js';

/** The per-example scores a prediction line holds (F-measures for ROUGE, no stemming). */
export interface PredictionMetrics {
  rouge1: number;
  rouge2: number;
  rougeL: number;
  rougeLsum: number;
  meteor: number;
}

/** The metric names of {@link PredictionMetrics}, in report order. */
export const PREDICTION_METRICS = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'meteor'] as const;

/** Speed figures of one generation: the only fields that differ between identical runs. */
export interface PredictionTiming {
  /** Generated tokens per second (decode). */
  tokensPerSecond: number;
  /** Prompt tokens per second (prefill). */
  promptTokensPerSecond: number;
  promptMs: number;
  decodeMs: number;
}

/** One line of `predictions.jsonl`. */
export interface PredictionRecord {
  /** The user (the task's user id field). */
  userId: string;
  /** System id, e.g. `baseline`, `bias@0.5`, `rag@2`, `rag@2+bias@0.5`. */
  system: string;
  kind: SystemKind;
  beta: number | null;
  ragK: number | null;
  /** Indices into the user's profile of the items a RAG prompt used (best first), else null. */
  ragItems: number[] | null;
  /** The prompt text the model saw (before the chat template; after truncation). */
  prompt: string;
  /** Whether the prompt went through the model's chat template. */
  chat: boolean;
  /** The generated text. */
  output: string;
  /** The gold output. */
  reference: string;
  promptTokens: number;
  outputTokens: number;
  /** Prompt tokens dropped from the front to fit the context (0 when none). */
  truncatedPromptTokens: number;
  /** Why generation ended: eos, maxTokens, stop, contextFull. */
  stopReason: string;
  metrics: PredictionMetrics;
  /** Number of items in the user's profile. */
  profileItems: number;
  /** The start of the user's first profile item, for reports. */
  profileExcerpt: string;
  timing: PredictionTiming;
}

/** A prediction file line that is not a valid record. */
export class PredictionFileError extends Error {
  override readonly name = 'PredictionFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** The key of a (user, system) pair. */
export function pairKey(userId: string, system: string): string {
  return JSON.stringify([userId, system]);
}

const STRING_FIELDS = ['userId', 'system', 'kind', 'prompt', 'output', 'reference', 'stopReason', 'profileExcerpt'] as const;
const COUNT_FIELDS = ['promptTokens', 'outputTokens', 'truncatedPromptTokens', 'profileItems'] as const;

/** Checks that a parsed line is a {@link PredictionRecord}; returns the reason when it is not. */
export function checkPredictionRecord(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'expected a JSON object';
  const r = value as Record<string, unknown>;
  for (const f of STRING_FIELDS) if (typeof r[f] !== 'string') return `field "${f}" must be a string`;
  for (const f of COUNT_FIELDS) {
    if (typeof r[f] !== 'number' || !Number.isInteger(r[f]) || (r[f] as number) < 0) return `field "${f}" must be a count`;
  }
  if (!['baseline', 'personalized', 'rag', 'rag+bias'].includes(r.kind as string)) return `field "kind" is not a system kind`;
  if (r.beta !== null && typeof r.beta !== 'number') return 'field "beta" must be a number or null';
  if (r.ragK !== null && typeof r.ragK !== 'number') return 'field "ragK" must be a number or null';
  if (typeof r.chat !== 'boolean') return 'field "chat" must be a boolean';
  const m = r.metrics as Record<string, unknown> | null;
  if (m === null || typeof m !== 'object') return 'field "metrics" must be an object';
  for (const k of PREDICTION_METRICS) {
    if (typeof m[k] !== 'number' || !Number.isFinite(m[k])) return `field "metrics.${k}" must be a finite number`;
  }
  const t = r.timing as Record<string, unknown> | null;
  if (t === null || typeof t !== 'object' || typeof t.tokensPerSecond !== 'number') return 'field "timing.tokensPerSecond" must be a number';
  return null;
}

/** What {@link readPredictions} found. */
export interface PredictionFileContents {
  records: PredictionRecord[];
  /** Byte length of the complete lines (where appending continues). */
  completeBytes: number;
  /** Bytes of a half-written last line that were ignored (0 when none). */
  tornBytes: number;
}

/**
 * Reads a predictions file. A last line without its newline is a write that was cut off: it is
 * ignored and reported in `tornBytes`. A missing file reads as empty.
 *
 * @throws PredictionFileError for a complete line that is not a valid record, or a pair that
 * appears twice.
 */
export function readPredictions(file: string): PredictionFileContents {
  if (!existsSync(file)) return { records: [], completeBytes: 0, tornBytes: 0 };
  const buf = readFileSync(file);
  const lastNewline = buf.lastIndexOf(0x0a);
  const completeBytes = lastNewline + 1;
  const text = buf.subarray(0, completeBytes).toString('utf8');
  const records: PredictionRecord[] = [];
  const seen = new Set<string>();
  const lines = text.split('\n');
  lines.pop(); // the empty string after the last newline
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new PredictionFileError(file, i + 1, `invalid JSON (${err instanceof Error ? err.message : String(err)})`);
    }
    const problem = checkPredictionRecord(value);
    if (problem) throw new PredictionFileError(file, i + 1, problem);
    const rec = value as PredictionRecord;
    const key = pairKey(rec.userId, rec.system);
    if (seen.has(key)) throw new PredictionFileError(file, i + 1, `user "${rec.userId}", system "${rec.system}" appears twice`);
    seen.add(key);
    records.push(rec);
  });
  return { records, completeBytes, tornBytes: buf.length - completeBytes };
}

/** Appends prediction lines, each written and fsynced in one call. */
export class PredictionWriter implements Disposable {
  #fd: number | undefined;

  /**
   * Opens `file` for appending; with `truncateTo`, first cuts the file to that many bytes (to drop
   * a half-written last line).
   */
  constructor(
    readonly file: string,
    truncateTo?: number,
  ) {
    this.#fd = openSync(file, 'a');
    if (truncateTo !== undefined) ftruncateSync(this.#fd, truncateTo);
  }

  /** Appends one record as a JSON line and flushes it to disk. */
  append(record: PredictionRecord): void {
    if (this.#fd === undefined) throw new Error(`${this.file}: the prediction writer is closed`);
    writeSync(this.#fd, `${JSON.stringify(record)}\n`);
    fsyncSync(this.#fd);
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (this.#fd === undefined) return;
    closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Same as {@link close}. */
  [Symbol.dispose](): void {
    this.close();
  }
}
