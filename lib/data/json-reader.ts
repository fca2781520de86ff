/**
 * Reads LongLaMP records from JSON files of the same schema as the parquet files: JSON Lines
 * (one row object per line) or a JSON array of row objects. Both are streamed: only one row is
 * held as text at a time.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';

import { readLines } from '../read-lines.js';
import { recordOrSkip, type ReadOptions } from './parquet-reader.js';
import { emptyStats, RecordError, toRecord, type LongLampRecord } from './records.js';
import type { TaskSpec } from './tasks.js';

/** A raw row with its position. */
interface RawRow {
  text: string;
  row: number;
  line: number;
}

/** The rows of a JSON Lines file (blank lines skipped), through the shared line reader. */
async function* jsonLines(file: string): AsyncGenerator<RawRow> {
  let line = 0;
  let row = 0;
  for await (const text of readLines(file)) {
    line++;
    if (text.trim()) yield { text, row: row++, line };
  }
}

/** Splits a top-level JSON array into the texts of its elements, tracking strings and nesting. */
async function* jsonArrayElements(file: string): AsyncGenerator<RawRow> {
  let started = false;
  let depth = 0;
  let inString = false;
  let escape = false;
  let current: string[] = [];
  let segStart = 0;
  let row = 0;
  let line = 1;
  let elementLine = 1;
  let ended = false;
  for await (const chunkRaw of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const chunk = chunkRaw as string;
    segStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i];
      if (c === '\n') line++;
      if (ended) {
        if (!/\s/.test(c)) throw new Error(`${file}: line ${line}: unexpected text after the closing "]" of the JSON array`);
        continue;
      }
      if (!started) {
        if (/\s/.test(c) || c === '\uFEFF') continue;
        if (c !== '[') throw new Error(`${file}: expected a JSON array ("[") or JSON Lines, found "${c}" at line ${line}`);
        started = true;
        segStart = i + 1;
        elementLine = line;
        continue;
      }
      if (inString) {
        if (escape) escape = false;
        else if (c === '\\') escape = true;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        if (depth === 0 && c === ']') {
          current.push(chunk.slice(segStart, i));
          const text = current.join('');
          if (text.trim()) yield { text, row: row++, line: elementLine };
          current = [];
          ended = true;
          continue;
        }
        depth--;
      } else if (c === ',' && depth === 0) {
        current.push(chunk.slice(segStart, i));
        const text = current.join('');
        if (!text.trim()) throw new Error(`${file}: line ${line}: empty element in the JSON array`);
        yield { text, row: row++, line: elementLine };
        current = [];
        segStart = i + 1;
        elementLine = line;
      }
    }
    if (started && !ended) current.push(chunk.slice(segStart));
  }
  if (!started) return;
  if (!ended) throw new Error(`${file}: the JSON array is not closed (file truncated?)`);
}

/** Guesses the layout: `.jsonl`/`.ndjson` → lines; otherwise a leading `[` → array, else lines. */
async function detectLayout(file: string): Promise<'lines' | 'array'> {
  if (/\.(jsonl|ndjson)$/i.test(file)) return 'lines';
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8').replace(/^\uFEFF/, '').trimStart();
    return head.startsWith('[') ? 'array' : 'lines';
  } finally {
    await fh.close();
  }
}

/**
 * Yields the records of a LongLaMP JSON or JSON Lines file. Rows that are not valid JSON or do
 * not match the task's schema throw a {@link RecordError} naming file, row (0-based), line and
 * field, unless `skipInvalid` is set (then they are counted in `opts.stats`).
 */
export async function* readJsonRecords(file: string, task: TaskSpec, opts: ReadOptions = {}): AsyncGenerator<LongLampRecord> {
  const stats = opts.stats ?? emptyStats();
  const layout = await detectLayout(file);
  const rows = layout === 'lines' ? jsonLines(file) : jsonArrayElements(file);
  for await (const raw of rows) {
    const rec = recordOrSkip(stats, opts, () => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw.text);
      } catch (err) {
        throw new RecordError(file, raw.row, '(row)', `not valid JSON (${(err as Error).message})`, raw.line);
      }
      return toRecord(parsed, task, { file, row: raw.row, line: raw.line }, stats, opts);
    });
    if (rec) yield rec;
  }
}
