import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { registerScoreCommand } from '../../../lib/commands/score.js';
import { rouge } from '../../../lib/metrics/rouge.js';
import { nltkData } from '../../helpers/shared.js';

const dir = mkdtempSync(path.join(tmpdir(), 'score-command-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const input = path.join(dir, 'input.jsonl');
writeFileSync(
  input,
  [
    '{"id":"a","prediction":"The cat sat on the mat.","reference":"The cat sat on the mat."}',
    '{"id":"b","prediction":"","reference":"A dog barked loudly."}',
    'this line is not JSON',
    '{"id":"c","prediction":"The dogs were barking.","reference":"A dog barked loudly."}',
    '',
  ].join('\n'),
);

async function run(args: string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const program = new Command().exitOverride();
  program.configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
  registerScoreCommand(program, {
    stdout: { write: (s: string) => void (stdout += s) },
    stderr: { write: (s: string) => void (stderr += s), isTTY: false },
  });
  await program.parseAsync(['score', ...args, '--nltk-data', nltkData], { from: 'user' });
  return { stdout, stderr };
}

describe('score command', () => {
  it('stops at an invalid line, naming file and line', async () => {
    await expect(run([input])).rejects.toThrow(`${input}:3: invalid JSON`);
  });

  it('prints a table of means with 95% CIs, the skip count and the stemming state', async () => {
    const { stdout, stderr } = await run([input, '--skip-invalid', '--resamples', '200']);
    expect(stderr).toContain(`warning: ${input}:3: invalid JSON`);
    expect(stdout).toContain(`scored 3 examples from ${input}`);
    expect(stdout).toContain('invalid lines skipped: 1');
    expect(stdout).toContain('stemming: off');
    expect(stdout).toMatch(/95% CI/);
    for (const label of ['ROUGE-1', 'ROUGE-2', 'ROUGE-L', 'ROUGE-Lsum', 'METEOR']) {
      expect(stdout).toMatch(new RegExp(`^${label} +\\d\\.\\d{4} +\\[\\d\\.\\d{4}, \\d\\.\\d{4}\\]$`, 'm'));
    }
    expect(stdout).toContain('200 resamples, seed 0');
  });

  it('--json prints only JSON on stdout; --per-example writes one line per example', async () => {
    const perExample = path.join(dir, 'per-example.jsonl');
    writeFileSync(perExample, 'old content\n'); // replaced, not appended to
    const { stdout } = await run([input, '--skip-invalid', '--json', '--stem', '--seed', '7', '--resamples', '100', '--per-example', perExample]);
    const report = JSON.parse(stdout) as {
      n: number; skipped: number; stemmed: boolean; seed: number; resamples: number;
      metrics: Record<string, { mean: number; low: number; high: number }>; perExample: string;
    };
    expect(report).toMatchObject({ n: 3, skipped: 1, stemmed: true, seed: 7, resamples: 100, perExample });
    expect(Object.keys(report.metrics)).toEqual(['rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'meteor']);

    const lines = readFileSync(perExample, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.id)).toEqual(['a', 'b', 'c']);
    for (const l of lines) expect(Object.keys(l)).toEqual(['id', 'rouge1', 'rouge2', 'rougeL', 'rougeLsum', 'meteor']);
    expect(lines[0]).toMatchObject({ rouge1: 1, rougeL: 1, rougeLsum: 1 });
    expect(lines[0]!.meteor as number).toBeGreaterThan(0.99);
    expect(lines[1]).toEqual({ id: 'b', rouge1: 0, rouge2: 0, rougeL: 0, rougeLsum: 0, meteor: 0 });
    const stemmed = rouge('A dog barked loudly.', 'The dogs were barking.', { useStemmer: true });
    expect(lines[2]!.rouge1).toBe(stemmed.rouge1.fmeasure);
    const mean1 = (1 + 0 + stemmed.rouge1.fmeasure) / 3;
    expect(report.metrics.rouge1!.mean).toBe(mean1);
  });

  it('rejects bad --seed / --resamples values, naming the option', async () => {
    await expect(run([input, '--resamples', '0'])).rejects.toThrow(/--resamples expects an integer >= 1, got "0"/);
    await expect(run([input, '--seed', 'abc'])).rejects.toThrow(/--seed expects an integer >= 0, got "abc"/);
  });
});
