// The batch-engine benchmark's parts that do not measure: llama-batched-bench's command line
// and output parsing, the anchors' lookup, the child-process runner, the synthetic eval data
// (read back by the real LongLaMP reader), the goals and tables, and the new options.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationResult } from '../../../lib/index.js';
import { readAllRecords } from '../../../lib/data/dataset.js';
import { TASKS } from '../../../lib/data/tasks.js';
import { batchedBenchArgs, findAnchor, parseBatchedBench } from '../../../bench/anchors.js';
import { decodePhaseRate, type BatchBenchResult } from '../../../bench/batch-bench.js';
import { batchGoals, renderBatchSections } from '../../../bench/batch-report.js';
import { runChild } from '../../../bench/child-run.js';
import { syntheticLongLampRows } from '../../../bench/eval-bench.js';
import { parseBenchArgs } from '../../../bench/run.js';
import { alternate, benchStat } from '../../../bench/stats.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'pg-batchbench-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  delete process.env.PERSONA_GEN_ANCHORS;
});

describe('decodePhaseRate', () => {
  const result = (tokens: number, promptMs: number, decodeMs: number) =>
    ({ tokens: new Int32Array(tokens), timings: { promptMs, decodeMs } }) as unknown as GenerationResult;

  it("counts the tokens after each sequence's first over the decode phase, as S_TG", () => {
    // One sequence: 63 tokens after the first in 2,100 ms.
    expect(decodePhaseRate([result(64, 900, 2100)])).toBeCloseTo(30, 10);
    // Three that started decoding in the same step and ended 0-100 ms apart: 189 tokens from 900 to 3,100 ms.
    expect(decodePhaseRate([result(64, 900, 2100), result(64, 900, 2200), result(64, 900, 2150)])).toBeCloseTo(189 / 2.2, 10);
    // Staggered starts widen the phase (first token at 800 ms, last end at 3,100 ms), never narrow it.
    expect(decodePhaseRate([result(64, 800, 2100), result(64, 1000, 2100)])).toBeCloseTo(126 / 2.3, 10);
  });
});

describe('llama-batched-bench', () => {
  const settings = {
    program: 'x', model: '/m.gguf', threads: 2, promptTokens: 128, genTokens: 64, parallel: [1, 2, 4], contextSize: 4096, kvUnified: false, flashAttention: false, timeoutMs: 1,
  };

  it('gets the same prompt, generation, parallelism, threads and context as our side', () => {
    expect(batchedBenchArgs(settings)).toEqual([
      '-m', '/m.gguf', '-t', '2', '-tb', '2', '-c', '4096', '-b', '2048', '-ub', '512', '-npp', '128', '-ntg', '64', '-npl', '1,2,4', '--output-format', 'jsonl', '-fa', 'off',
    ]);
    expect(batchedBenchArgs({ ...settings, kvUnified: true }).at(-1)).toBe('-kvu');
    // Flash attention as the engine has it, never llama-batched-bench's own default (auto: on for the CPU).
    expect(batchedBenchArgs({ ...settings, flashAttention: true }).slice(-2)).toEqual(['-fa', 'on']);
  });

  it('reads its JSONL rows among its log lines', () => {
    const out = [
      'llama_model_loader: loaded meta data',
      '{"n_kv_max": 4096, "n_batch": 2048, "n_ubatch": 512, "flash_attn": -1, "is_pp_shared": 0, "n_gpu_layers": -1, "n_threads": 2, "n_threads_batch": 2, "pp": 128, "tg": 64, "pl": 1, "n_kv": 192, "t_pp": 0.640000, "speed_pp": 200.000000, "t_tg": 1.092150, "speed_tg": 58.600000, "t": 1.732150, "speed": 110.844000}',
      '{"n_kv_max": 4096, "n_batch": 2048, "n_ubatch": 512, "flash_attn": -1, "is_pp_shared": 0, "n_gpu_layers": -1, "n_threads": 2, "n_threads_batch": 2, "pp": 128, "tg": 64, "pl": 2, "n_kv": 384, "t_pp": 1.280000, "speed_pp": 200.000000, "t_tg": 2.813187, "speed_tg": 45.500000, "t": 4.093187, "speed": 93.8}',
      'llama_perf_context_print: load time = 10 ms',
    ].join('\n');
    expect(parseBatchedBench(out)).toEqual([
      { pp: 128, tg: 64, pl: 1, tPp: 0.64, speedPp: 200, tTg: 1.09215, speedTg: 58.6 },
      { pp: 128, tg: 64, pl: 2, tPp: 1.28, speedPp: 200, tTg: 2.813187, speedTg: 45.5 },
    ]);
  });

  it('is found where bench:anchors puts it, or says how to build it', () => {
    const d = tmp();
    process.env.PERSONA_GEN_ANCHORS = d;
    const missing = findAnchor('llama-batched-bench');
    expect(missing).toEqual({ ok: false, reason: `${path.join(d, 'bin', 'llama-batched-bench')} is missing: run \`nice -n 10 npm run bench:anchors\`` });
    mkdirSync(path.join(d, 'bin'));
    writeFileSync(path.join(d, 'bin', 'llama-batched-bench'), '');
    writeFileSync(path.join(d, 'anchors.json'), JSON.stringify({ llamaCommit: '80fb11ac73e66d89eae2c6a91d8a77428fa733ed' }));
    expect(findAnchor('llama-batched-bench')).toEqual({ ok: true, path: path.join(d, 'bin', 'llama-batched-bench'), commit: '80fb11ac73e66d89eae2c6a91d8a77428fa733ed' });
  });
});

