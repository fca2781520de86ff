import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { registerDownloadCommand } from '../../../lib/commands/download.js';
import { fetchLongLampFiles, openLongLamp } from '../../../lib/data/dataset.js';
import { HubOfflineError } from '../../../lib/hub/errors.js';
import { startHubServer, type HubServer } from '../../helpers/hub-server.js';
import { sampleRows, writeLongLampParquet } from '../../helpers/write-parquet.js';

const COMMIT = 'e'.repeat(40);
let server: HubServer;
let tmp: string;
let cacheDir: string;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'pg-ll-'));
  cacheDir = path.join(tmp, 'cache');
  const files: Record<string, { content: Buffer }> = {};
  const p1 = path.join(tmp, 'a.parquet');
  const p2 = path.join(tmp, 'b.parquet');
  writeLongLampParquet(p1, 'abstract', sampleRows('abstract').slice(0, 2));
  writeLongLampParquet(p2, 'abstract', sampleRows('abstract').slice(2));
  files['abstract_generation_user/test-00000-of-00002.parquet'] = { content: readFileSync(p1) };
  files['abstract_generation_user/test-00001-of-00002.parquet'] = { content: readFileSync(p2) };
  files['abstract_generation_user/train-00000-of-00001.parquet'] = { content: readFileSync(p1) };
  const p3 = path.join(tmp, 'c.parquet');
  writeLongLampParquet(p3, 'review', sampleRows('review'));
  files['product_review_temporal/val-00000-of-00001.parquet'] = { content: readFileSync(p3) };
  files['README.md'] = { content: Buffer.from('# LongLaMP') };
  server = await startHubServer([{ type: 'dataset', id: 'LongLaMP/LongLaMP', commit: COMMIT, files }]);
});
afterAll(async () => {
  await server.close();
  rmSync(tmp, { recursive: true, force: true });
});

const hub = () => ({ endpoint: server.url, cacheDir, offline: false, progress: 'none' as const, retryDelayMs: 0 });

describe('LongLaMP files from the Hub', () => {
  test('fetches the shards of a split and reads records across them', async () => {
    const { files, records, stats } = await openLongLamp({ task: 'LongLaMP-2', split: 'test' }, { hub: hub() });
    expect(files.config).toBe('abstract_generation_user');
    expect(files.commit).toBe(COMMIT);
    expect(files.repoPaths).toEqual(['abstract_generation_user/test-00000-of-00002.parquet', 'abstract_generation_user/test-00001-of-00002.parquet']);
    expect(files.files[0]).toBe(
      path.join(cacheDir, 'datasets--LongLaMP--LongLaMP', 'snapshots', COMMIT, 'abstract_generation_user', 'test-00000-of-00002.parquet'),
    );
    const users: string[] = [];
    for await (const r of records) users.push(r.userId);
    expect(users).toEqual(['Ada Lovelace', 'Alan Turing', 'Grace Hopper']);
    expect(stats).toMatchObject({ rows: 3, valid: 3 });
  });

  test('offline: served from the cache; a missing split names the persona-gen command', async () => {
    const got = await fetchLongLampFiles({ task: 'LongLaMP-2', split: 'test' }, { ...hub(), offline: true });
    expect(got.files).toHaveLength(2);
    const err = await fetchLongLampFiles({ task: 'LongLaMP-4', setting: 'temporal', split: 'val' }, { ...hub(), offline: true }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HubOfflineError);
    expect((err as Error).message).toContain('Download it first while online: persona-gen download --task LongLaMP-4 --setting temporal --split val');
    const noSplit = await fetchLongLampFiles({ task: 'LongLaMP-2', split: 'val' }, { ...hub(), offline: true }).catch((e: Error) => e);
    expect((noSplit as Error).message).toContain('no parquet files for split "val" of config abstract_generation_user');
    expect((noSplit as Error).message).toContain('persona-gen download --task LongLaMP-2 --setting user --split val');
  });

  test('a split that does not exist online lists what is there', async () => {
    await expect(fetchLongLampFiles({ task: 'LongLaMP-2', split: 'val' }, hub())).rejects.toThrow(
      /no parquet files for split "val" of config abstract_generation_user .*found: abstract_generation_user\/test-00000-of-00002\.parquet/,
    );
  });

  test('the download command prints the config name and where the files are', async () => {
    const lines: string[] = [];
    const program = new Command().exitOverride();
    registerDownloadCommand(program, { out: (l) => lines.push(l), hub: hub() });
    await program.parseAsync(['download', '--task', 'LongLaMP-3', '--setting', 'temporal', '--split', 'val'], { from: 'user' });
    expect(lines[0]).toBe('LongLaMP-3 (product review writing), temporal setting → config product_review_temporal, split val');
    expect(lines[1]).toBe(`  dataset LongLaMP/LongLaMP @ ${COMMIT}: 1 file(s), 3 rows`);
    expect(lines[2]).toBe(`  ${path.join(cacheDir, 'datasets--LongLaMP--LongLaMP', 'snapshots', COMMIT, 'product_review_temporal', 'val-00000-of-00001.parquet')}`);

    lines.length = 0;
    await program.parseAsync(['download', '--task', 'product_review_temporal', '--split', 'validation'], { from: 'user' });
    expect(lines[0]).toContain('config product_review_temporal, split val');
    await expect(program.parseAsync(['download', '--task', 'LongLaMP-9'], { from: 'user' })).rejects.toThrow(/unknown LongLaMP task "LongLaMP-9"/);
  });
});
