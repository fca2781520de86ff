/**
 * The row and score types shared by the serial scorer (`score-file.ts`) and its worker-thread
 * pool (`score-pool.ts`), in a module of their own so that neither imports the other's.
 * @module
 */

/** One valid input row. */
export interface ScoreInputRow {
  /** The row's `id`, or its line number when the line has none. */
  id: string;
  prediction: string;
  reference: string;
  /** 1-based line number in the file. */
  line: number;
}

/** A line skipped under `skipInvalid`. */
export interface SkippedLine {
  /** 1-based line number. */
  line: number;
  /** Why the line is invalid. */
  reason: string;
}

/** Per-example scores (F-measures; stemmed ROUGE when stemming is on). */
export interface ExampleScores {
  id: string;
  rouge1: number;
  rouge2: number;
  rougeL: number;
  rougeLsum: number;
  /** METEOR, or null when METEOR is turned off (`meteor: false`). */
  meteor: number | null;
}
