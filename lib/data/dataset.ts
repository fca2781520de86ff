/**
 * LongLaMP as files and records: finding a config's parquet files on the Hub (or in the cache
 * when offline), downloading them, and reading records from parquet / JSON / JSONL files.
 */
import path from 'node:path';

import { downloadHubFile, type HubOptions } from '../hub/download.js';
import { listHubFiles } from '../hub/list.js';
import { readJsonRecords } from './json-reader.js';
import { readParquetRecords, type ReadOptions } from './parquet-reader.js';
import { emptyStats, type LongLampRecord, type ReadStats } from './records.js';
import { configName, LONGLAMP_REPO, resolveTask, settingOfConfig, type Setting, type Split, type TaskSpec } from './tasks.js';

/** Which LongLaMP files to get. */
export interface LongLampFilesRequest {
  /** `LongLaMP-2`/`3`/`4`, a kind or a config name (see `resolveTask`). */
  task: string;
  /** Default `user` (or the setting of a config name given as `task`). */
  setting?: Setting;
  /** Default `test`. */
  split?: Split;
  /** Dataset repo; default `LongLaMP/LongLaMP`. */
  repo?: string;
}

/** Local files of one config and split. */
export interface LongLampFiles {
  task: TaskSpec;
  setting: Setting;
  split: Split;
  /** Config name, e.g. `abstract_generation_user`: print it. */
  config: string;
  repo: string;
  /** Commit the files come from. */
  commit: string;
  /** Local paths (snapshot symlinks in the Hub cache), sorted by shard. */
  files: string[];
  /** Repo paths of the files. */
  repoPaths: string[];
}

/** The exact CLI command that downloads a config's split. */
export function longLampDownloadCommand(task: TaskSpec, setting: Setting, split: Split): string {
  return `persona-gen download --task ${task.id} --setting ${setting} --split ${split}`;
}

/**
 * Picks the parquet files of a split among repo paths under a config folder: files named
 * `<split>-*.parquet` / `<split>.parquet` or inside a `<split>/` folder (`validation` also
 * counts as `val`). Sorted by path, so shards stay in order.
 */
export function selectSplitFiles(repoPaths: string[], config: string, split: Split): string[] {
  const names = split === 'val' ? ['val', 'validation', 'dev'] : [split];
  return repoPaths
    .filter((p) => p.startsWith(`${config}/`) && p.endsWith('.parquet'))
    .filter((p) => {
      const segs = p.slice(config.length + 1).split('/');
      const base = segs[segs.length - 1];
      const dirs = segs.slice(0, -1);
      return names.some((n) => dirs.includes(n) || base === `${n}.parquet` || base.startsWith(`${n}-`) || base.startsWith(`${n}_`));
    })
    .sort();
}

/**
 * Finds and downloads (if needed) the parquet files of a LongLaMP config and split into the Hub
 * cache: lists the config folder through the tree API (offline: the cached snapshot), keeps the
 * split's shards, downloads each with resume and hash checks.
 * @throws HubOfflineError offline with nothing cached (its message gives the `persona-gen download` command).
 */
export async function fetchLongLampFiles(req: LongLampFilesRequest, hub: HubOptions = {}): Promise<LongLampFiles> {
  const task = resolveTask(req.task);
  const setting = req.setting ?? settingOfConfig(req.task) ?? 'user';
  const split = req.split ?? 'test';
  const config = configName(task, setting);
  const repo = req.repo ?? LONGLAMP_REPO;
  const downloadCommand = longLampDownloadCommand(task, setting, split);
  const opts: HubOptions = { ...hub, downloadCommand: hub.downloadCommand ?? downloadCommand };
  const listing = await listHubFiles({ id: repo, type: 'dataset' }, config, opts);
  const repoPaths = selectSplitFiles(listing.files, config, split);
  if (repoPaths.length === 0) {
    const shown = listing.files.slice(0, 20).join(', ') || 'nothing';
    throw new Error(
      `no parquet files for split "${split}" of config ${config} in dataset ${repo}@${listing.commit.slice(0, 12)}` +
        `${listing.fromCache ? ' (cache)' : ''}; found: ${shown}${listing.fromCache ? `. Download it while online: ${downloadCommand}` : ''}`,
    );
  }
  const files: string[] = [];
  for (const p of repoPaths) {
    const got = await downloadHubFile({ repo, repoType: 'dataset', path: p }, { ...opts, revision: listing.commit });
    files.push(got.path);
  }
  return { task, setting, split, config, repo, commit: listing.commit, files, repoPaths };
}

/**
 * Yields records from one file, by extension: `.parquet` (row group by row group), `.jsonl` /
 * `.ndjson` / `.json` (JSON Lines or a JSON array).
 */
export function readRecords(file: string, task: TaskSpec, opts: ReadOptions = {}): AsyncGenerator<LongLampRecord> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.parquet') return readParquetRecords(file, task, opts);
  if (ext === '.json' || ext === '.jsonl' || ext === '.ndjson') return readJsonRecords(file, task, opts);
  throw new Error(`${file}: unsupported file type "${ext}"; expected .parquet, .json, .jsonl or .ndjson`);
}

/** Yields records from several files in order, sharing one `stats`. */
export async function* readRecordFiles(files: string[], task: TaskSpec, opts: ReadOptions = {}): AsyncGenerator<LongLampRecord> {
  const stats = opts.stats ?? emptyStats();
  for (const f of files) yield* readRecords(f, task, { ...opts, stats });
}

/** Reads every record of some files into memory, with the counters. */
export async function readAllRecords(files: string[], task: TaskSpec, opts: ReadOptions = {}): Promise<{ records: LongLampRecord[]; stats: ReadStats }> {
  const stats = opts.stats ?? emptyStats();
  const records: LongLampRecord[] = [];
  for await (const r of readRecordFiles(files, task, { ...opts, stats })) records.push(r);
  return { records, stats };
}

/**
 * Gets a LongLaMP config and split (downloading it when needed) and returns its files together
 * with a record iterator over them. `files.config` is the config name to print.
 */
export async function openLongLamp(
  req: LongLampFilesRequest,
  opts: { hub?: HubOptions; read?: ReadOptions } = {},
): Promise<{ files: LongLampFiles; records: AsyncGenerator<LongLampRecord>; stats: ReadStats }> {
  const files = await fetchLongLampFiles(req, opts.hub);
  const stats = opts.read?.stats ?? emptyStats();
  const records = readRecordFiles(files.files, files.task, { config: files.config, ...opts.read, stats });
  return { files, records, stats };
}
