/**
 * Typed LongLaMP records and the conversion of raw rows (from parquet or JSON) into them, with
 * errors that name the file, the row and the field.
 */
import type { FieldType, TaskKind, TaskSpec } from './tasks.js';

/** A profile item of LongLaMP-2 (abstract generation). */
export interface AbstractProfileItem {
  abstract: string;
  id: string;
  title: string;
  year: number | null;
}

/** A profile item of LongLaMP-3 (product review writing). */
export interface ReviewProfileItem {
  description: string;
  /** The rating as Python prints it (`5.0` for a float), as the prompt templates use it. */
  overall: string;
  reviewText: string;
  summary: string;
}

/** A profile item of LongLaMP-4 (topic writing). */
export interface TopicProfileItem {
  author: string;
  content: string;
  id: string;
  summary: string;
}

/** Profile item type per task kind. */
export interface ProfileItemByKind {
  abstract: AbstractProfileItem;
  review: ReviewProfileItem;
  topic: TopicProfileItem;
}

/** Any profile item. */
export type ProfileItem = ProfileItemByKind[TaskKind];

/** One example: a user, the task input, the gold output and the user's profile. */
export type LongLampRecord<K extends TaskKind = TaskKind> = {
  [P in K]: {
    kind: P;
    /** Value of the task's user id field (`name`, `reviewerId`, `author`). */
    userId: string;
    input: string;
    output: string;
    profile: ProfileItemByKind[P][];
    /** Where the row came from. */
    source: { file: string; row: number };
  };
}[K];

/** Where a bad value was found. */
export interface RecordLocation {
  file: string;
  /** 0-based row index in the file. */
  row: number;
  /** 1-based line number for JSONL files. */
  line?: number;
}

/** A row that does not match the task's schema. */
export class RecordError extends Error {
  override readonly name = 'RecordError';
  constructor(
    readonly file: string,
    readonly row: number,
    /** Dotted field path, e.g. `profile[3].title`. */
    readonly field: string,
    /** What was expected and found. */
    readonly problem: string,
    readonly line?: number,
  ) {
    super(`${file}: row ${row}${line !== undefined ? ` (line ${line})` : ''}, field "${field}": ${problem}`);
  }
}

/** Counters of a read. */
export interface ReadStats {
  /** Rows seen. */
  rows: number;
  /** Records returned. */
  valid: number;
  /** Rows skipped (with `skipInvalid`). */
  skipped: number;
  /** Profile text fields that were null and read as "". */
  nullTexts: number;
  /** The first errors of skipped rows (at most 100). */
  errors: RecordError[];
}

/** Fresh zeroed {@link ReadStats}. */
export function emptyStats(): ReadStats {
  return { rows: 0, valid: 0, skipped: 0, nullTexts: 0, errors: [] };
}

/** Options of the conversion. */
export interface ConvertOptions {
  /** How a null profile text field is read: `empty` (default, counted in `nullTexts`) or `error`. */
  nullProfileText?: 'empty' | 'error';
  /** Names of profile fields whose parquet column is a float (so `5` prints as `5.0`). */
  floatFields?: ReadonlySet<string>;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing (field missing)';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Uint8Array) return 'binary data';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'object') return 'an object';
  return `the ${typeof v} ${String(v)}`;
}

/** Formats a number the way Python's `str(float)` does for typical ratings (`5` → `5.0`). */
export function pythonFloatString(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Object.is(n, -0)) return '-0.0';
  if (Number.isInteger(n) && Math.abs(n) < 1e16) return `${n}.0`;
  const s = String(n);
  return s.includes('e') ? s.replace(/e([+-])(\d)$/, 'e$10$2') : s;
}

type Fail = (field: string, problem: string) => never;

function readField(type: FieldType, value: unknown, field: string, fail: Fail, stats: ReadStats, opts: ConvertOptions, inProfile: boolean): string | number | null {
  switch (type) {
    case 'text':
      if (typeof value === 'string') return value;
      if (value === null && inProfile && (opts.nullProfileText ?? 'empty') === 'empty') {
        stats.nullTexts++;
        return '';
      }
      return fail(field, `expected a string, got ${describe(value)}`);
    case 'id':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'bigint') return String(value);
      if (value === null && inProfile) return '';
      return fail(field, `expected a string or number id, got ${describe(value)}`);
    case 'year':
      if (value === null) return null;
      if (typeof value === 'bigint') return Number(value);
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^\s*-?\d+\s*$/.test(value)) return Number(value);
      if (typeof value === 'string' && value.trim() === '') return null;
      return fail(field, `expected an integer year, got ${describe(value)}`);
    case 'rating': {
      const name = field.replace(/^.*\./, '');
      if (typeof value === 'string') return value;
      if (typeof value === 'bigint') return String(value);
      if (typeof value === 'number') return !opts.floatFields || opts.floatFields.has(name) ? pythonFloatString(value) : String(value);
      if (value === null) return '';
      return fail(field, `expected a number or string rating, got ${describe(value)}`);
    }
  }
}

/**
 * Converts one raw row into a typed record of `task`, or throws a {@link RecordError} naming
 * the file, row and field. Missing fields and wrong types are errors; extra fields are ignored.
 */
export function toRecord(raw: unknown, task: TaskSpec, where: RecordLocation, stats: ReadStats, opts: ConvertOptions = {}): LongLampRecord {
  const fail: Fail = (field, problem) => {
    throw new RecordError(where.file, where.row, field, problem, where.line);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('(row)', `expected an object, got ${describe(raw)}`);
  const row = raw as Record<string, unknown>;
  const userIdRaw = row[task.userIdField];
  if (userIdRaw === null || userIdRaw === undefined) fail(task.userIdField, `expected the user id (string), got ${describe(userIdRaw)}`);
  const userId = readField('id', userIdRaw, task.userIdField, fail, stats, opts, false) as string;
  const input = readField('text', row.input, 'input', fail, stats, opts, false) as string;
  const output = readField('text', row.output, 'output', fail, stats, opts, false) as string;
  const profileRaw = row.profile;
  if (!Array.isArray(profileRaw)) fail('profile', `expected a list of profile items, got ${describe(profileRaw)}`);
  const profile = (profileRaw as unknown[]).map((itemRaw, i) => {
    const base = `profile[${i}]`;
    if (itemRaw === null || typeof itemRaw !== 'object' || Array.isArray(itemRaw)) fail(base, `expected an object, got ${describe(itemRaw)}`);
    const item = itemRaw as Record<string, unknown>;
    const out: Record<string, string | number | null> = {};
    for (const [name, type] of Object.entries(task.profileFields)) {
      out[name] = readField(type, item[name], `${base}.${name}`, fail, stats, opts, true);
    }
    return out;
  });
  return { kind: task.kind, userId, input, output, profile, source: { file: where.file, row: where.row } } as unknown as LongLampRecord;
}
