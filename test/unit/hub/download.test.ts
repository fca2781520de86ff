import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test, vi } from 'vitest';

import { downloadHubFile, findCachedHubFile } from '../../../lib/hub/download.js';
import { HubHttpError, HubIntegrityError, HubNotFoundError, HubOfflineError } from '../../../lib/hub/errors.js';
import { listHubFiles } from '../../../lib/hub/list.js';
import { gitSha1, sha256, startHubServer, type HubServer } from '../../helpers/hub-server.js';

const COMMIT = 'a'.repeat(38) + '01';
const BIG = randomBytes(300_000);
const SMALL = Buffer.from('{"hello": "world"}\n');
const REPO = 'LongLaMP/LongLaMP';
const BIG_PATH = 'abstract_generation_user/test-00000-of-00002.parquet';

/** Collects what would go to stderr. */
class Sink extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

let server: HubServer;
let cacheDir: string;
let sink: Sink;

beforeAll(async () => {
  server = await startHubServer([
    {
      type: 'dataset',
      id: REPO,
      commit: COMMIT,
      files: {
        [BIG_PATH]: { content: BIG },
        'abstract_generation_user/test-00001-of-00002.parquet': { content: randomBytes(5000) },
        'README.md': { content: SMALL },
      },
    },
    { type: 'model', id: 'owner/tiny', commit: 'b'.repeat(40), files: { 'config.json': { content: SMALL } } },
  ]);
});
afterAll(() => server.close());

beforeEach(() => {
  cacheDir = mkdtempSync(path.join(os.tmpdir(), 'pg-hub-'));
  server.requests.length = 0;
  server.faults.dropHalfway.clear();
  server.faults.tamper.clear();
  server.requiredToken = undefined;
  sink = new Sink();
  vi.stubEnv('HF_ENDPOINT', server.url);
  vi.stubEnv('HF_HUB_CACHE', cacheDir);
  vi.stubEnv('HF_HUB_OFFLINE', '');
  vi.stubEnv('HF_TOKEN', '');
});
afterEach(() => {
  vi.unstubAllEnvs();
  rmSync(cacheDir, { recursive: true, force: true });
});

const opts = () => ({ progressStream: sink, retryDelayMs: 0 });

