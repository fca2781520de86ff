/**
 * The batch engine's part of the benchmark report: its goals (issue "Many generations at
 * once", points 6 and 7) and its text tables.
 * @module
 */
import type { BatchBenchResult } from './batch-bench.js';
import type { BiasStepResult } from './bias-step-bench.js';
import type { EvalBenchResult } from './eval-bench.js';
import type { Goal } from './goals.js';
import { renderSection, type Row } from './table.js';

/** Whether a largest / smallest parallelism ratio is the one the goal names: 16 over 1. */
function isIssueSpan(l: { from: number; to: number }): boolean {
  return l.from === 1 && l.to === 16;
}

/** The goals these sections can judge (none for a section that did not run or had no engine). */
export function batchGoals(batch: readonly BatchBenchResult[], biasStep: BiasStepResult | null, evalScale: EvalBenchResult | null): Goal[] {
  const goals: Goal[] = [];
  for (const b of batch) {
    const m = `${b.model} ${b.quant}`;
    const one = b.rows.find((r) => r.parallel === 1)?.anchor?.median ?? null;
    for (const r of b.rows) {
      if (!r.oursOverAnchor) continue;
      const v = r.oursOverAnchor.median;
      goals.push({ name: `${m}: engine / llama-batched-bench decode, parallel ${r.parallel}`, target: '>= 0.95', value: v, met: v >= 0.95 });
      if (one !== null && r.anchor && r.parallel > 1 && r.anchor.median < one && r.ours) {
        const w = r.ours.median / r.anchor.median;
        goals.push({ name: `${m}: parallel ${r.parallel} where llama-batched-bench is below its 1-sequence speed`, target: '> 1.0', value: w, met: w > 1 });
      }
    }
    // The issue's goal is parallel 16 over parallel 1; a run of other parallelisms shows its ratio without judging it.
    if (b.largestOverSmallest && isIssueSpan(b.largestOverSmallest)) {
      const v = b.largestOverSmallest.ratio.median;
      goals.push({ name: `${m}: aggregate decode parallel ${b.largestOverSmallest.to} / parallel ${b.largestOverSmallest.from}`, target: '>= 2.5', value: v, met: v >= 2.5 });
    }
    if (b.personalized) {
      const v = b.personalized.ratio.median;
      goals.push({ name: `${m}: personalized / plain decode, batched x${b.personalized.parallel}`, target: '>= 0.98', value: v, met: v >= 0.98 });
    }
  }
  if (biasStep) {
    const v = biasStep.single.personalizedOverPlain.decodeTps.median;
    goals.push({ name: `${biasStep.model} f16: personalized / plain decode, 1 sequence`, target: '>= 0.98', value: v, met: v >= 0.98 });
    if (biasStep.batched) {
      const w = biasStep.batched.ratio.median;
      goals.push({ name: `${biasStep.model} f16: personalized / plain decode, batched x${biasStep.batched.parallel}`, target: '>= 0.98', value: w, met: w >= 0.98 });
    }
  }
  if (evalScale && !evalScale.skipped) {
    const v = evalScale.speedup.median;
    goals.push({ name: `eval users/hour: --parallel / serial runner (${evalScale.model})`, target: '>= 2', value: v, met: v >= 2 });
  }
  return goals;
}

