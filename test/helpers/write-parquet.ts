/**
 * Writes LongLaMP-shaped parquet files (user id, input, output, profile: list<struct>) with
 * hyparquet-writer, in each config's schema, and malformed variants for error tests.
 */
import { parquetWriteFile } from 'hyparquet-writer';

import { TASKS, type TaskKind } from '../../lib/data/tasks.js';

/** Schema element type of hyparquet-writer (it bundles its own hyparquet). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteFile>[0]['schema']>[number];

/** Physical type of a written leaf column. */
export type LeafType = 'string' | 'int64' | 'double';

/** Options of {@link writeLongLampParquet}. */
export interface WriteOptions {
  /** Rows per row group; default 2 (so tests cross row groups). */
  rowGroupSize?: number;
  /** Profile item field types; default: strings, `year` int64, `overall` double. */
  profileTypes?: Record<string, LeafType>;
  /** Profile item fields to leave out of the schema. */
  omitProfileFields?: string[];
  /** Top-level columns to leave out of the schema. */
  omitColumns?: string[];
  /** Top-level column types (default strings). */
  columnTypes?: Record<string, LeafType>;
}

function leaf(name: string, type: LeafType): SchemaElement {
  if (type === 'string') return { name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' };
  if (type === 'int64') return { name, type: 'INT64', repetition_type: 'OPTIONAL' };
  return { name, type: 'DOUBLE', repetition_type: 'OPTIONAL' };
}

function convert(v: unknown, type: LeafType): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'int64') return BigInt(Math.trunc(Number(v)));
  if (type === 'double') return Number(v);
  return typeof v === 'string' ? v : String(v);
}

/** Default profile item field types of a task kind (as the Hub files are believed to store them). */
export function defaultProfileTypes(kind: TaskKind): Record<string, LeafType> {
  const spec = Object.values(TASKS).find((t) => t.kind === kind)!;
  const out: Record<string, LeafType> = {};
  for (const [name, t] of Object.entries(spec.profileFields)) out[name] = t === 'year' ? 'int64' : t === 'rating' ? 'double' : 'string';
  return out;
}

/** Writes rows (plain objects in the task's schema) as a LongLaMP parquet file. */
export function writeLongLampParquet(filename: string, kind: TaskKind, rows: Record<string, unknown>[], opts: WriteOptions = {}): void {
  const spec = Object.values(TASKS).find((t) => t.kind === kind)!;
  const profileTypes = { ...defaultProfileTypes(kind), ...opts.profileTypes };
  const itemFields = Object.keys(profileTypes).filter((f) => !opts.omitProfileFields?.includes(f));
  const top = [spec.userIdField, 'input', 'output'].filter((c) => !opts.omitColumns?.includes(c));
  const withProfile = !opts.omitColumns?.includes('profile');
  const schema: SchemaElement[] = [{ name: 'root', num_children: top.length + (withProfile ? 1 : 0) }];
  for (const c of top) schema.push(leaf(c, opts.columnTypes?.[c] ?? 'string'));
  if (withProfile) {
    schema.push(
      { name: 'profile', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', num_children: itemFields.length },
      ...itemFields.map((f) => leaf(f, profileTypes[f])),
    );
  }
  const columnData = [
    ...top.map((c) => ({ name: c, data: rows.map((r) => convert(r[c], opts.columnTypes?.[c] ?? 'string')) })),
    ...(withProfile
      ? [
          {
            name: 'profile',
            data: rows.map((r) =>
              r.profile === null || r.profile === undefined
                ? null
                : (r.profile as Record<string, unknown>[]).map((it) => Object.fromEntries(itemFields.map((f) => [f, convert(it[f], profileTypes[f])]))),
            ),
          },
        ]
      : []),
  ];
  parquetWriteFile({ filename, columnData, schema, rowGroupSize: opts.rowGroupSize ?? 2 });
}

/** Sample rows of each task kind (3 users), matching longlamp.md's formats. */
export function sampleRows(kind: TaskKind): Record<string, unknown>[] {
  if (kind === 'abstract') {
    return [
      {
        name: 'Ada Lovelace',
        input: 'Generate an abstract for the title "Analytical engines" using the following items: 1. engines 2. notes',
        output: 'We describe the engine.',
        profile: [
          { abstract: 'The engine weaves algebraic patterns.', id: 'p1', title: 'Notes on the engine', year: 1843 },
          { abstract: 'Bernoulli numbers computed by machine.', id: 'p2', title: 'Bernoulli numbers', year: 1842 },
        ],
      },
      { name: 'Alan Turing', input: 'Generate an abstract for the title "Morphogenesis" using the following items: patterns', output: 'Patterns form.', profile: [] },
      {
        name: 'Grace Hopper',
        input: 'Generate an abstract for the title "Compilers" using the following items: compilers, languages',
        output: 'A compiler.',
        profile: [{ abstract: 'Compilers translate languages.', id: 'p3', title: 'A-0', year: null }],
      },
    ];
  }
  if (kind === 'review') {
    return [
      {
        reviewerId: 'A1',
        input: 'Generate the review text written by a reviewer who has a given an overall rating of "5.0" for a product with description "A kettle". The summary of the review text is "Great".',
        output: 'It boils fast.',
        profile: [
          { description: 'A toaster', overall: 4, reviewText: 'Toasts evenly.', summary: 'Good toaster' },
          { description: 'A lamp', overall: 2.5, reviewText: 'Too dim.', summary: 'Dim' },
        ],
      },
      { reviewerId: 'A2', input: 'Generate the review text ...', output: 'Fine.', profile: [{ description: null, overall: 1, reviewText: 'Broke.', summary: 'Bad' }] },
      { reviewerId: 'A3', input: 'Generate the review text ...', output: 'Ok.', profile: [] },
    ];
  }
  return [
    {
      author: 'u/one',
      input: 'Generate the content for a reddit post My cat',
      output: 'My cat sat on the mat.',
      profile: [
        { author: 'u/one', content: 'Dogs ran fast.', id: 't1', summary: 'Dogs' },
        { author: 'u/one', content: 'The cat is slow.', id: 't2', summary: 'Cat' },
      ],
    },
    { author: 'u/two', input: 'Generate the content for a reddit post Hi', output: 'Hello.', profile: [] },
    { author: 'u/three', input: 'Generate the content for a reddit post Bye', output: 'Bye.', profile: [{ author: 'u/three', content: 'x', id: 't3', summary: 'y' }] },
  ];
}
