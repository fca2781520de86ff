import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRougeScorer, type RougeScore } from '../../../lib/metrics/rouge.js';
import { metricsFixture } from '../../helpers/shared.js';

const fixturePath = metricsFixture;

type FixtureRow = { id: string; prediction: string; reference: string } & Record<string, unknown>;

const TYPES = ['rouge1', 'rouge2', 'rougeL', 'rougeLsum'] as const;
const PARTS: ReadonlyArray<[suffix: string, key: keyof RougeScore]> = [
  ['', 'fmeasure'],
  ['_p', 'precision'],
  ['_r', 'recall'],
];

describe('ROUGE against rouge_score 0.1.2 on test/fixtures/metrics-dev.jsonl', () => {
  it('agrees within 1e-9 on every pair and every field, stemmed and not', () => {
    const rows = readFileSync(fixturePath, 'utf8')
      .split('\n')
      .filter((line) => line.trim().length > 0)
      .map((line) => JSON.parse(line) as FixtureRow);
    expect(rows.length).toBe(400);

    const scorers = [
      { suffix: '', scorer: createRougeScorer({ types: TYPES, useStemmer: false }) },
      { suffix: '_stem', scorer: createRougeScorer({ types: TYPES, useStemmer: true }) },
    ];
    let checked = 0;
    let maxDiff = 0;
    const failures: string[] = [];
    const perField = new Map<string, number>();
    for (const row of rows) {
      for (const { suffix, scorer } of scorers) {
        const scores = scorer.score(row.reference, row.prediction);
        for (const type of TYPES) {
          for (const [part, key] of PARTS) {
            const field = `${type}${suffix}${part}`;
            const expected = row[field];
            if (typeof expected !== 'number') throw new Error(`${row.id}: fixture field ${field} is missing`);
            const got = scores[type][key];
            const diff = Math.abs(got - expected);
            checked++;
            maxDiff = Math.max(maxDiff, diff);
            if (!(diff <= 1e-9)) {
              perField.set(field, (perField.get(field) ?? 0) + 1);
              if (failures.length < 20) failures.push(`${row.id} ${field}: got ${got}, expected ${expected}`);
            }
          }
        }
      }
    }
    const bad = [...perField.values()].reduce((a, b) => a + b, 0);
    console.log(
      `rouge-fixture: ${checked - bad}/${checked} values agree within 1e-9 ` +
        `(${rows.length} pairs x 24 fields), max |diff| = ${maxDiff.toExponential(2)}`,
    );
    if (failures.length > 0) console.log(failures.join('\n'), Object.fromEntries(perField));
    expect(failures).toEqual([]);
  });
});
