// The committed test data (test/fixtures/) is what its README says: every file listed with its
// sha256, and no file that is not listed (so origin and licence are known for each).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixturesDir, metricsFixture, nltkData, punktEnglish, storiesModel } from '../../helpers/shared.js';

/** Every file under `dir`, relative to it, with / separators. */
function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('test/fixtures', () => {
  const readme = readFileSync(path.join(fixturesDir, 'README.md'), 'utf8');
  const listed = new Map([...readme.matchAll(/^\| `([^`]+)` \| `([0-9a-f]{64})` \|/gm)].map((m) => [m[1]!, m[2]!]));

  it('lists six files, and each matches its sha256', () => {
    expect(listed.size).toBe(6);
    for (const [file, sha] of listed) {
      const got = createHash('sha256').update(readFileSync(path.join(fixturesDir, file))).digest('hex');
      expect(got, file).toBe(sha);
    }
  });

  it('holds no file the README does not list', () => {
    expect(listFiles(fixturesDir).filter((f) => f !== 'README.md').sort()).toEqual([...listed.keys()].sort());
  });

  it('is where the test helper points', () => {
    const rel = (p: string) => path.relative(fixturesDir, p).split(path.sep).join('/');
    expect(listed.has(rel(storiesModel))).toBe(true);
    expect(listed.has(rel(metricsFixture))).toBe(true);
    expect(listed.has(`${rel(punktEnglish)}/sent_starters.txt`)).toBe(true);
    expect(rel(punktEnglish).startsWith(`${rel(nltkData)}/`)).toBe(true);
  });
});
