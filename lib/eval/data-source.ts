/**
 * The users of a run: records read from a local file of the task's schema (`--data`) or from the
 * Hub copy of LongLaMP (downloaded into the Hub cache), selected as the first N users in file
 * order or by id. Where they came from is described for `config.json`.
 * @module
 */
import { openLongLamp, readRecords } from '../data/dataset.js';
import type { LongLampRecord } from '../data/records.js';
import { TASKS, configName, type Setting, type Split, type TaskId } from '../data/tasks.js';
import type { HubOptions } from '../hub/download.js';
import { cachedSha256 } from './file-hash.js';
import { EvalOptionError } from './settings.js';

/** Where the records came from, as recorded in `config.json`. */
export type DataDescription =
  | { source: 'file'; path: string; sha256: string; bytes: number }
  | { source: 'hub'; repo: string; config: string; split: Split; commit: string; files: string[] };

/** What to read. */
export interface UserSelection {
  task: TaskId;
  setting: Setting;
  split: Split;
  /** A local file, or null for the Hub copy. */
  data: string | null;
  numUsers: number;
  /** Explicit ids (in the order given), or null for the first `numUsers`. */
  users: string[] | null;
}

/** The selected records and their origin. */
export interface SelectedUsers {
  records: LongLampRecord[];
  data: DataDescription;
  /** Rows with a user id seen before, skipped (the first row of a user is used). */
  duplicateRows: number;
}

/**
 * Opens the records of a task's data: the local file, or the Hub copy of the split.
 *
 * @throws EvalOptionError naming `--data` when the file cannot be read.
 */
export async function openRecords(
  sel: Pick<UserSelection, 'task' | 'setting' | 'split' | 'data'>,
  hub: HubOptions = {},
): Promise<{ records: AsyncGenerator<LongLampRecord>; data: DataDescription }> {
  const task = TASKS[sel.task];
  let records: AsyncGenerator<LongLampRecord>;
  let data: DataDescription;
  if (sel.data !== null) {
    let hash;
    try {
      hash = await cachedSha256(sel.data);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new EvalOptionError('--data', code === 'ENOENT' ? `file not found: ${sel.data}` : `cannot read ${sel.data}: ${(err as Error).message}`);
    }
    data = { source: 'file', path: sel.data, sha256: hash.sha256, bytes: hash.size };
    records = readRecords(sel.data, task, { config: configName(task, sel.setting) });
  } else {
    const opened = await openLongLamp({ task: task.id, setting: sel.setting, split: sel.split }, { hub });
    data = {
      source: 'hub',
      repo: opened.files.repo,
      config: opened.files.config,
      split: opened.files.split,
      commit: opened.files.commit,
      files: opened.files.repoPaths,
    };
    records = opened.records;
  }
  return { records, data };
}

/**
 * Reads records until the selection is complete (the file is not read further than needed).
 *
 * @throws EvalOptionError naming `--data` (missing file) or `--users` (ids not in the data).
 */
export async function selectUsers(sel: UserSelection, hub: HubOptions = {}): Promise<SelectedUsers> {
  const task = TASKS[sel.task];
  const { records, data } = await openRecords(sel, hub);
  const wanted = sel.users === null ? null : new Set(sel.users);
  const found = new Map<string, LongLampRecord>();
  const firstIds: string[] = [];
  let duplicateRows = 0;
  try {
    for await (const r of records) {
      if (found.has(r.userId)) {
        duplicateRows++;
        continue;
      }
      if (firstIds.length < 5) firstIds.push(r.userId);
      if (wanted === null || wanted.has(r.userId)) found.set(r.userId, r);
      if (wanted === null ? found.size >= sel.numUsers : found.size >= wanted.size) break;
    }
  } finally {
    await records.return(undefined);
  }
  if (sel.users !== null) {
    const missing = sel.users.filter((u) => !found.has(u));
    if (missing.length > 0) {
      const where = data.source === 'file' ? data.path : `${data.repo} ${data.config} (${data.split})`;
      throw new EvalOptionError(
        '--users',
        `no user ${missing.map((m) => `"${m}"`).join(', ')} in ${where} (user id field "${task.userIdField}"; ` +
          `the first users there: ${firstIds.map((f) => `"${f}"`).join(', ') || 'none'})`,
      );
    }
    return { records: sel.users.map((u) => found.get(u)!), data, duplicateRows };
  }
  if (found.size === 0) {
    throw new EvalOptionError('--data', `no records in ${data.source === 'file' ? data.path : `${data.repo} ${data.config}`}`);
  }
  return { records: [...found.values()], data, duplicateRows };
}
