/**
 * The persona-gen API that a benchmark drives: this build's, or the built `dist/` of another
 * checkout (for example the commit before the batch engine, built in its own folder), so that
 * "before" and "after" figures come from the same run on the same machine. Only the members
 * the benchmarks use are typed; `generateMany` exists only in builds that have the batch engine.
 * @module
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GenerateOptions, GenerationResult } from '../dist/generation-options.js';

/** One request of `generateMany` (the engine's API). */
export interface BenchRequest extends GenerateOptions {
  prompt: Int32Array;
}

/** The model members the benchmarks use. */
export interface BenchModel {
  readonly vocabSize: number;
  readonly info: { sizeBytes: number; parameters: number };
  tokenize(text: string, options?: { addSpecial?: boolean }): Int32Array;
  generate(prompt: Int32Array, options?: GenerateOptions): Promise<GenerationResult>;
  generateMany?: (requests: readonly BenchRequest[], options?: { parallel?: number }) => Promise<GenerationResult[]>;
  /** The engine's counters since load (builds with the batch engine). */
  engineStats?: () => { steps: number; tokensDecoded: number; promptTokensDecoded: number; promptTokensReused: number; maxBatchSequences: number; sequenceMoves?: number };
  dispose(): void;
}

/** A loaded persona-gen library. */
export interface BenchLibrary {
  /** For the report: `this build` or the folder and its commit. */
  label: string;
  /** `contextSize`: KV cells per sequence; `parallel`: the engine's sequence slots (builds without the engine ignore it). */
  loadModel(
    file: string,
    options: { threads: number; contextSize: number; batchSize?: number; parallel?: number; flashAttention?: boolean; sharePrompts?: boolean },
  ): Promise<BenchModel>;
}

function commitOf(root: string): string {
  try {
    return execFileSync('git', ['-C', root, 'rev-parse', '--short=10', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'unknown commit';
  }
}

/**
 * This build's library (root null), or the one built in `root` (a checkout with `dist/` and
 * its native addon built: `npm ci` there).
 *
 * @throws Error naming `root` when it holds no built library.
 */
export async function importLibrary(root: string | null): Promise<BenchLibrary> {
  if (root === null) {
    const mod = (await import('../dist/index.js')) as unknown as Pick<BenchLibrary, 'loadModel'>;
    return { label: 'this build', loadModel: mod.loadModel };
  }
  const entry = path.join(path.resolve(root), 'dist', 'index.js');
  if (!existsSync(entry)) throw new Error(`--baseline ${root}: ${entry} is missing (build that checkout first: npm ci)`);
  const mod = (await import(pathToFileURL(entry).href)) as Partial<Pick<BenchLibrary, 'loadModel'>> & { systemInfo?: () => unknown };
  if (typeof mod.loadModel !== 'function') throw new Error(`--baseline ${root}: ${entry} exports no loadModel`);
  // Load that checkout's own addon now (each library caches its addon on first use): the
  // benchmark points PERSONA_GEN_BINARY at this checkout's dev addon, which every loader honours.
  const saved = process.env.PERSONA_GEN_BINARY;
  process.env.PERSONA_GEN_BINARY = path.join(path.resolve(root), 'build', 'Release', 'persona_gen.node');
  try {
    mod.systemInfo?.();
  } finally {
    if (saved === undefined) delete process.env.PERSONA_GEN_BINARY;
    else process.env.PERSONA_GEN_BINARY = saved;
  }
  return { label: `${root} (${commitOf(root)})`, loadModel: mod.loadModel };
}
