/**
 * Reads LongLaMP parquet files row group by row group (memory stays bounded by one row group),
 * checking the file's schema against the task first.
 */
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema, type FileMetaData, type SchemaTree } from 'hyparquet';

import { emptyStats, RecordError, toRecord, type ConvertOptions, type LongLampRecord, type ReadStats } from './records.js';
import type { FieldType, TaskSpec } from './tasks.js';

/** Options of the readers. */
export interface ReadOptions extends ConvertOptions {
  /** Skip rows that do not match the schema (counted in `stats`) instead of throwing. */
  skipInvalid?: boolean;
  /** Called for each skipped row. */
  onInvalid?: (err: RecordError) => void;
  /** Filled while reading. */
  stats?: ReadStats;
  /** Config name to mention in schema errors. */
  config?: string;
}

/** A parquet file's schema does not fit the task (a column is missing or has the wrong type). */
export class SchemaError extends Error {
  override readonly name = 'SchemaError';
  constructor(
    readonly file: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

function isStringLeaf(t: SchemaTree): boolean {
  const e = t.element;
  return (
    t.children.length === 0 &&
    e.type === 'BYTE_ARRAY' &&
    (e.converted_type === 'UTF8' || e.logical_type?.type === 'STRING' || e.converted_type === 'JSON' || e.logical_type?.type === 'JSON')
  );
}

function isNumberLeaf(t: SchemaTree): boolean {
  return t.children.length === 0 && ['INT32', 'INT64', 'FLOAT', 'DOUBLE'].includes(t.element.type ?? '');
}

function acceptable(type: FieldType, t: SchemaTree): boolean {
  if (type === 'text') return isStringLeaf(t);
  return isStringLeaf(t) || isNumberLeaf(t) || (t.children.length === 0 && t.element.type === undefined);
}

function typeName(t: SchemaTree): string {
  if (t.children.length) return `a group (${t.children.map((c) => c.element.name).join(', ')})`;
  const e = t.element;
  return [e.type, e.converted_type ?? e.logical_type?.type].filter(Boolean).join('/') || 'an unknown type';
}

/** Finds the struct of a LIST column's elements (3-level or legacy 2-level layout). */
function listElement(t: SchemaTree): SchemaTree | undefined {
  const isList = t.element.converted_type === 'LIST' || t.element.logical_type?.type === 'LIST';
  if (!isList || t.children.length !== 1) {
    // legacy: a repeated group directly
    return t.element.repetition_type === 'REPEATED' && t.children.length ? t : undefined;
  }
  const repeated = t.children[0];
  if (repeated.children.length === 1 && repeated.children[0].children.length > 0) return repeated.children[0];
  return repeated.children.length > 0 ? repeated : undefined;
}

/**
 * Checks a parquet schema against a task: the user id column, `input`, `output` (strings) and
 * `profile` (a list of structs with the task's fields). Returns the profile fields stored as
 * floats (so ratings print like Python). Throws a {@link SchemaError} naming file, config and field.
 */
export function checkParquetSchema(metadata: FileMetaData, task: TaskSpec, file: string, config?: string): Set<string> {
  const root = parquetSchema(metadata);
  const cols = new Map(root.children.map((c) => [c.element.name, c] as const));
  const where = `${file}${config ? ` (config ${config})` : ''}`;
  const found = [...cols.keys()].join(', ');
  const need = (name: string, type: FieldType): void => {
    const col = cols.get(name);
    if (!col) throw new SchemaError(file, name, `${where}: column "${name}" is missing from the parquet schema (columns: ${found}); ${task.id} needs ${task.userIdField}, input, output, profile`);
    if (!acceptable(type, col)) throw new SchemaError(file, name, `${where}: column "${name}" has type ${typeName(col)}, expected ${type === 'text' ? 'a UTF-8 string' : 'a string or number'}`);
  };
  need(task.userIdField, 'id');
  need('input', 'text');
  need('output', 'text');
  const profile = cols.get('profile');
  if (!profile) throw new SchemaError(file, 'profile', `${where}: column "profile" is missing from the parquet schema (columns: ${found})`);
  const element = listElement(profile);
  if (!element) throw new SchemaError(file, 'profile', `${where}: column "profile" has type ${typeName(profile)}, expected a list of structs`);
  const fields = new Map(element.children.map((c) => [c.element.name, c] as const));
  const floats = new Set<string>();
  for (const [name, type] of Object.entries(task.profileFields)) {
    const f = fields.get(name);
    if (!f) {
      throw new SchemaError(
        file,
        `profile.${name}`,
        `${where}: profile item field "${name}" is missing from the parquet schema (profile fields: ${[...fields.keys()].join(', ')}; ${task.id} expects ${Object.keys(task.profileFields).join(', ')})`,
      );
    }
    if (!acceptable(type, f)) {
      throw new SchemaError(file, `profile.${name}`, `${where}: profile item field "${name}" has type ${typeName(f)}, expected ${type === 'text' ? 'a UTF-8 string' : 'a string or number'}`);
    }
    if (f.element.type === 'FLOAT' || f.element.type === 'DOUBLE') floats.add(name);
  }
  return floats;
}

/**
 * One row through `convert`, counted in `stats`: the record, or `undefined` when the row breaks
 * the schema and `skipInvalid` is set (the row is then counted as skipped and reported). Any
 * other error, or a {@link RecordError} without `skipInvalid`, is thrown. Both readers' policy.
 */
export function recordOrSkip(stats: ReadStats, opts: ReadOptions, convert: () => LongLampRecord): LongLampRecord | undefined {
  stats.rows++;
  let rec: LongLampRecord;
  try {
    rec = convert();
  } catch (err) {
    if (!(err instanceof RecordError) || !opts.skipInvalid) throw err;
    stats.skipped++;
    if (stats.errors.length < 100) stats.errors.push(err);
    opts.onInvalid?.(err);
    return undefined;
  }
  stats.valid++;
  return rec;
}

/** Number of rows of a parquet file (reads the footer only). */
export async function parquetRowCount(file: string): Promise<number> {
  const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
  return Number(metadata.num_rows);
}

/**
 * Checks every row group's column chunks against the schema and the file before any read
 * starts: a chunk whose path is not in the schema, or whose byte range lies outside the file,
 * is reported with the file, row group and column. (hyparquet would throw on such a chunk only
 * after the reads of the earlier chunks had started, leaving them unawaited.)
 */
export function checkColumnChunks(metadata: FileMetaData, file: string, fileSize: number): void {
  const paths = new Set<string>();
  const walk = (node: SchemaTree, prefix: string[]): void => {
    for (const child of node.children) {
      const p = [...prefix, child.element.name];
      paths.add(p.join('\u0000'));
      walk(child, p);
    }
  };
  walk(parquetSchema(metadata), []);
  metadata.row_groups.forEach((group, g) => {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data;
      if (!meta) continue;
      const name = meta.path_in_schema.join('.');
      if (!paths.has(meta.path_in_schema.join('\u0000'))) {
        throw new Error(`${file}: row group ${g} has a column chunk "${name}" that is not in the file's schema (corrupt file?)`);
      }
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      const end = start + Number(meta.total_compressed_size);
      if (!(start >= 0 && end <= fileSize)) {
        throw new Error(`${file}: row group ${g}, column "${name}" lies outside the file (bytes ${start}..${end} of ${fileSize}; truncated or corrupt file?)`);
      }
    }
  });
}

/**
 * Yields the records of a LongLaMP parquet file, one row group at a time. Invalid rows throw a
 * {@link RecordError} (file, row, field) unless `skipInvalid` is set; a schema mismatch always
 * throws a {@link SchemaError}.
 */
export async function* readParquetRecords(file: string, task: TaskSpec, opts: ReadOptions = {}): AsyncGenerator<LongLampRecord> {
  const stats = opts.stats ?? emptyStats();
  const buffer = await asyncBufferFromFile(file);
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    throw new Error(`${file}: not a readable parquet file (${(err as Error).message})`);
  }
  const floatFields = checkParquetSchema(metadata, task, file, opts.config);
  checkColumnChunks(metadata, file, buffer.byteLength);
  const columns = [task.userIdField, 'input', 'output', 'profile'];
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, columns });
    for (let i = 0; i < rows.length; i++) {
      const row = rowStart + i;
      const rec = recordOrSkip(stats, opts, () => toRecord(rows[i], task, { file, row }, stats, { ...opts, floatFields }));
      if (rec) yield rec;
    }
    rowStart = rowEnd;
  }
}
