/**
 * Paths and names that come from users and data cannot write outside the run or cache folder:
 *
 * - Hub repo ids, file paths and revisions (from the command line, `hf:` references and the Hub's
 *   own answers: tree listings, ETags, commits) are rejected when they hold `..`, absolute paths,
 *   backslashes, NUL bytes or drive letters; whatever is accepted maps inside the cache folder
 *   (checked for 20,000 random hostile strings). A hostile Hub (a fake `fetch`) that answers with
 *   `../` ETags, commits and tree paths gets an Error and nothing is written outside the cache.
 * - Run names and sweep cell folders are single safe path segments under their root, whatever
 *   the task or model name; user ids never become file names (see the end-to-end test
 *   test/e2e/hostile-names.test.ts).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { newRunDir } from '../../../lib/eval/run-folder.js';
import { readSweepFile } from '../../../lib/eval/sweep.js';
import { downloadHubFile } from '../../../lib/hub/download.js';
import { parseHfRef } from '../../../lib/hub/hf-ref.js';
import { listHubFiles } from '../../../lib/hub/list.js';
import { repoCacheFolder, safeJoin, validateRepoFilePath, validateRepoId, validateRevision } from '../../../lib/hub/repo.js';
import { prng } from '../../fuzz/gguf-mutations.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'pg-paths-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Every file and folder under `dir`, as absolute paths. */
function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    out.push(full);
    if (e.isDirectory()) out.push(...walk(full));
  }
  return out;
}

function inside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

const HOSTILE_FILE_PATHS = [
  '../evil.parquet',
  '../../../../tmp/evil',
  '/etc/passwd',
  'a/../../b',
  'a/./b',
  './a',
  'a//b',
  'a/',
  '..',
  '.',
  '',
  'a\\..\\..\\b',
  'C:/Windows/evil',
  'c:evil',
  'a\0b',
  'dir/..',
];
const HOSTILE_REPO_IDS = ['../evil', 'owner/../x', '/abs/repo', 'a/b/c', 'a\\b', 'owner/name.git', 'a--b/c', '.hidden/x', 'x/..', 'a/b\0', '', '-x/y', 'o/' + 'n'.repeat(97)];
const HOSTILE_REVISIONS = ['../main', 'a/../../b', '/main', 'main/', 'ma in', 'ma\\in', 'a\0b', '', '..', 'refs/../..'];

