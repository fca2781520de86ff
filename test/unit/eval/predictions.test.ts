import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { PredictionFileError, PredictionWriter, readPredictions } from '../../../lib/eval/predictions.js';
import { record } from './records.js';

const tmp = (): string => path.join(mkdtempSync(path.join(tmpdir(), 'pg-pred-')), 'predictions.jsonl');

describe('predictions.jsonl', () => {
  it('a missing file reads as empty', () => {
    expect(readPredictions(tmp())).toEqual({ records: [], completeBytes: 0, tornBytes: 0 });
  });

  it('appends one flushed line per record and reads them back', () => {
    const file = tmp();
    const w = new PredictionWriter(file);
    w.append(record('a', 'baseline'));
    w.append(record('a', 'bias@1'));
    w.close();
    const text = readFileSync(file, 'utf8');
    expect(text.split('\n')).toHaveLength(3);
    const got = readPredictions(file);
    expect(got.records).toEqual([record('a', 'baseline'), record('a', 'bias@1')]);
    expect(got.tornBytes).toBe(0);
    expect(got.completeBytes).toBe(Buffer.byteLength(text));
  });

  it('ignores a half-written last line, and the writer cuts it off before appending', () => {
    const file = tmp();
    const w = new PredictionWriter(file);
    w.append(record('a', 'baseline'));
    w.close();
    const good = readFileSync(file);
    appendFileSync(file, '{"userId":"a","system":"bias@1","kind":"perso');
    const got = readPredictions(file);
    expect(got.records).toHaveLength(1);
    expect(got.completeBytes).toBe(good.length);
    expect(got.tornBytes).toBe(Buffer.byteLength('{"userId":"a","system":"bias@1","kind":"perso'));
    const w2 = new PredictionWriter(file, got.completeBytes);
    w2.append(record('a', 'bias@1'));
    w2.close();
    expect(readPredictions(file).records).toEqual([record('a', 'baseline'), record('a', 'bias@1')]);
  });

  it('a bad complete line is an error naming the line', () => {
    const file = tmp();
    writeFileSync(file, `${JSON.stringify(record('a', 'baseline'))}\nnot json\n`);
    expect(() => readPredictions(file)).toThrow(PredictionFileError);
    expect(() => readPredictions(file)).toThrow(`${file}:2: invalid JSON`);
    const bad = { ...record('a', 'x'), metrics: { rouge1: 'high' } };
    writeFileSync(file, `${JSON.stringify(bad)}\n`);
    expect(() => readPredictions(file)).toThrow(`${file}:1: field "metrics.rouge1" must be a finite number`);
  });

  it('a pair written twice is an error', () => {
    const file = tmp();
    writeFileSync(file, `${JSON.stringify(record('a', 'baseline'))}\n${JSON.stringify(record('a', 'baseline'))}\n`);
    expect(() => readPredictions(file)).toThrow(`${file}:2: user "a", system "baseline" appears twice`);
  });
});
