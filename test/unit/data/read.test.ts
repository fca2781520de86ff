import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { readAllRecords, readRecords, selectSplitFiles } from '../../../lib/data/dataset.js';
import { parquetRowCount, SchemaError } from '../../../lib/data/parquet-reader.js';
import { emptyStats, pythonFloatString, RecordError } from '../../../lib/data/records.js';
import { configName, describeConfig, parseSplit, resolveTask, TASKS } from '../../../lib/data/tasks.js';
import { sampleRows, writeLongLampParquet } from '../../helpers/write-parquet.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'pg-data-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('tasks', () => {
  test('task numbers resolve to config names per setting', () => {
    expect(configName('LongLaMP-2', 'user')).toBe('abstract_generation_user');
    expect(configName('LongLaMP-3', 'temporal')).toBe('product_review_temporal');
    expect(configName('LongLaMP-4', 'user')).toBe('topic_writing_user');
    expect(resolveTask('longlamp_3').userIdField).toBe('reviewerId');
    expect(resolveTask('4').kind).toBe('topic');
    expect(resolveTask('abstract').id).toBe('LongLaMP-2');
    expect(resolveTask('topic_writing_temporal').id).toBe('LongLaMP-4');
    expect(() => resolveTask('LongLaMP-1')).toThrow(/private data and not on the Hub/);
    expect(() => resolveTask('LongLaMP-7')).toThrow(/unknown LongLaMP task "LongLaMP-7": expected LongLaMP-2, LongLaMP-3, LongLaMP-4/);
    expect(describeConfig(TASKS['LongLaMP-3'], 'user', 'test')).toBe(
      'LongLaMP-3 (product review writing), user setting → config product_review_user, split test',
    );
    expect(parseSplit('validation')).toBe('val');
    expect(() => parseSplit('dev2')).toThrow(/expected train, val or test/);
  });

  test('split files are picked by name or folder, shards in order', () => {
    const paths = [
      'abstract_generation_user/test-00001-of-00002.parquet',
      'abstract_generation_user/test-00000-of-00002.parquet',
      'abstract_generation_user/train-00000-of-00004.parquet',
      'abstract_generation_user/val-00000-of-00002.parquet',
      'abstract_generation_user/validation/x.parquet',
      'abstract_generation_temporal/test-00000-of-00001.parquet',
      'abstract_generation_user/README.md',
    ];
    expect(selectSplitFiles(paths, 'abstract_generation_user', 'test')).toEqual([
      'abstract_generation_user/test-00000-of-00002.parquet',
      'abstract_generation_user/test-00001-of-00002.parquet',
    ]);
    expect(selectSplitFiles(paths, 'abstract_generation_user', 'val')).toEqual([
      'abstract_generation_user/val-00000-of-00002.parquet',
      'abstract_generation_user/validation/x.parquet',
    ]);
  });
});

