/**
 * `persona-gen download --task LongLaMP-2|LongLaMP-3|LongLaMP-4 [--setting user|temporal]
 * [--split train|val|test]`: downloads a LongLaMP config's parquet files into the Hub cache and
 * prints the config name and where the files are (stdout); progress goes to stderr.
 */
import type { Command } from 'commander';

import { fetchLongLampFiles, type LongLampFiles } from '../data/dataset.js';
import { parquetRowCount } from '../data/parquet-reader.js';
import { describeConfig, parseSetting, parseSplit, resolveTask, settingOfConfig, SPLITS, type Split } from '../data/tasks.js';
import type { HubOptions } from '../hub/download.js';
import type { ProgressMode } from '../hub/progress.js';

/** Parsed options of the command. */
export interface DownloadCommandOptions {
  task: string;
  /** Default `user`, or the setting of a config name given as task. */
  setting?: string;
  split: string;
  revision: string;
  progress: ProgressMode;
}

/** Where the command writes (tests replace it). */
export interface DownloadCommandIo {
  out: (line: string) => void;
  hub?: HubOptions;
}

/** Runs the download and prints the result; returns what was fetched per split. */
export async function runDownload(opts: DownloadCommandOptions, io: DownloadCommandIo): Promise<LongLampFiles[]> {
  const task = resolveTask(opts.task);
  const setting = opts.setting ? parseSetting(opts.setting) : (settingOfConfig(opts.task) ?? 'user');
  const splits: Split[] = opts.split === 'all' ? [...SPLITS] : [parseSplit(opts.split)];
  const results: LongLampFiles[] = [];
  for (const split of splits) {
    io.out(describeConfig(task, setting, split));
    const got = await fetchLongLampFiles(
      { task: task.id, setting, split },
      { progress: opts.progress, ...io.hub, revision: opts.revision },
    );
    let rows = 0;
    for (const f of got.files) rows += await parquetRowCount(f);
    io.out(`  dataset ${got.repo} @ ${got.commit}: ${got.files.length} file(s), ${rows} rows`);
    for (const f of got.files) io.out(`  ${f}`);
    results.push(got);
  }
  return results;
}

/** Registers `download` on a commander program. */
export function registerDownloadCommand(program: Command, io: DownloadCommandIo = { out: (l) => console.log(l) }): void {
  program
    .command('download')
    .description(
      'Download a LongLaMP config (LongLaMP-2 abstract generation, LongLaMP-3 product reviews, LongLaMP-4 topic writing) ' +
        'into the Hugging Face cache ($HF_HOME/hub); honours HF_ENDPOINT, HF_TOKEN, HF_HUB_CACHE, HF_HUB_OFFLINE',
    )
    .requiredOption('--task <task>', 'LongLaMP-2 | LongLaMP-3 | LongLaMP-4 (or a config name)')
    .option('--setting <setting>', 'user | temporal (default: user)')
    .option('--split <split>', 'train | val | test | all', 'test')
    .option('--revision <rev>', 'dataset revision (branch, tag or commit)', 'main')
    .option('--progress <mode>', 'auto | bar | lines | none', 'auto')
    .action(async (o: DownloadCommandOptions) => {
      await runDownload(o, io);
    });
}
