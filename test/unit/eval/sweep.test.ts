import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { readSweepFile, sweepCsv, SweepFileError, type SweepRow } from '../../../lib/eval/sweep.js';

function sweepFile(text: string, name = 'sweep.yaml'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-sweep-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('readSweepFile', () => {
  it('expands tasks x models x rag-k x spaces, with every beta inside each cell', () => {
    const file = sweepFile(
      ['tasks: [LongLaMP-2, 4]', 'models: [a.gguf, hf:o/r/b-q4.gguf]', 'betas: [0.5, 1]', 'ragK: [0, 2]', 'spaces: native',
        'max-tokens: 24', 'numUsers: 3', 'data: {LongLaMP-2: abs.jsonl, LongLaMP-4: topic.jsonl}', 'out: runs'].join('\n'),
    );
    const dir = path.dirname(file);
    const plan = readSweepFile(file, { threads: 2 });
    expect(plan.out).toBe(path.join(dir, 'runs'));
    expect(plan.cells).toHaveLength(8);
    expect(plan.cells.map((c) => c.dir)).toEqual([
      '01-LongLaMP-2-a-native-rag0',
      '02-LongLaMP-2-a-native-rag2',
      '03-LongLaMP-2-b-q4-native-rag0',
      '04-LongLaMP-2-b-q4-native-rag2',
      '05-LongLaMP-4-a-native-rag0',
      '06-LongLaMP-4-a-native-rag2',
      '07-LongLaMP-4-b-q4-native-rag0',
      '08-LongLaMP-4-b-q4-native-rag2',
    ]);
    const c = plan.cells[5]!;
    expect(c.settings).toMatchObject({
      task: 'LongLaMP-4',
      model: path.join(dir, 'a.gguf'),
      data: path.join(dir, 'topic.jsonl'),
      betas: [0.5, 1],
      ragK: 2,
      space: 'native',
      maxTokens: 24,
      numUsers: 3,
      threads: 2,
    });
    expect(plan.cells[2]!.settings.model).toBe('hf:o/r/b-q4.gguf');
  });

  it('reads JSON too', () => {
    const plan = readSweepFile(sweepFile('{"betas": [2], "spaces": ["native", "sbert"]}', 's.json'), { threads: 1 });
    expect(plan.cells.map((c) => [c.space, c.betas])).toEqual([['native', [2]], ['sbert', [2]]]);
  });

  it.each([
    ['betas: [1, x]', '"betas": expected numbers, got "x"'],
    ['spaces: [bert]', '"spaces": expected sbert or native, got "bert"'],
    ['ragK: [-1]', '"ragK": expected non-negative integers'],
    ['tasks: [LongLaMP-9]', '"tasks": unknown LongLaMP task "LongLaMP-9"'],
    ['colour: red', '"colour": not an option'],
    ['max-tokens: 0', '"max-tokens": expected a number between 1'],
    ['tasks: [2, 4]\ndata: {LongLaMP-2: a.jsonl}', '"data": no file for task LongLaMP-4'],
    ['- a\n- b', 'expected a mapping of options'],
    ['betas: [1\n', 'cannot parse it as YAML'],
  ])('%j is an error naming the file and key', (text, message) => {
    const file = sweepFile(text);
    expect(() => readSweepFile(file, { threads: 1 })).toThrow(SweepFileError);
    expect(() => readSweepFile(file, { threads: 1 })).toThrow(message);
    expect(() => readSweepFile(file, { threads: 1 })).toThrow(file);
  });
});

describe('sweepCsv', () => {
  it('writes one row per cell and system, quoting where needed', () => {
    const m = { mean: 0.5, low: 0.25, high: 0.75 };
    const metrics = { rouge1: m, rouge2: m, rougeL: m, rougeLsum: m, meteor: m };
    const row: SweepRow = {
      cell: '01-x', task: 'LongLaMP-2', config: 'abstract_generation_user', model: 'a, "b".gguf', space: 'native', ragK: null,
      system: 'baseline', label: 'baseline', beta: null, n: 3, metrics, difference: null, control: null, tokensPerSecond: 100, runDir: '/r',
    };
    const lines = sweepCsv([row]).trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.split(',')).toHaveLength(47);
    expect(lines[1]).toBe(
      '01-x,LongLaMP-2,abstract_generation_user,"a, ""b"".gguf",native,,baseline,,3,' +
        '0.5,0.25,0.75,'.repeat(5) + ',' + ',,,,'.repeat(5) + '100,/r',
    );
  });
});
