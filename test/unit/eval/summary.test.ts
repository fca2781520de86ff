import { describe, expect, it } from 'vitest';

import { bootstrapSummary, pairedComparison } from '../../../lib/metrics/stats.js';
import { summarizeRun } from '../../../lib/eval/summary.js';
import { listSystems } from '../../../lib/eval/systems.js';
import { formatSummaryTables } from '../../../lib/eval/table.js';
import { record } from './records.js';

const users = ['u1', 'u2', 'u3', 'u4'];
const systems = listSystems([0, 1], null);
const base = [0.1, 0.2, 0.3, 0.4];
const pers = [0.2, 0.2, 0.5, 0.3];
const records = users.flatMap((u, i) => [
  record(u, 'baseline', { rougeL: base[i]! }),
  record(u, 'bias@0', { rougeL: base[i]! }),
  { ...record(u, 'bias@1', { rougeL: pers[i]! }), outputTokens: 4, output: i === 0 ? '  ' : 'x' },
]);

describe('summarizeRun', () => {
  const s = summarizeRun(records, systems, users, { resamples: 1000 });

  it('means and bootstrap CIs per system equal lib/metrics on the same columns', () => {
    const b = s.systems[0]!;
    expect(b.id).toBe('baseline');
    expect(b.metrics.rougeL.mean).toBeCloseTo(0.25, 15);
    const ci = bootstrapSummary({ rougeL: base, rouge1: [0.5, 0.5, 0.5, 0.5] }, { resamples: 1000 });
    expect(b.metrics.rougeL.low).toBe(ci.rougeL.low);
    expect(b.metrics.rougeL.high).toBe(ci.rougeL.high);
    expect(s.systems[2]!.metrics.rougeL.mean).toBeCloseTo(0.3, 15);
    expect(s.users).toBe(4);
    expect(s.statistics.resamples).toBe(1000);
  });

  it('paired differences from the control with win/tie/loss counts', () => {
    const c = s.systems[2]!.comparisons[0]!;
    expect(c.against).toBe('baseline');
    expect(c.control).toBe(true);
    const p = pairedComparison(pers, base, { resamples: 1000 });
    expect(c.metrics.rougeL).toEqual({ meanDiff: p.meanDiff, low: p.low, high: p.high, pValue: p.pValue, pValueMethod: 'exact-sign-flip', wins: 2, ties: 1, losses: 1 });
    const zero = s.systems[1]!.comparisons[0]!.metrics.rougeL;
    expect(zero.meanDiff).toBe(0);
    expect(zero.pValue).toBe(1);
    expect(zero.ties).toBe(4);
  });

  it('counts empty outputs and speed', () => {
    expect(s.systems[2]!.emptyOutputs).toBe(1);
    expect(s.systems[0]!.emptyOutputs).toBe(0);
    expect(s.systems[2]!.speed.tokensPerSecond).toBeCloseTo((16 * 1000) / 120, 10);
    expect(s.systems[2]!.meanOutputTokens).toBe(4);
  });

  it('RAG + bias is compared with RAG and with the baseline', () => {
    const sys = listSystems([1], 2);
    const recs = users.flatMap((u) => sys.map((x) => ({ ...record(u, x.id), kind: x.kind })));
    const r = summarizeRun(recs, sys, users, { resamples: 100 });
    expect(r.systems.map((x) => x.comparisons.map((c) => `${c.against}:${c.control}`))).toEqual([
      [],
      ['baseline:true'],
      ['baseline:true'],
      ['rag@2:true', 'baseline:false'],
    ]);
  });

  it('an incomplete run names the missing pair', () => {
    expect(() => summarizeRun(records.slice(1), systems, users)).toThrow('no prediction for user "u1" and system "baseline"');
  });

  it('the terminal table shows each system and the differences from the control', () => {
    const text = formatSummaryTables(s, 'title line');
    expect(text.split('\n')[0]).toBe('title line');
    expect(text).toContain('bias β=1 − baseline');
    expect(text).toMatch(/bias β=1\s+4\s+0\.5000 \[/);
    expect(text).toContain('W/T/L ROUGE-L');
    expect(text).toContain('2/1/1');
    expect(text).toContain('Empty outputs (scored 0, kept): 1.');
    expect(text).toContain('Note: with 4 users no p-value can fall below 0.125 (2/2^4)');
  });
});
