// `persona-gen score` on worker threads prints exactly what the serial path prints: the same
// JSON summary (means and bootstrap CIs to the last digit) and the same per-example file,
// on the metrics fixture (400 pairs, above the 256-row threshold where workers start).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, metricsFixture, nltkData } from '../helpers/shared.js';

const fixture = metricsFixture;
if (!existsSync(fixture)) console.warn(`[tests] ${fixture} is absent: the score --threads test is skipped`);

describe.skipIf(!existsSync(fixture))('persona-gen score --threads', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'score-threads-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const score = (threads: number, extra: string[] = []) => {
    const perExample = path.join(dir, `per-example-${threads}-${extra.join('')}.jsonl`);
    const r = spawnSync(
      process.execPath,
      [path.join(repoRoot, 'dist', 'cli.js'), 'score', fixture, '--json', '--threads', String(threads), '--per-example', perExample, '--nltk-data', nltkData, ...extra],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    // The summary names the per-example file, which differs by run: compare the rest as printed.
    const summary = r.stdout.replace(JSON.stringify(perExample), '"<per-example>"');
    return { summary, perExample: readFileSync(perExample, 'utf8') };
  };

  it('gives the serial path\'s summary and per-example scores, byte for byte', () => {
    const serial = score(1);
    const parallel = score(2);
    const three = score(3, ['--stem']);
    const serialStem = score(1, ['--stem']);
    expect(parallel.summary).toBe(serial.summary);
    expect(parallel.perExample).toBe(serial.perExample);
    expect(three.summary).toBe(serialStem.summary);
    expect(three.perExample).toBe(serialStem.perExample);
    const lines = parallel.perExample.trim().split('\n').map((l) => JSON.parse(l) as { id: string });
    expect(lines).toHaveLength(400);
    expect(lines.map((l) => l.id)).toEqual(Array.from({ length: 400 }, (_, i) => `dev-${String(i).padStart(4, '0')}`));
    // The per-example scores are the fixture's reference values (rouge_score 0.1.2; ROUGE exactly).
    const expected = readFileSync(fixture, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>);
    lines.forEach((l, i) => expect((l as unknown as Record<string, number>).rougeL).toBeCloseTo(expected[i]!.rougeL!, 12));
    expect(JSON.parse(serial.summary).n).toBe(400);
  });

  it('rejects a thread count that is not a positive integer, naming the option', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'score', fixture, '--threads', '0'], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('--threads expects an integer >= 1, got "0"');
  });
});
