/**
 * llama.cpp's own programs as anchors of the benchmarks: where `npm run bench:anchors` put
 * them (`build-anchors/bin`, built from the same pinned source and CPU policy as the addon),
 * and `llama-batched-bench` run and parsed (its JSONL output: one line per
 * prompt / generation / parallel-sequences combination).
 * @module
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../bindings/index.js';
import { runChild } from './child-run.js';

/** The folder `npm run bench:anchors` builds into, unless PERSONA_GEN_ANCHORS says otherwise. */
export function anchorsDir(): string {
  return path.resolve(process.env.PERSONA_GEN_ANCHORS ?? path.join(packageRoot, 'build-anchors'));
}

/** An anchor program: its path, or why it cannot run. */
export type AnchorProgram = { ok: true; path: string; commit: string | null } | { ok: false; reason: string };

/** Finds `name` (e.g. `llama-batched-bench`) among the built anchors. */
export function findAnchor(name: string): AnchorProgram {
  const dir = anchorsDir();
  const file = path.join(dir, 'bin', name);
  if (!existsSync(file)) return { ok: false, reason: `${file} is missing: run \`nice -n 10 npm run bench:anchors\`` };
  let commit: string | null = null;
  try {
    commit = (JSON.parse(readFileSync(path.join(dir, 'anchors.json'), 'utf8')) as { llamaCommit?: string }).llamaCommit ?? null;
  } catch {
    commit = null;
  }
  return { ok: true, path: file, commit };
}

/** One row of llama-batched-bench's output. */
export interface BatchedBenchRow {
  /** Prompt tokens per sequence, generated tokens per sequence, parallel sequences. */
  pp: number;
  tg: number;
  pl: number;
  /** Prompt phase: seconds and tokens/s (all sequences' prompt tokens). */
  tPp: number;
  speedPp: number;
  /** Generation phase: seconds and aggregate tokens/s (pl * tg / t_tg: its S_TG t/s column). */
  tTg: number;
  speedTg: number;
}

/** Settings of {@link runBatchedBench}. */
export interface BatchedBenchSettings {
  program: string;
  model: string;
  threads: number;
  promptTokens: number;
  genTokens: number;
  parallel: readonly number[];
  /** KV cells of the context (all sequences together). */
  contextSize: number;
  /** One KV buffer for all sequences (`-kvu`) instead of one stream per sequence (its default). */
  kvUnified: boolean;
  /** `-fa on` or `-fa off` (llama-batched-bench's own default, auto, turns it on for the CPU). */
  flashAttention: boolean;
  timeoutMs: number;
}

/** The command-line arguments of one llama-batched-bench run. */
export function batchedBenchArgs(s: BatchedBenchSettings): string[] {
  return [
    '-m', s.model,
    '-t', String(s.threads),
    '-tb', String(s.threads),
    '-c', String(s.contextSize),
    '-b', '2048',
    '-ub', '512',
    '-npp', String(s.promptTokens),
    '-ntg', String(s.genTokens),
    '-npl', s.parallel.join(','),
    '--output-format', 'jsonl',
    '-fa', s.flashAttention ? 'on' : 'off',
    ...(s.kvUnified ? ['-kvu'] : []),
  ];
}

/** Parses the JSONL rows of llama-batched-bench (other lines are its log). */
export function parseBatchedBench(output: string): BatchedBenchRow[] {
  const rows: BatchedBenchRow[] = [];
  for (const line of output.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('{') || !t.includes('"speed_tg"')) continue;
    const j = JSON.parse(t) as Record<string, number>;
    rows.push({ pp: j.pp!, tg: j.tg!, pl: j.pl!, tPp: j.t_pp!, speedPp: j.speed_pp!, tTg: j.t_tg!, speedTg: j.speed_tg! });
  }
  return rows;
}

/** Runs llama-batched-bench once over every parallelism; rejects when a row is missing. */
export async function runBatchedBench(s: BatchedBenchSettings): Promise<BatchedBenchRow[]> {
  const out = await runChild(s.program, batchedBenchArgs(s), { timeoutMs: s.timeoutMs });
  // It logs through llama.cpp's logger, which writes to stderr or stdout depending on the version.
  const rows = parseBatchedBench(`${out.stdout}\n${out.stderr}`);
  for (const pl of s.parallel) {
    if (!rows.some((r) => r.pl === pl)) {
      throw new Error(`llama-batched-bench printed no row for -npl ${pl} (context ${s.contextSize} too small?): ${out.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
  }
  return rows;
}
