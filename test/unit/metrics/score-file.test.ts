import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rouge } from '../../../lib/metrics/rouge.js';
import {
  parseScoreLine,
  readScoreFile,
  ScoreFileError,
  scoreFile,
  summarizeScores,
  type MeteorPairScorer,
} from '../../../lib/metrics/score-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'score-file-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeJsonl(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** A stand-in METEOR: 1 when the texts are equal, else 0.5 (real METEOR is tested elsewhere). */
const fakeMeteor: MeteorPairScorer = { score: (reference, prediction) => (reference === prediction ? 1 : 0.5) };

describe('parseScoreLine', () => {
  it('accepts rows with and without id', () => {
    expect(parseScoreLine('{"prediction":"a","reference":"b","id":"x1"}', 3)).toEqual({
      id: 'x1', prediction: 'a', reference: 'b', line: 3,
    });
    expect(parseScoreLine('{"prediction":"","reference":"b"}', 7)).toEqual({
      id: '7', prediction: '', reference: 'b', line: 7,
    });
    expect(parseScoreLine('{"prediction":"a","reference":"b","id":12}', 1)).toMatchObject({ id: '12' });
  });

  it('explains what is wrong', () => {
    expect(parseScoreLine('{"prediction":"a"', 1)).toMatchObject({ reason: expect.stringMatching(/^invalid JSON/) });
    expect(parseScoreLine('[1,2]', 1)).toEqual({ reason: expect.stringMatching(/JSON object.*an array/) });
    expect(parseScoreLine('{"reference":"b"}', 1)).toEqual({ reason: 'missing field "prediction" (expected a string)' });
    expect(parseScoreLine('{"prediction":"a","reference":3}', 1)).toEqual({
      reason: 'field "reference" must be a string, got number',
    });
    expect(parseScoreLine('{"prediction":null,"reference":"b"}', 1)).toEqual({
      reason: 'field "prediction" must be a string, got null',
    });
    expect(parseScoreLine('{"prediction":"a","reference":"b","id":{}}', 1)).toEqual({
      reason: 'field "id" must be a string or a number, got an object',
    });
  });
});

describe('readScoreFile', () => {
  const lines = [
    '{"id":"a","prediction":"the cat sat","reference":"the cat sat"}',
    '{"id":"b","prediction":"the dog","reference":"a cat"',
    '',
    '{"id":"c","prediction":"x","reference":7}',
    '   ',
    '{"id":"d","reference":"the cat"}',
    '{"id":"e","prediction":"","reference":"the cat"}',
  ];

  it('throws on the first bad line, naming file and line number', async () => {
    const file = writeJsonl('bad.jsonl', lines);
    const err = await readScoreFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ScoreFileError);
    expect((err as ScoreFileError).line).toBe(2);
    expect((err as ScoreFileError).file).toBe(file);
    expect((err as Error).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: invalid JSON`));
  });

  it('reports the line of a missing or non-string field', async () => {
    const file = writeJsonl('bad-field.jsonl', [lines[0]!, lines[3]!]);
    await expect(readScoreFile(file)).rejects.toThrow(`${file}:2: field "reference" must be a string, got number`);
    const file2 = writeJsonl('bad-field2.jsonl', [lines[0]!, '', lines[5]!]);
    await expect(readScoreFile(file2)).rejects.toThrow(`${file2}:3: missing field "prediction" (expected a string)`);
  });

  it('with skipInvalid, skips and counts bad lines; blank lines are ignored', async () => {
    const file = writeJsonl('skip.jsonl', lines);
    const { rows, skipped } = await readScoreFile(file, { skipInvalid: true });
    expect(rows.map((r) => [r.id, r.line])).toEqual([['a', 1], ['e', 7]]);
    expect(skipped.map((s) => s.line)).toEqual([2, 4, 6]);
  });

  it('a missing file is an error naming it', async () => {
    const missing = path.join(dir, 'missing.jsonl');
    await expect(readScoreFile(missing)).rejects.toThrow(missing);
  });

  it('handles CRLF line ends and a byte-order mark', async () => {
    const file = path.join(dir, 'crlf.jsonl');
    writeFileSync(file, '\uFEFF{"prediction":"a b","reference":"a b"}\r\n{"prediction":"c","reference":"d"}\r\n');
    const { rows } = await readScoreFile(file);
    expect(rows.map((r) => r.prediction)).toEqual(['a b', 'c']);
  });
});

describe('scoreFile', () => {
  it('scores every row (empty predictions count as 0) and summarizes', async () => {
    const file = writeJsonl('ok.jsonl', [
      '{"id":"same","prediction":"The cats sat on the mat.","reference":"The cats sat on the mat."}',
      '{"id":"empty","prediction":"","reference":"The cat sat."}',
      '{"id":"partial","prediction":"the cat was sitting","reference":"the cats sat"}',
    ]);
    const seen: string[] = [];
    const result = await scoreFile(file, {
      meteor: fakeMeteor,
      resamples: 200,
      seed: 1,
      onExample: (s) => {
        seen.push(s.id);
      },
    });
    expect(seen).toEqual(['same', 'empty', 'partial']);
    expect(result.examples[0]).toEqual({ id: 'same', rouge1: 1, rouge2: 1, rougeL: 1, rougeLsum: 1, meteor: 1 });
    expect(result.examples[1]).toEqual({ id: 'empty', rouge1: 0, rouge2: 0, rougeL: 0, rougeLsum: 0, meteor: 0.5 });
    const expectedPartial = rouge('the cats sat', 'the cat was sitting');
    expect(result.examples[2]!.rouge1).toBe(expectedPartial.rouge1.fmeasure);
    expect(result.summary.n).toBe(3);
    expect(result.summary.stemmed).toBe(false);
    expect(result.summary.metrics.rouge1!.mean).toBe((1 + 0 + expectedPartial.rouge1.fmeasure) / 3);
    expect(result.summary.metrics.meteor!.mean).toBe(2 / 3);
    expect(result.summary.resamples).toBe(200);
  });

  it('uses stemmed ROUGE with stem: true', async () => {
    const file = writeJsonl('stem.jsonl', ['{"prediction":"the cat was sitting","reference":"the cats sat sitting"}']);
    const plain = await scoreFile(file, { meteor: false, resamples: 10 });
    const stemmed = await scoreFile(file, { meteor: false, resamples: 10, stem: true });
    expect(stemmed.summary.stemmed).toBe(true);
    expect(stemmed.examples[0]!.rouge1).toBe(rouge('the cats sat sitting', 'the cat was sitting', { useStemmer: true }).rouge1.fmeasure);
    expect(stemmed.examples[0]!.rouge1).toBeGreaterThan(plain.examples[0]!.rouge1);
    expect(plain.examples[0]!.meteor).toBeNull();
    expect(plain.summary.metrics.meteor).toBeUndefined();
  });

  it('counts skipped lines and refuses a file with no valid row', async () => {
    const file = writeJsonl('mixed.jsonl', ['not json', '{"prediction":"a","reference":"a"}', '{"prediction":1}']);
    const result = await scoreFile(file, { meteor: false, skipInvalid: true, resamples: 10 });
    expect(result.summary.n).toBe(1);
    expect(result.summary.skipped).toBe(2);
    expect(result.skippedLines.map((s) => s.line)).toEqual([1, 3]);
    const none = writeJsonl('none.jsonl', ['nope', '']);
    await expect(scoreFile(none, { meteor: false, skipInvalid: true })).rejects.toThrow(/no valid rows/);
  });

  it('summarizeScores leaves METEOR out when it is off', () => {
    const s = summarizeScores([{ id: '1', rouge1: 0.5, rouge2: 0, rougeL: 0.5, rougeLsum: 0.5, meteor: null }], {
      resamples: 5,
    });
    expect(Object.keys(s.metrics)).toEqual(['rouge1', 'rouge2', 'rougeL', 'rougeLsum']);
    expect(s.metrics.rouge1).toMatchObject({ mean: 0.5, low: 0.5, high: 0.5 });
  });
});