describe('Hub names and paths', () => {
  it('rejects ../, absolute paths, backslashes, NUL bytes and drive letters, naming the input', () => {
    for (const p of HOSTILE_FILE_PATHS) expect(() => validateRepoFilePath(p), p).toThrow(/invalid file path .* in a Hub repo/);
    for (const id of HOSTILE_REPO_IDS) expect(() => validateRepoId(id), id).toThrow(/invalid Hub repo id/);
    for (const r of HOSTILE_REVISIONS) expect(() => validateRevision(r), r).toThrow(/invalid Hub revision/);
    for (const ref of ['hf:../x/model.gguf', 'hf:owner/name/../../../etc/passwd', 'hf:owner/name@../../x/f.gguf', 'hf:owner/name:Q4/../x', 'hf:/abs/x.gguf', 'hf:owner/name/a\\b.gguf']) {
      expect(() => parseHfRef(ref), ref).toThrow();
    }
    expect(() => safeJoin('/cache/snap', '../x')).toThrow(/escapes the cache folder/);
  });

  it('whatever is accepted stays inside the cache folder (20,000 random hostile strings)', () => {
    const cache = path.join(root, 'cache');
    const rand = prng(99);
    const alphabet = ['.', '..', '/', '\\', 'a', 'B', '0', '-', '_', '~', ':', '%2e', '%2f', '\0', ' ', '\n', 'é', '\u202e', 'C:', '*', '?', '"', "'", '$HOME'];
    const randomString = (): string => Array.from({ length: 1 + Math.floor(rand() * 10) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join('');
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const id = randomString();
      const file = randomString();
      const revision = randomString();
      let repoDir: string | undefined;
      try {
        repoDir = repoCacheFolder(cache, { id: validateRepoId(id), type: 'dataset' });
        expect(inside(cache, repoDir), id).toBe(true);
        expect(path.dirname(repoDir)).toBe(cache);
      } catch (err) {
        expect((err as Error).message).toMatch(/invalid Hub repo id/);
      }
      try {
        const snap = path.join(cache, 'snapshots', 'c');
        const full = safeJoin(snap, validateRepoFilePath(file));
        expect(inside(snap, full), file).toBe(true);
        accepted++;
      } catch (err) {
        expect((err as Error).message).toMatch(/invalid file path|escapes the cache folder/);
      }
      try {
        const refs = path.join(cache, 'refs');
        const full = safeJoin(refs, validateRevision(revision));
        expect(inside(refs, full), revision).toBe(true);
      } catch (err) {
        expect((err as Error).message).toMatch(/invalid Hub revision|escapes the cache folder/);
      }
    }
    expect(accepted).toBeGreaterThan(100); // the generator does produce valid paths too
  });

  describe('a hostile Hub (fake fetch) cannot make the client write outside the cache', () => {
    const commit = 'a'.repeat(40);
    const content = Buffer.from('hello parquet');
    const cacheDir = (): string => path.join(root, 'hub-cache');

    function fakeHub(headers: Record<string, string>, tree: unknown[] = []): (url: string, init?: RequestInit) => Promise<Response> {
      return async (url: string, init?: RequestInit) => {
        if (url.includes('/revision/')) return Response.json({ id: 'x', sha: headers['x-repo-commit'] ?? commit });
        if (url.includes('/tree/')) return Response.json(tree);
        if (init?.method === 'HEAD') return new Response(null, { status: 200, headers: { 'content-length': String(content.length), ...headers } });
        return new Response(content, { status: 200, headers: { 'content-length': String(content.length) } });
      };
    }

    it.each([
      ['an ETag of ../../../../evil', { etag: '"../../../../evil"', 'x-repo-commit': commit }, /unusable ETag/],
      ['an ETag of ..', { etag: '".."', 'x-repo-commit': commit }, /unusable ETag/],
      ['an ETag with a slash', { etag: '"a/../../b"', 'x-repo-commit': commit }, /unusable ETag/],
      ['a linked ETag with a backslash', { 'x-linked-etag': '"..\\\\evil"', 'x-linked-size': '13', 'x-repo-commit': commit, etag: '"x"' }, /unusable ETag/],
      ['a commit of ../../x', { etag: '"abc"', 'x-repo-commit': '../../x' }, /lacks X-Repo-Commit/],
    ])('%s', async (_name, headers, error) => {
      const before = new Set(walk(root));
      await expect(
        downloadHubFile({ repo: 'owner/data', repoType: 'dataset', path: 'a/file.parquet' }, { cacheDir: cacheDir(), fetch: fakeHub(headers), progress: 'none', maxRetries: 0, endpoint: 'http://hub.test' }),
      ).rejects.toThrow(error);
      const created = walk(root).filter((p) => !before.has(p));
      expect(created.filter((p) => !inside(cacheDir(), p) && p !== cacheDir())).toEqual([]);
    });

    it.each([['../../evil.parquet'], ['/etc/passwd'], ['a/../../../b.parquet'], ['a\\..\\b']])('a tree listing with the path %s is refused', async (bad) => {
      const before = new Set(walk(root));
      const tree = [
        { type: 'file', path: 'cfg/test-00000.parquet', size: 3, oid: 'x' },
        { type: 'file', path: bad, size: 3, oid: 'y' },
      ];
      await expect(listHubFiles({ id: 'owner/data', type: 'dataset' }, 'cfg', { cacheDir: cacheDir(), fetch: fakeHub({}, tree), endpoint: 'http://hub.test' })).rejects.toThrow(/invalid file path/);
      const created = walk(root).filter((p) => !before.has(p));
      expect(created.filter((p) => !inside(cacheDir(), p) && p !== cacheDir())).toEqual([]);
    });

    it('a well-behaved answer lands inside the cache', async () => {
      const got = await downloadHubFile(
        { repo: 'owner/data', repoType: 'dataset', path: 'a/file.parquet' },
        { cacheDir: cacheDir(), fetch: fakeHub({ etag: `"${createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex')}"`, 'x-repo-commit': commit }), progress: 'none', maxRetries: 0, endpoint: 'http://hub.test' },
      );
      expect(inside(cacheDir(), got.path)).toBe(true);
      expect(inside(cacheDir(), got.blobPath)).toBe(true);
    });
  });
});

describe('run and sweep folder names', () => {
  it('newRunDir gives one safe folder directly under the root, whatever the name', () => {
    const runs = path.join(root, 'experiments');
    for (const name of ['../../escape', '/etc', 'a/b', '..', '.', '', 'a\\b', 'x\0y', '~', '$(rm -rf ~)', 'ok-name', 'é ☃ \u202e']) {
      const dir = newRunDir(runs, name, new Date(2024, 0, 2, 3, 4, 5));
      expect(path.dirname(dir), name).toBe(path.resolve(runs));
      expect(path.basename(dir)).toMatch(/^20240102-030405-[A-Za-z0-9._-]*$/);
    }
  });

  it('sweep cell folders are single safe segments inside the sweep folder, whatever the model name', () => {
    const dir = path.join(root, 'sweep');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'sweep.json');
    const models = ['../../../escape.gguf', '/abs/..gguf', 'a/../../b/..', 'hf:owner/repo/..', 'hf:owner/repo/sub/x y.gguf', '..gguf', 'model\\..\\..\\x.gguf'];
    writeFileSync(file, JSON.stringify({ tasks: ['LongLaMP-2', 'LongLaMP-4'], models, spaces: ['native'], ragK: [0, 1] }));
    let plan;
    try {
      plan = readSweepFile(file, { threads: 1 });
    } catch (err) {
      // An hf: reference that does not parse is refused as a whole, which is also safe.
      expect((err as Error).message).toMatch(/hf:|model/);
      writeFileSync(file, JSON.stringify({ tasks: ['LongLaMP-2', 'LongLaMP-4'], models: models.filter((m) => !m.startsWith('hf:')), spaces: ['native'], ragK: [0, 1] }));
      plan = readSweepFile(file, { threads: 1 });
    }
    expect(plan.cells.length).toBeGreaterThan(8);
    for (const cell of plan.cells) {
      expect(cell.dir, cell.dir).not.toMatch(/[/\\\0]/);
      expect(['.', '..', '']).not.toContain(cell.dir);
      expect(inside(dir, path.join(dir, cell.dir))).toBe(true);
    }
  });
});

describe('report: sweep cells stay inside the sweep folder', () => {
  it('refuses a sweep.json whose cell points outside', async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const pathMod = await import('node:path');
    const { expandRunDirs } = await import('../../../lib/report/load-run.js');
    const sweep = mkdtempSync(pathMod.join(os.tmpdir(), 'pg-sweep-'));
    mkdirSync(pathMod.join(sweep, 'cell-1'));
    writeFileSync(pathMod.join(sweep, 'sweep.json'), JSON.stringify({ cells: [{ dir: 'cell-1' }] }));
    expect(expandRunDirs([sweep])).toEqual([pathMod.join(sweep, 'cell-1')]);
    for (const bad of ['../elsewhere', '/etc', '.', 42]) {
      writeFileSync(pathMod.join(sweep, 'sweep.json'), JSON.stringify({ cells: [{ dir: bad }] }));
      expect(() => expandRunDirs([sweep])).toThrow(/cells\[0\]\.dir must be a folder inside the sweep folder/);
    }
  });
});