describe('parquet reader', () => {
  for (const kind of ['abstract', 'review', 'topic'] as const) {
    test(`reads the ${kind} schema across row groups into typed records`, async () => {
      const task = Object.values(TASKS).find((t) => t.kind === kind)!;
      const file = path.join(dir, `${kind}.parquet`);
      writeLongLampParquet(file, kind, sampleRows(kind), { rowGroupSize: 2 });
      expect(await parquetRowCount(file)).toBe(3);
      const { records, stats } = await readAllRecords([file], task);
      expect(records.map((r) => r.userId)).toEqual(sampleRows(kind).map((r) => r[task.userIdField]));
      expect(records.map((r) => r.source.row)).toEqual([0, 1, 2]);
      expect(records[1].profile).toEqual(kind === 'review' ? [{ description: '', overall: '1.0', reviewText: 'Broke.', summary: 'Bad' }] : []);
      expect(stats).toMatchObject({ rows: 3, valid: 3, skipped: 0, nullTexts: kind === 'review' ? 1 : 0 });
      if (kind === 'abstract') {
        expect(records[0]).toEqual({
          kind: 'abstract',
          userId: 'Ada Lovelace',
          input: sampleRows('abstract')[0].input,
          output: 'We describe the engine.',
          profile: [
            { abstract: 'The engine weaves algebraic patterns.', id: 'p1', title: 'Notes on the engine', year: 1843 },
            { abstract: 'Bernoulli numbers computed by machine.', id: 'p2', title: 'Bernoulli numbers', year: 1842 },
          ],
          source: { file, row: 0 },
        });
        expect(records[2].profile[0]).toEqual({ abstract: 'Compilers translate languages.', id: 'p3', title: 'A-0', year: null });
      }
      if (kind === 'review') {
        // a DOUBLE rating prints as Python prints a float
        expect(records[0].profile.map((p) => (p as { overall: string }).overall)).toEqual(['4.0', '2.5']);
      }
    });
  }

  test('an int64 rating column prints without ".0"', async () => {
    const file = path.join(dir, 'review-int.parquet');
    writeLongLampParquet(file, 'review', sampleRows('review'), { profileTypes: { overall: 'int64' }, rowGroupSize: 10 });
    const { records } = await readAllRecords([file], TASKS['LongLaMP-3']);
    expect(records[0].profile.map((p) => (p as { overall: string }).overall)).toEqual(['4', '2']);
  });

  test('a missing profile field is a schema error naming file, config and field', async () => {
    const file = path.join(dir, 'no-title.parquet');
    writeLongLampParquet(file, 'abstract', sampleRows('abstract'), { omitProfileFields: ['title'] });
    const err = await readAllRecords([file], TASKS['LongLaMP-2'], { config: 'abstract_generation_user' }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(SchemaError);
    expect((err as SchemaError).field).toBe('profile.title');
    expect((err as Error).message).toBe(
      `${file} (config abstract_generation_user): profile item field "title" is missing from the parquet schema ` +
        '(profile fields: abstract, id, year; LongLaMP-2 expects abstract, id, title, year)',
    );
  });

  test('a missing top-level column and a wrongly typed column are schema errors', async () => {
    const noUser = path.join(dir, 'no-user.parquet');
    writeLongLampParquet(noUser, 'topic', sampleRows('topic'), { omitColumns: ['author'] });
    await expect(readAllRecords([noUser], TASKS['LongLaMP-4'])).rejects.toThrow(`${noUser}: column "author" is missing from the parquet schema (columns: input, output, profile)`);
    const intText = path.join(dir, 'int-content.parquet');
    writeLongLampParquet(
      intText,
      'topic',
      sampleRows('topic').map((r) => ({ ...r, profile: (r.profile as Record<string, unknown>[]).map((p, i) => ({ ...p, content: i })) })),
      { profileTypes: { content: 'int64' } },
    );
    await expect(readAllRecords([intText], TASKS['LongLaMP-4'])).rejects.toThrow(/profile item field "content" has type INT64, expected a UTF-8 string/);
  });

  test('a bad row names file, row and field; skipInvalid skips and counts', async () => {
    const rows = sampleRows('abstract');
    rows[1] = { ...rows[1], output: null };
    rows[2] = { ...rows[2], profile: [{ abstract: 'x', id: 'p9', title: 't', year: 'nineteen' }] };
    const file = path.join(dir, 'bad-rows.parquet');
    writeLongLampParquet(file, 'abstract', rows, { profileTypes: { year: 'string' } });
    const err = await readAllRecords([file], TASKS['LongLaMP-2']).catch((e: Error) => e);
    expect(err).toBeInstanceOf(RecordError);
    expect((err as RecordError).message).toBe(`${file}: row 1, field "output": expected a string, got null`);

    const seen: string[] = [];
    const stats = emptyStats();
    const { records } = await readAllRecords([file], TASKS['LongLaMP-2'], { skipInvalid: true, stats, onInvalid: (e) => seen.push(e.field) });
    expect(records.map((r) => r.userId)).toEqual(['Ada Lovelace']);
    expect(stats).toMatchObject({ rows: 3, valid: 1, skipped: 2 });
    expect(seen).toEqual(['output', 'profile[0].year']);
    expect(stats.errors[1].message).toBe(`${file}: row 2, field "profile[0].year": expected an integer year, got the string "nineteen"`);
  });

  test('nullProfileText: error makes null profile texts row errors', async () => {
    const file = path.join(dir, 'review-null.parquet');
    writeLongLampParquet(file, 'review', sampleRows('review'));
    await expect(readAllRecords([file], TASKS['LongLaMP-3'], { nullProfileText: 'error' })).rejects.toThrow(
      `${file}: row 1, field "profile[0].description": expected a string, got null`,
    );
  });

  test('a file that is not parquet says so', async () => {
    const file = path.join(dir, 'junk.parquet');
    writeFileSync(file, 'not parquet at all');
    await expect(readAllRecords([file], TASKS['LongLaMP-2'])).rejects.toThrow(`${file}: not a readable parquet file`);
  });
});

describe('JSON readers', () => {
  test('JSONL and JSON arrays give the same records as parquet', async () => {
    const rows = sampleRows('topic');
    const jsonl = path.join(dir, 'topic.jsonl');
    writeFileSync(jsonl, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n\n`);
    const arr = path.join(dir, 'topic.json');
    writeFileSync(arr, JSON.stringify(rows, null, 2));
    const pq = path.join(dir, 'topic2.parquet');
    writeLongLampParquet(pq, 'topic', rows);
    const strip = (rs: { source: unknown }[]) => rs.map(({ source: _s, ...r }) => r);
    const a = (await readAllRecords([jsonl], TASKS['LongLaMP-4'])).records;
    const b = (await readAllRecords([arr], TASKS['LongLaMP-4'])).records;
    const c = (await readAllRecords([pq], TASKS['LongLaMP-4'])).records;
    expect(strip(a)).toEqual(strip(c));
    expect(strip(b)).toEqual(strip(c));
    expect(a.map((r) => r.source.row)).toEqual([0, 1, 2]);
  });

  test('strings holding brackets, commas and escaped quotes do not confuse the array splitter', async () => {
    const rows = sampleRows('topic');
    rows[0] = { ...rows[0], output: 'a ] tricky, "quoted" } text [ with \\ backslash' };
    const arr = path.join(dir, 'tricky.json');
    writeFileSync(arr, JSON.stringify(rows));
    const { records } = await readAllRecords([arr], TASKS['LongLaMP-4']);
    expect(records[0].output).toBe('a ] tricky, "quoted" } text [ with \\ backslash');
    expect(records).toHaveLength(3);
  });

  test('large JSON arrays and JSONL files split correctly across read chunks', async () => {
    const base = sampleRows('topic')[0];
    const rows = Array.from({ length: 400 }, (_, i) => ({
      ...base,
      author: `u${i}`,
      output: `${'x'.repeat(4000 + i)} "quoted" \\ back\\slash ] } , é ${i}`,
    }));
    const arr = path.join(dir, 'large.json');
    writeFileSync(arr, JSON.stringify(rows));
    const jsonl = path.join(dir, 'large.jsonl');
    writeFileSync(jsonl, rows.map((r) => JSON.stringify(r)).join('\n'));
    for (const f of [arr, jsonl]) {
      const { records } = await readAllRecords([f], TASKS['LongLaMP-4']);
      expect(records.map((r) => r.userId)).toEqual(rows.map((r) => r.author));
      expect(records.map((r) => r.output)).toEqual(rows.map((r) => r.output));
    }
  });

  test('JSONL errors give row and line; wrong types and bad JSON are skipped with skipInvalid', async () => {
    const rows = sampleRows('review');
    const file = path.join(dir, 'bad.jsonl');
    writeFileSync(
      file,
      [
        JSON.stringify(rows[0]),
        '',
        JSON.stringify({ ...rows[1], input: 42 }),
        '{"reviewerId": "A9", oops',
        JSON.stringify({ ...rows[2], profile: [{ description: 'd', overall: 5, reviewText: 'r' }] }),
      ].join('\n'),
    );
    const err = await readAllRecords([file], TASKS['LongLaMP-3']).catch((e: Error) => e);
    expect((err as Error).message).toBe(`${file}: row 1 (line 3), field "input": expected a string, got the number 42`);
    const { records, stats } = await readAllRecords([file], TASKS['LongLaMP-3'], { skipInvalid: true });
    expect(records).toHaveLength(1);
    expect(stats).toMatchObject({ rows: 4, valid: 1, skipped: 3 });
    expect(stats.errors.map((e) => e.message)).toEqual([
      `${file}: row 1 (line 3), field "input": expected a string, got the number 42`,
      expect.stringMatching(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: row 2 \\(line 4\\), field "\\(row\\)": not valid JSON`)),
      `${file}: row 3 (line 5), field "profile[0].summary": expected a string, got nothing (field missing)`,
    ]);
    // JSON numbers for ratings print as Python floats
    expect((records[0].profile[0] as { overall: string }).overall).toBe('4.0');
  });

  test('unsupported extensions and truncated arrays are reported', async () => {
    expect(() => readRecords('x.csv', TASKS['LongLaMP-2'])).toThrow(/unsupported file type ".csv"/);
    const file = path.join(dir, 'trunc.json');
    writeFileSync(file, `[${JSON.stringify(sampleRows('topic')[0])},`);
    await expect(readAllRecords([file], TASKS['LongLaMP-4'])).rejects.toThrow(/the JSON array is not closed/);
  });

  test('pythonFloatString', () => {
    expect(pythonFloatString(5)).toBe('5.0');
    expect(pythonFloatString(4.5)).toBe('4.5');
    expect(pythonFloatString(-0)).toBe('-0.0');
    expect(pythonFloatString(1e-7)).toBe('1e-07');
  });
});
