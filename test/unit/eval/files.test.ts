import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { cachedSha256 } from '../../../lib/eval/file-hash.js';
import { latestRunDir, lockRunDir, newRunDir, timestampSlug } from '../../../lib/eval/run-folder.js';

const tmp = (): string => mkdtempSync(path.join(tmpdir(), 'pg-files-'));

describe('cachedSha256', () => {
  it('hashes once and reuses the hash while path, size and mtime match', async () => {
    const dir = tmp();
    const cache = path.join(dir, 'cache');
    const file = path.join(dir, 'model.gguf');
    writeFileSync(file, 'hello');
    const want = createHash('sha256').update('hello').digest('hex');
    expect(await cachedSha256(file, cache)).toMatchObject({ sha256: want, size: 5, cached: false });
    expect(await cachedSha256(file, cache)).toMatchObject({ sha256: want, cached: true });
    expect(JSON.parse(readFileSync(path.join(cache, 'file-hashes.json'), 'utf8'))[file].sha256).toBe(want);
    writeFileSync(file, 'jello');
    utimesSync(file, new Date(2001, 1, 1), new Date(2001, 1, 1));
    const again = await cachedSha256(file, cache);
    expect(again.cached).toBe(false);
    expect(again.sha256).toBe(createHash('sha256').update('jello').digest('hex'));
  });
});

describe('run folders', () => {
  it('names new folders by time and task, never reusing one', () => {
    const root = tmp();
    const when = new Date(2025, 0, 2, 3, 4, 5);
    expect(timestampSlug(when)).toBe('20250102-030405');
    const a = newRunDir(root, 'LongLaMP-2', when);
    expect(a).toBe(path.join(root, '20250102-030405-LongLaMP-2'));
    writeFileSync(path.join(root, 'x'), '');
    lockRunDir(a)();
    expect(newRunDir(root, 'LongLaMP-2', when)).toBe(`${a}-2`);
  });

  it('finds the latest run folder', () => {
    const root = tmp();
    expect(latestRunDir(root)).toBeUndefined();
    const a = path.join(root, 'a');
    const b = path.join(root, 'b');
    lockRunDir(a)();
    lockRunDir(b)();
    writeFileSync(path.join(a, 'config.json'), '{}');
    writeFileSync(path.join(b, 'config.json'), '{}');
    utimesSync(path.join(a, 'config.json'), new Date(2030, 1, 1), new Date(2030, 1, 1));
    expect(latestRunDir(root)).toBe(a);
  });

  it('locks a folder against a second live process and takes over a dead one\'s lock', () => {
    const dir = path.join(tmp(), 'run');
    const release = lockRunDir(dir);
    writeFileSync(path.join(dir, '.lock'), String(process.ppid)); // a live process that is not us
    expect(() => lockRunDir(dir)).toThrow(`is in use by another persona-gen process (pid ${process.ppid})`);
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)']).stdout.toString().trim();
    writeFileSync(path.join(dir, '.lock'), dead);
    const release2 = lockRunDir(dir);
    expect(readFileSync(path.join(dir, '.lock'), 'utf8')).toBe(String(process.pid));
    release2();
    expect(existsSync(path.join(dir, '.lock'))).toBe(false);
    release();
  });
});