function batchTable(b: BatchBenchResult): string {
  const rows: Row[] = [];
  rows.push({ label: 'serial generate(), aggregate decode', stat: b.serial.aggregate, unit: 'tok/s', note: b.serial.library });
  for (const r of b.rows) {
    const p = `parallel ${r.parallel}`;
    if (r.ours) rows.push({ label: `${p}: engine`, stat: r.ours, unit: 'tok/s', note: r.oursOverSerial ? `${r.oursOverSerial.median.toFixed(2)}x serial` : '' });
    if (r.anchor) rows.push({ label: `${p}: llama-batched-bench S_TG`, stat: r.anchor, unit: 'tok/s' });
    if (r.anchorUnified) rows.push({ label: `${p}: llama-batched-bench -kvu S_TG`, stat: r.anchorUnified, unit: 'tok/s' });
    if (r.oursOverAnchor) rows.push({ label: `${p}: engine / llama-batched-bench`, stat: r.oursOverAnchor, unit: 'x', digits: 3, note: 'goal >= 0.95' });
    if (r.oursOverAnchorUnified) rows.push({ label: `${p}: engine / llama-batched-bench -kvu`, stat: r.oursOverAnchorUnified, unit: 'x', digits: 3 });
  }
  if (b.largestOverSmallest) {
    const l = b.largestOverSmallest;
    rows.push({ label: `engine parallel ${l.to} / parallel ${l.from}`, stat: l.ratio, unit: 'x', digits: 2, note: isIssueSpan(l) ? 'goal >= 2.5' : '' });
  }
  if (b.personalized) {
    const q = b.personalized;
    rows.push(
      { label: `batched x${q.parallel}: plain`, stat: q.plain, unit: 'tok/s' },
      { label: `batched x${q.parallel}: personalized`, stat: q.personalized, unit: 'tok/s', note: q.matrix },
      { label: `batched x${q.parallel}: personalized / plain`, stat: q.ratio, unit: 'x', digits: 3, note: 'goal >= 0.98' },
    );
  }
  if (b.sharedPrompts) {
    const x = b.sharedPrompts;
    rows.push(
      { label: `shared prompts: tokens saved`, value: x.promptTokensSaved, unit: 'tokens', digits: 0, note: `of ${x.promptTokensTotal}: ${x.users} users x ${x.systems} systems, one ${x.promptTokensPerRequest}-token prompt per user` },
      { label: 'prompt tokens copied, shared prompts', stat: x.reusedShared, unit: 'tokens', digits: 0, note: "the engine's count (engineStats().promptTokensReused)" },
      { label: 'prompt tokens copied, distinct prompts', stat: x.reusedDistinct, unit: 'tokens', digits: 0 },
      { label: 'prompt phase, distinct prompts', stat: x.distinctMs, unit: 'ms', digits: 0 },
      { label: 'prompt phase, shared prompts', stat: x.sharedMs, unit: 'ms', digits: 0 },
      { label: 'shared / distinct prompt phase', stat: x.sharedOverDistinct, unit: 'x', digits: 3 },
    );
  }
  if (!b.engine.available) rows.push({ label: 'engine', value: '-', note: `${b.engine.library} has no generateMany (the batch engine is not merged)` });
  if (b.anchor.skipped) rows.push({ label: 'llama-batched-bench', value: '-', note: `skipped: ${b.anchor.skipped}` });
  return renderSection(
    `batch engine: ${b.model} ${b.quant} (${b.shapeOf} shapes, RANDOM weights), ${b.promptTokens} prompt + ${b.genTokens} new tokens per sequence, ` +
      `${b.threads} threads, OMP_WAIT_POLICY ${b.ompWaitPolicy}, flash attention ${b.flashAttention ? 'on' : 'off'} on both sides; llama-batched-bench ${b.anchor.commit?.slice(0, 10) ?? ''} on the same file`,
    rows,
  );
}

/** The sections' tables (empty for sections that did not run). */
export function renderBatchSections(batch: readonly BatchBenchResult[], biasStep: BiasStepResult | null, evalScale: EvalBenchResult | null): string[] {
  const parts = batch.map(batchTable);
  if (biasStep) {
    const g = biasStep.single;
    const rows: Row[] = [
      { label: '1 sequence: plain decode', stat: g.plain.decodeTps, unit: 'tok/s' },
      { label: '1 sequence: personalized decode', stat: g.personalized.decodeTps, unit: 'tok/s' },
      { label: '1 sequence: personalized / plain', stat: g.personalizedOverPlain.decodeTps, unit: 'x', digits: 3, note: 'goal >= 0.98' },
    ];
    if (biasStep.batched) {
      const b = biasStep.batched;
      rows.push(
        { label: `batched x${b.parallel}: plain`, stat: b.plain, unit: 'tok/s' },
        { label: `batched x${b.parallel}: personalized`, stat: b.personalized, unit: 'tok/s' },
        { label: `batched x${b.parallel}: personalized / plain`, stat: b.ratio, unit: 'x', digits: 3, note: 'goal >= 0.98' },
      );
    }
    parts.push(
      renderSection(
        `bias per step: ${biasStep.model} f16 (RANDOM weights, V = ${biasStep.vocabSize}), ${g.promptTokens} prompt + ${g.genTokens} new tokens, ` +
          `matrix ${g.matrix.rows} x ${g.matrix.dims} beta ${g.matrix.beta} guardTopK ${g.matrix.guardTopK}`,
        rows,
      ),
    );
  }
  if (evalScale) {
    if (evalScale.skipped) parts.push(renderSection('eval users/hour', [{ label: 'skipped', value: '-', note: evalScale.reason }]));
    else {
      const e = evalScale;
      const runner = (label: string, f: typeof e.serial): Row[] => [
        { label: `${label}: users/hour`, stat: f.usersPerHour, unit: 'users/h', digits: 0, note: `${f.cli} ${f.args}${f.configParallel === null ? '' : ` (config.json parallel ${f.configParallel})`}` },
        { label: `${label}: generation phase`, stat: f.generationSec, unit: 's', digits: 1 },
        { label: `${label}: whole process`, stat: f.processSec, unit: 's', digits: 1 },
      ];
      parts.push(
        renderSection(
          `eval users/hour: ${e.model} (RANDOM weights), ${e.users} users x ${e.systems} systems, ${e.maxTokens} new tokens, native space; ` +
            `flash attention ${e.flashAttention ? 'on' : 'off'} in the new runner (a serial runner from before the engine has llama.cpp's auto: on for the CPU)`,
          [
          ...runner('serial runner', e.serial),
          ...runner('new runner', e.parallel),
          { label: 'new / serial users/hour', stat: e.speedup, unit: 'x', digits: 2, note: 'goal >= 2' },
          { label: 'same prediction text', value: `${e.samePredictions.equal}/${e.samePredictions.total}` },
          ],
        ),
      );
    }
  }
  return parts;
}