describe('runChild', () => {
  it('collects output and timestamps stderr lines in order', async () => {
    const r = await runChild(process.execPath, ['-e', 'console.log("out"); console.error("a"); console.error("b")'], { timeoutMs: 30_000 });
    expect(r.stdout).toBe('out\n');
    expect(r.stderrLines.map((l) => l.line)).toEqual(['a', 'b']);
    expect(r.stderrLines[0]!.at).toBeGreaterThanOrEqual(r.startedAt);
    expect(r.stderrLines[1]!.at).toBeGreaterThanOrEqual(r.stderrLines[0]!.at);
  });

  it('rejects naming the exit status and the end of stderr, or the time limit', async () => {
    await expect(runChild(process.execPath, ['-e', 'console.error("boom"); process.exit(3)'], { timeoutMs: 30_000 })).rejects.toThrow(/exited with 3: boom/);
    await expect(runChild(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { timeoutMs: 300 })).rejects.toThrow(/killed after its 300 ms limit/);
  });
});

describe('synthetic eval data', () => {
  it('is valid LongLaMP-2 data for the real reader, one distinct user per row', async () => {
    const file = path.join(tmp(), 'rows.jsonl');
    writeFileSync(file, syntheticLongLampRows(5).map((r) => JSON.stringify(r)).join('\n') + '\n');
    const { records, stats } = await readAllRecords([file], TASKS['LongLaMP-2']);
    expect(records.map((r) => r.userId)).toEqual(['user-0', 'user-1', 'user-2', 'user-3', 'user-4']);
    expect(records.every((r) => r.profile.length === 3)).toBe(true);
    expect(new Set(records.map((r) => r.input)).size).toBe(5);
    expect(stats).toMatchObject({ skipped: 0 });
  });
});

