/**
 * Memory: the peak resident set of a personalized generation and how the resident set grows
 * over many generate calls, measured in a fresh child process (see `rss-child.ts`) so that
 * nothing else the benchmark allocated is counted.
 * @module
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RssChildReport, RssChildSettings } from './rss-child.js';

/** The figures, in MiB (2^20 bytes). */
export interface MemoryBenchResult {
  model: string;
  calls: number;
  promptTokens: number;
  genTokens: number;
  matrixMiB: number;
  weightMiB: number;
  rssBeforeMiB: number;
  /** Peak during one personalized generation (null where the peak mark cannot be reset). */
  peakDuringGenerationMiB: number | null;
  /** Process peak before generating: model load and matrix build (the build holds the JS array and a native copy at once). */
  processPeakMiB: number;
  rssAfterFirstCallMiB: number;
  rssAfterLastCallMiB: number;
  /** Last minus first, and last minus the 10th call (after warm-up; null with fewer than 11 calls), MiB. */
  growthMiB: number;
  growthAfterTenthMiB: number | null;
}

const MiB = 2 ** 20;

/** Runs the child and summarizes. */
export async function memoryBench(s: RssChildSettings & { label: string }): Promise<MemoryBenchResult> {
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rss-child.js');
  const settings: RssChildSettings = {
    model: s.model,
    threads: s.threads,
    contextSize: s.contextSize,
    promptTokens: s.promptTokens,
    genTokens: s.genTokens,
    matrixDims: s.matrixDims,
    calls: s.calls,
  };
  const stdout = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', child, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`memory child exited with ${code}: ${err.trim()}`))));
  });
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as RssChildReport;
  const after = r.rssAfterCallBytes;
  const first = after[0]!;
  const last = after[after.length - 1]!;
  const tenth = after.length > 10 ? after[9]! : null;
  return {
    model: s.label,
    calls: s.calls,
    promptTokens: s.promptTokens,
    genTokens: s.genTokens,
    matrixMiB: r.matrixBytes / MiB,
    weightMiB: r.weightBytes / MiB,
    rssBeforeMiB: r.rssBeforeBytes / MiB,
    peakDuringGenerationMiB: r.peakDuringGenerationBytes === null ? null : r.peakDuringGenerationBytes / MiB,
    processPeakMiB: r.processPeakBytes / MiB,
    rssAfterFirstCallMiB: first / MiB,
    rssAfterLastCallMiB: last / MiB,
    growthMiB: (last - first) / MiB,
    growthAfterTenthMiB: tenth === null ? null : (last - tenth) / MiB,
  };
}