describe('downloadHubFile', () => {
  test('downloads an LFS file into the standard cache layout (blob, snapshot symlink, refs/main)', async () => {
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    const storage = path.join(cacheDir, 'datasets--LongLaMP--LongLaMP');
    expect(got.path).toBe(path.join(storage, 'snapshots', COMMIT, BIG_PATH));
    expect(got.blobPath).toBe(path.join(storage, 'blobs', sha256(BIG)));
    expect(got).toMatchObject({ commit: COMMIT, etag: sha256(BIG), size: BIG.length, fromCache: false });
    expect(readFileSync(got.path).equals(BIG)).toBe(true);
    expect(lstatSync(got.path).isSymbolicLink()).toBe(true);
    expect(readlinkSync(got.path)).toBe(path.join('..', '..', '..', 'blobs', sha256(BIG)));
    expect(readFileSync(path.join(storage, 'refs', 'main'), 'utf8')).toBe(COMMIT);
    expect(existsSync(`${got.blobPath}.incomplete`)).toBe(false);
    // progress as plain lines on a non-TTY stream
    expect(sink.text).toContain(`${REPO}/${BIG_PATH}: starting (300 kB)`);
    expect(sink.text).toMatch(/: [1-9]0% \(\d+(\.\d)? kB \/ 300 kB, [\d.]+ [kMG]?B\/s, ETA \d+s\)\n/);
    expect(sink.text).toMatch(/: done \(300 kB in \d+s, /);

    server.requests.length = 0;
    const again = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    expect(again.fromCache).toBe(true);
    expect(server.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  test('a small (non-LFS) file is checked against its git-sha1 ETag', async () => {
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'README.md' }, opts());
    expect(got.etag).toBe(gitSha1(SMALL));
    expect(readFileSync(got.path, 'utf8')).toBe(SMALL.toString());
  });

  test('models use models--owner--name and no URL prefix', async () => {
    const got = await downloadHubFile({ repo: 'owner/tiny', path: 'config.json' }, opts());
    expect(got.path).toBe(path.join(cacheDir, 'models--owner--tiny', 'snapshots', 'b'.repeat(40), 'config.json'));
    expect(server.requests[0].path).toBe('/owner/tiny/resolve/main/config.json');
  });

  test('resumes with a Range request after the connection is cut half-way', async () => {
    server.faults.dropHalfway.set(BIG_PATH, 1);
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    expect(readFileSync(got.path).equals(BIG)).toBe(true);
    const cdnGets = server.requests.filter((r) => r.path.startsWith('/cdn/') && r.method === 'GET');
    expect(cdnGets).toHaveLength(2);
    expect(cdnGets[0].range).toBeUndefined();
    expect(cdnGets[1].range).toBe(`bytes=${BIG.length / 2}-`);
  });

  test('a broken download is kept as .incomplete and resumed by the next run', async () => {
    server.faults.dropHalfway.set(BIG_PATH, 1);
    const err = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, { ...opts(), maxRetries: 0 }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/failed after 1 attempts .*150000 of 300000 bytes are kept in .*\.incomplete: run the same command again to resume/);
    const incomplete = path.join(cacheDir, 'datasets--LongLaMP--LongLaMP', 'blobs', `${sha256(BIG)}.incomplete`);
    expect(statSync(incomplete).size).toBe(BIG.length / 2);

    server.requests.length = 0;
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    expect(readFileSync(got.path).equals(BIG)).toBe(true);
    expect(server.requests.find((r) => r.path.startsWith('/cdn/'))?.range).toBe(`bytes=${BIG.length / 2}-`);
    expect(sink.text).toContain('starting (300 kB, resuming at 150 kB)');
  });

  test('404 for a missing file names the file, repo and revision', async () => {
    const err = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'nope/missing.parquet' }, opts()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HubNotFoundError);
    expect((err as HubNotFoundError).status).toBe(404);
    expect((err as Error).message).toContain('file "nope/missing.parquet" not found in dataset LongLaMP/LongLaMP at revision "main"');
    const repoErr = await downloadHubFile({ repo: 'no/such', repoType: 'dataset', path: 'x' }, opts()).catch((e: Error) => e);
    expect((repoErr as Error).message).toContain('repository dataset no/such not found');
  });

  test('a hash mismatch deletes the bytes and fails with both hashes', async () => {
    const tampered = Buffer.from(BIG);
    tampered[1234] ^= 0xff;
    server.faults.tamper.set(BIG_PATH, tampered);
    const err = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HubIntegrityError);
    expect((err as HubIntegrityError).expected).toBe(sha256(BIG));
    expect((err as HubIntegrityError).actual).toBe(sha256(tampered));
    expect((err as Error).message).toContain('sha256 of the downloaded bytes is');
    const blobs = path.join(cacheDir, 'datasets--LongLaMP--LongLaMP', 'blobs');
    expect(existsSync(path.join(blobs, sha256(BIG)))).toBe(false);
    expect(existsSync(path.join(blobs, `${sha256(BIG)}.incomplete`))).toBe(false);
  });

  test('a git-sha1 mismatch on a small file is caught too', async () => {
    server.faults.tamper.set('README.md', Buffer.from('{"hello": "WORLD"}\n'));
    const err = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'README.md' }, opts()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HubIntegrityError);
    expect((err as Error).message).toContain('git-sha1');
  });

  test('offline without a cache: clear error with the exact command, no request', async () => {
    vi.stubEnv('HF_HUB_OFFLINE', '1');
    const err = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HubOfflineError);
    expect((err as HubOfflineError).downloadCommand).toBe(`hf download ${REPO} ${BIG_PATH} --repo-type dataset`);
    expect((err as Error).message).toContain('offline mode (HF_HUB_OFFLINE) is on');
    expect((err as Error).message).toContain(cacheDir);
    const custom = await downloadHubFile(
      { repo: REPO, repoType: 'dataset', path: BIG_PATH },
      { ...opts(), downloadCommand: 'persona-gen download --task LongLaMP-2' },
    ).catch((e: Error) => e);
    expect((custom as Error).message).toContain('Download it first while online: persona-gen download --task LongLaMP-2');
    expect(server.requests).toHaveLength(0);
  });

  test('offline with a cache: served from refs/main + snapshot, no request', async () => {
    await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    server.requests.length = 0;
    vi.stubEnv('HF_HUB_OFFLINE', 'true');
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    expect(got).toMatchObject({ fromCache: true, commit: COMMIT, etag: sha256(BIG), size: BIG.length });
    expect(server.requests).toHaveLength(0);
    const listed = await listHubFiles({ id: REPO, type: 'dataset' }, 'abstract_generation_user', opts());
    expect(listed).toEqual({ commit: COMMIT, files: [BIG_PATH], fromCache: true });
  });

  test('unreachable Hub: falls back to the cache with a warning', async () => {
    await downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'README.md' }, opts());
    vi.stubEnv('HF_ENDPOINT', 'http://127.0.0.1:9'); // discard port: connection refused
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'README.md' }, opts());
    expect(got.fromCache).toBe(true);
    expect(sink.text).toContain('warning: could not reach http://127.0.0.1:9');
    const err = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts()).catch((e: Error) => e);
    expect((err as Error).message).toContain('could not reach http://127.0.0.1:9');
    expect((err as Error).message).toContain('not in the cache');
  });

  test('HF_TOKEN goes to the endpoint only, never to the CDN origin', async () => {
    vi.stubEnv('HF_TOKEN', 'hf_secret');
    server.requiredToken = 'hf_secret';
    await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    const head = server.requests.find((r) => r.method === 'HEAD');
    const cdn = server.requests.find((r) => r.path.startsWith('/cdn/'));
    expect(head?.authorization).toBe('Bearer hf_secret');
    expect(cdn?.host).toMatch(/^localhost:/);
    expect(cdn?.authorization).toBeUndefined();
    vi.stubEnv('HF_TOKEN', 'wrong');
    const err = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'README.md' }, opts()).catch((e: Error) => e);
    expect(err).toBeInstanceOf(HubHttpError);
    expect((err as HubHttpError).status).toBe(401);
    expect((err as Error).message).toContain('the token in HF_TOKEN has no access');
  });

  test('HF_HOME places the cache at $HF_HOME/hub', async () => {
    vi.stubEnv('HF_HUB_CACHE', '');
    vi.stubEnv('HF_HOME', cacheDir);
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'README.md' }, opts());
    expect(got.path.startsWith(path.join(cacheDir, 'hub', 'datasets--LongLaMP--LongLaMP'))).toBe(true);
  });

  test('file paths and repo ids that would escape the cache are rejected before any request', async () => {
    for (const bad of ['../../etc/passwd', '/etc/passwd', 'a/../../b', 'a//b', 'C:/x', 'a\\..\\b', './a']) {
      await expect(downloadHubFile({ repo: REPO, repoType: 'dataset', path: bad }, opts())).rejects.toThrow(/invalid file path/);
    }
    for (const bad of ['../x', 'a/b/c', 'owner/..', 'a--b/c', '']) {
      await expect(downloadHubFile({ repo: bad, repoType: 'dataset', path: 'README.md' }, opts())).rejects.toThrow(/invalid Hub repo id/);
    }
    await expect(downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'x' }, { ...opts(), revision: '../main' })).rejects.toThrow(
      /invalid Hub revision/,
    );
    expect(server.requests).toHaveLength(0);
  });

  test('a pinned commit already in the cache needs no request; findCachedHubFile sees it', async () => {
    await downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'README.md' }, opts());
    server.requests.length = 0;
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: 'README.md' }, { ...opts(), revision: COMMIT });
    expect(got.fromCache).toBe(true);
    expect(server.requests).toHaveLength(0);
    expect(await findCachedHubFile({ repo: REPO, repoType: 'dataset', path: 'README.md' }, { revision: 'v9' })).toBeUndefined();
  });

  test('a blob without its snapshot pointer is re-linked without downloading', async () => {
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    rmSync(got.path);
    server.requests.length = 0;
    const again = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    expect(readFileSync(again.path).equals(BIG)).toBe(true);
    expect(server.requests.some((r) => r.path.startsWith('/cdn/'))).toBe(false);
  });

  test('a stale .incomplete longer than the file is discarded', async () => {
    const blobs = path.join(cacheDir, 'datasets--LongLaMP--LongLaMP', 'blobs');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(blobs, { recursive: true });
    writeFileSync(path.join(blobs, `${sha256(BIG)}.incomplete`), Buffer.alloc(BIG.length + 10));
    const got = await downloadHubFile({ repo: REPO, repoType: 'dataset', path: BIG_PATH }, opts());
    expect(readFileSync(got.path).equals(BIG)).toBe(true);
  });
});
