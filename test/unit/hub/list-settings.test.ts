import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';

import { HubOfflineError } from '../../../lib/hub/errors.js';
import { parseHfRef, pickGgufFiles, resolveHfRef } from '../../../lib/hub/hf-ref.js';
import { listHubFiles, listHubTree, resolveHubRevision } from '../../../lib/hub/list.js';
import { createProgress, formatBytes, formatDuration } from '../../../lib/hub/progress.js';
import { hfHomeDir, hubCacheDir, hubSettings } from '../../../lib/hub/settings.js';
import { startHubServer, type HubServer } from '../../helpers/hub-server.js';

const COMMIT = 'c'.repeat(40);
let server: HubServer;
let cacheDir: string;

beforeAll(async () => {
  const files: Record<string, { content: Buffer; lfs?: boolean }> = {};
  for (const cfg of ['abstract_generation_user', 'product_review_user']) {
    for (const split of ['train', 'val', 'test']) files[`${cfg}/${split}-00000-of-00001.parquet`] = { content: Buffer.from(`${cfg}/${split}`) };
  }
  files['README.md'] = { content: Buffer.from('readme') };
  server = await startHubServer(
    [
      { type: 'dataset', id: 'LongLaMP/LongLaMP', commit: COMMIT, files },
      {
        type: 'model',
        id: 'owner/gguf',
        commit: 'd'.repeat(40),
        files: {
          'model-Q4_K_M.gguf': { content: Buffer.from('q4') },
          'model-Q8_0-00001-of-00002.gguf': { content: Buffer.from('q8a') },
          'model-Q8_0-00002-of-00002.gguf': { content: Buffer.from('q8b') },
        },
      },
    ],
    { pageSize: 3 },
  );
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'pg-hub-list-'));
});
afterAll(async () => {
  await server.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

const base = () => ({ endpoint: server.url, cacheDir, offline: false, progress: 'none' as const, retryDelayMs: 0 });

describe('tree API listing', () => {
  test('follows Link pagination and lists recursively', async () => {
    const entries = await listHubTree({ id: 'LongLaMP/LongLaMP', type: 'dataset' }, '', base());
    expect(entries.filter((e) => e.type === 'file').map((e) => e.path).sort()).toEqual([
      'README.md',
      'abstract_generation_user/test-00000-of-00001.parquet',
      'abstract_generation_user/train-00000-of-00001.parquet',
      'abstract_generation_user/val-00000-of-00001.parquet',
      'product_review_user/test-00000-of-00001.parquet',
      'product_review_user/train-00000-of-00001.parquet',
      'product_review_user/val-00000-of-00001.parquet',
    ]);
    expect(server.requests.filter((r) => r.path.includes('/tree/')).length).toBeGreaterThan(2);
  });

  test('listHubFiles pins the commit and writes refs/main', async () => {
    const got = await listHubFiles({ id: 'LongLaMP/LongLaMP', type: 'dataset' }, 'product_review_user', base());
    expect(got.commit).toBe(COMMIT);
    expect(got.files).toHaveLength(3);
    expect(readFileSync(path.join(cacheDir, 'datasets--LongLaMP--LongLaMP', 'refs', 'main'), 'utf8')).toBe(COMMIT);
    expect(await resolveHubRevision({ id: 'LongLaMP/LongLaMP', type: 'dataset' }, base())).toBe(COMMIT);
  });

  test('unknown revision and folder give 404 errors that name them', async () => {
    await expect(resolveHubRevision({ id: 'LongLaMP/LongLaMP', type: 'dataset' }, { ...base(), revision: 'v2' })).rejects.toThrow(
      /revision "v2" not found in dataset LongLaMP\/LongLaMP/,
    );
    await expect(listHubTree({ id: 'LongLaMP/LongLaMP', type: 'dataset' }, 'nope', base())).rejects.toThrow(/not found/);
  });

  test('offline listing of an uncached folder says what to download', async () => {
    const err = await listHubFiles({ id: 'LongLaMP/LongLaMP', type: 'dataset' }, 'topic_writing_user', {
      ...base(),
      offline: true,
      downloadCommand: 'persona-gen download --task LongLaMP-4',
    }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HubOfflineError);
    expect((err as Error).message).toContain('Download it first while online: persona-gen download --task LongLaMP-4');
  });
});

describe('hf: references', () => {
  test('parses files, revisions, quant tags and repo types', () => {
    expect(parseHfRef('hf:owner/name/dir/model.gguf')).toEqual({ repo: 'owner/name', repoType: 'model', file: 'dir/model.gguf' });
    expect(parseHfRef('hf:owner/name@v1.0/model.gguf')).toEqual({ repo: 'owner/name', repoType: 'model', revision: 'v1.0', file: 'model.gguf' });
    expect(parseHfRef('hf:owner/name:Q4_K_M')).toEqual({ repo: 'owner/name', repoType: 'model', quant: 'Q4_K_M' });
    expect(parseHfRef('hf:datasets/LongLaMP/LongLaMP/README.md')).toEqual({ repo: 'LongLaMP/LongLaMP', repoType: 'dataset', file: 'README.md' });
    expect(() => parseHfRef('hf:owner/name/../x.gguf')).toThrow(/invalid file path/);
    expect(() => parseHfRef('hf:owner')).toThrow(/missing repo name/);
    expect(() => parseHfRef('hf:owner/name')).toThrow(/no file and no :QUANT tag/);
  });

  test('picks the single file or all shards of a quant', () => {
    const files = ['a-Q4_K_M.gguf', 'a-Q8_0-00002-of-00002.gguf', 'a-Q8_0-00001-of-00002.gguf', 'README.md'];
    expect(pickGgufFiles(files, 'q4_k_m')).toEqual(['a-Q4_K_M.gguf']);
    expect(pickGgufFiles(files, 'Q8_0')).toEqual(['a-Q8_0-00001-of-00002.gguf', 'a-Q8_0-00002-of-00002.gguf']);
    expect(pickGgufFiles(files, 'F16')).toEqual([]);
  });

  test('resolves a quant tag to the first shard, downloading all shards', async () => {
    const p = await resolveHfRef('hf:owner/gguf:Q8_0', base());
    expect(readFileSync(p, 'utf8')).toBe('q8a');
    expect(readFileSync(p.replace('00001-of', '00002-of'), 'utf8')).toBe('q8b');
    const single = await resolveHfRef('hf:owner/gguf/model-Q4_K_M.gguf', base());
    expect(readFileSync(single, 'utf8')).toBe('q4');
  });
});

describe('settings from the environment', () => {
  test('cache dir precedence: HF_HUB_CACHE > HF_HOME/hub > XDG_CACHE_HOME > ~/.cache', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/x/cache', HF_HOME: '/y' })).toBe('/x/cache');
    expect(hubCacheDir({ HF_HOME: '/y' })).toBe('/y/hub');
    expect(hubCacheDir({ XDG_CACHE_HOME: '/z' })).toBe('/z/huggingface/hub');
    expect(hfHomeDir({})).toBe(path.join(os.homedir(), '.cache', 'huggingface'));
  });

  test('endpoint, token, offline', () => {
    const s = hubSettings({}, { HF_ENDPOINT: 'http://127.0.0.1:1234/', HF_TOKEN: ' t ', HF_HUB_OFFLINE: 'yes', HF_HOME: '/h' });
    expect(s).toEqual({ endpoint: 'http://127.0.0.1:1234', token: 't', cacheDir: '/h/hub', offline: true, timeoutSeconds: 30 });
    expect(hubSettings({}, {}).endpoint).toBe('https://huggingface.co');
    expect(hubSettings({}, { HF_HUB_OFFLINE: '0' }).offline).toBe(false);
    expect(() => hubSettings({}, { HF_ENDPOINT: 'ftp://x' })).toThrow(/HF_ENDPOINT must be an http\(s\) URL/);
  });
});

describe('progress', () => {
  class Sink extends Writable {
    text = '';
    constructor(readonly isTTY: boolean) {
      super();
    }
    override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
      this.text += chunk.toString();
      cb();
    }
  }

  test('plain lines every 10% on a non-TTY stream', () => {
    const sink = new Sink(false);
    const p = createProgress({ label: 'items', total: 100, unit: 'items', stream: sink });
    for (let i = 1; i <= 100; i++) p.update(i);
    p.finish();
    const lines = sink.text.trim().split('\n');
    expect(lines[0]).toBe('items: starting (100)');
    expect(lines.slice(1, -1).map((l) => l.split(' ')[1])).toEqual(['10%', '20%', '30%', '40%', '50%', '60%', '70%', '80%', '90%']);
    expect(lines.at(-1)).toMatch(/^items: done \(100 in 0s, /);
  });

  test('a bar with bytes, speed and ETA on a TTY', () => {
    const sink = new Sink(true);
    const p = createProgress({ label: 'file', total: 2_000_000, unit: 'bytes', stream: sink });
    p.update(1_000_000);
    p.finish();
    expect(sink.text).toMatch(/file \[.*\] 50% \| 1\.0 MB\/2\.0 MB \| [\d.]+ [kMG]?B\/s \| ETA /);
  });

  test('formatting helpers', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
    expect(formatDuration(65)).toBe('1m05s');
    expect(formatDuration(3700)).toBe('1h01m');
  });
});

describe('stored token', () => {
  it('reads <HF_HOME>/token when HF_TOKEN is unset, and HF_TOKEN wins over it', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const pathMod = await import('node:path');
    const { hubSettings } = await import('../../../lib/hub/settings.js');
    const home = mkdtempSync(pathMod.join(tmpdir(), 'hf-home-'));
    writeFileSync(pathMod.join(home, 'token'), 'hf_stored\n');
    expect(hubSettings({}, { HF_HOME: home }).token).toBe('hf_stored');
    expect(hubSettings({}, { HF_HOME: home, HF_TOKEN: 'hf_env' }).token).toBe('hf_env');
    expect(hubSettings({}, { HF_HOME: pathMod.join(home, 'none') }).token).toBeUndefined();
  });
});