describe('batch goals and tables', () => {
  const s = (...v: number[]) => benchStat(v);
  const result: BatchBenchResult = {
    model: 'qwen2.5-0.5b', shapeOf: 'Qwen2.5-0.5B', quant: 'q4_k_m', file: '/m', threads: 2, promptTokens: 128, genTokens: 64,
    engine: { available: true, library: 'this build' },
    ompWaitPolicy: 'passive',
    flashAttention: false,
    serial: { library: 'this build', aggregate: s(60) },
    anchor: { program: '/a', commit: '80fb11ac73', skipped: null },
    rows: [
      { parallel: 1, ours: s(57), anchor: s(58.6), anchorUnified: null, oursOverAnchor: s(0.97), oursOverAnchorUnified: null, oursOverSerial: s(0.95) },
      { parallel: 2, ours: s(50), anchor: s(45.5), anchorUnified: null, oursOverAnchor: s(1.1), oursOverAnchorUnified: null, oursOverSerial: s(0.83) },
      { parallel: 16, ours: s(150), anchor: s(170.3), anchorUnified: null, oursOverAnchor: s(0.88), oursOverAnchorUnified: null, oursOverSerial: s(2.5) },
    ],
    largestOverSmallest: { from: 1, to: 16, ratio: s(2.63) },
    personalized: { parallel: 8, plain: s(100), personalized: s(99), ratio: s(0.99), matrix: 'm' },
    sharedPrompts: { users: 4, systems: 4, promptTokensPerRequest: 128, promptTokensSaved: 1536, reusedShared: s(1524), reusedDistinct: s(0), promptTokensTotal: 2048, distinctMs: s(10000), sharedMs: s(2600), sharedOverDistinct: s(0.26) },
  };

  it('judges every goal of the issue from the figures', () => {
    const goals = batchGoals([result], null, null);
    expect(goals.map((g) => [g.name, g.value, g.met])).toEqual([
      ['qwen2.5-0.5b q4_k_m: engine / llama-batched-bench decode, parallel 1', 0.97, true],
      ['qwen2.5-0.5b q4_k_m: engine / llama-batched-bench decode, parallel 2', 1.1, true],
      ['qwen2.5-0.5b q4_k_m: parallel 2 where llama-batched-bench is below its 1-sequence speed', 50 / 45.5, true],
      ['qwen2.5-0.5b q4_k_m: engine / llama-batched-bench decode, parallel 16', 0.88, false],
      ['qwen2.5-0.5b q4_k_m: aggregate decode parallel 16 / parallel 1', 2.63, true],
      ['qwen2.5-0.5b q4_k_m: personalized / plain decode, batched x8', 0.99, true],
    ]);
  });

  it('judges parallel 16 / parallel 1 only: a run of other parallelisms shows its ratio without the goal', () => {
    const other = { ...result, largestOverSmallest: { from: 8, to: 16, ratio: s(1.1) } };
    expect(batchGoals([other], null, null).map((g) => g.name)).not.toContain('qwen2.5-0.5b q4_k_m: aggregate decode parallel 16 / parallel 8');
    const text = renderBatchSections([other], null, { skipped: true, reason: 'x' }).join('\n');
    expect(text).toMatch(/engine parallel 16 \/ parallel 8\s+1\.10\s+x\s+1\.10 \.\. 1\.10\n/);
    expect(renderBatchSections([result], null, { skipped: true, reason: 'x' }).join('\n')).toMatch(/engine parallel 16 \/ parallel 1\s+2\.63\s+x\s+2\.63 \.\. 2\.63\s+goal >= 2\.5/);
  });

  it("states the eval runners' flash attention", () => {
    const runner = { cli: '/c', args: '', usersPerHour: s(400), generationSec: s(54), processSec: s(60), configParallel: null };
    const e = { skipped: false as const, model: 'm', users: 6, systems: 4, maxTokens: 64, flashAttention: true, serial: runner, parallel: { ...runner, usersPerHour: s(900) }, speedup: s(2.25), samePredictions: { equal: 0, total: 24 } };
    const text = renderBatchSections([], null, e).join('\n');
    expect(text).toContain("flash attention on in the new runner (a serial runner from before the engine has llama.cpp's auto: on for the CPU)");
    expect(text).toMatch(/new \/ serial users\/hour\s+2\.25/);
    expect(renderBatchSections([], null, { ...e, flashAttention: false }).join('\n')).toContain('flash attention off in the new runner');
  });

  it('prints the random-weights warning, the anchor figures and the saved prompt tokens', () => {
    const text = renderBatchSections([result], null, { skipped: true, reason: 'no --parallel' }).join('\n');
    expect(text).toContain('RANDOM weights');
    expect(text).toMatch(/parallel 2: llama-batched-bench S_TG\s+45\.50/);
    expect(text).toMatch(/shared prompts: tokens saved\s+1536/);
    expect(text).toMatch(/skipped\s+-\s+no --parallel/);
  });
});

describe('batch options', () => {
  it('leaves the minutes-long sections out unless asked, and parses their options', () => {
    expect(parseBenchArgs([]).sections).not.toContain('batch');
    const s = parseBenchArgs(['--only', 'batch,evalscale', '--parallel', '1,4', '--baseline', '/tmp/x', '--anchor-kvu', '--eval-parallel', '8']);
    expect(s.sections).toEqual(['batch', 'evalscale']);
    expect(s.parallel).toEqual([1, 4]);
    expect(s.baseline).toBe('/tmp/x');
    expect(s.anchorUnified).toBe(true);
    expect(s.evalParallel).toBe(8);
    expect(s.batchGenTokens).toBe(64);
    expect(s.flashAttention).toBe(false);
    expect(parseBenchArgs(['--flash-attention', 'on']).flashAttention).toBe(true);
    expect(parseBenchArgs(['--flash-attention', 'off']).flashAttentionGiven).toBe(true);
    expect(parseBenchArgs([]).flashAttentionGiven).toBe(false);
    expect(() => parseBenchArgs(['--flash-attention', 'auto'])).toThrow(/--flash-attention expects on or off, got "auto"/);
    expect(() => parseBenchArgs(['--parallel', '1,0'])).toThrow(/--parallel expects a positive integer, got "0"/);
  });

  it('can skip the warm-up round of alternate()', async () => {
    const order: string[] = [];
    const v = (name: string) => ({ name, run: async () => (order.push(name), { t: 1 }) });
    await alternate([v('a'), v('b')], 2, undefined, undefined, false);
    expect(order).toEqual(['a', 'b', 'b', 'a']);
  });
});
