import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMeteorScorer, type MeteorScorer } from '../../../lib/metrics/meteor.js';
import { emptyPunktParameters } from '../../../lib/metrics/punkt.js';
import { metricsFixture, nltkData } from '../../helpers/shared.js';

const fixture = metricsFixture;

interface Row {
  id: string;
  kind: string;
  prediction: string;
  reference: string;
  meteor: number;
}

function loadRows(): Row[] {
  return readFileSync(fixture, 'utf8')
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .map((l, i) => {
      const row = JSON.parse(l) as Row;
      if (typeof row.meteor !== 'number') throw new Error(`${fixture} line ${i + 1}: no numeric "meteor"`);
      return row;
    });
}

interface Agreement {
  exact: number;
  within002: number;
  maxDiff: number;
  worst: Array<{ id: string; kind: string; expected: number; got: number }>;
  seconds: number;
}

function agreement(scorer: MeteorScorer, rows: readonly Row[]): Agreement {
  let exact = 0;
  let within002 = 0;
  let maxDiff = 0;
  const worst: Agreement['worst'] = [];
  const t0 = performance.now();
  const got = rows.map((r) => scorer.score(r.reference, r.prediction));
  const seconds = (performance.now() - t0) / 1000;
  rows.forEach((r, i) => {
    const g = got[i] as number;
    const d = Math.abs(g - r.meteor);
    if (d <= 1e-6) exact++;
    else worst.push({ id: r.id, kind: r.kind, expected: r.meteor, got: g });
    if (d <= 0.02) within002++;
    maxDiff = Math.max(maxDiff, d);
  });
  return { exact, within002, maxDiff, worst, seconds };
}

describe('METEOR vs NLTK 3.10.3 on test/fixtures/metrics-dev.jsonl', () => {
  it('agrees within 1e-6 on >= 99% of pairs and within 0.02 on all (punkt_tab from test/fixtures/nltk_data)', async () => {
    const rows = loadRows();
    const t0 = performance.now();
    const scorer = await createMeteorScorer({ alpha: 0.9, beta: 3, gamma: 0.5, env: { NLTK_DATA: nltkData } });
    const loadMs = performance.now() - t0;
    const a = agreement(scorer, rows);
    // Second pass: caches warm (stems, synonyms).
    const warm = agreement(scorer, rows);
    console.log(
      `METEOR fixture (punkt_tab): ${a.exact}/${rows.length} within 1e-6 (${((100 * a.exact) / rows.length).toFixed(2)}%), ` +
        `${a.within002}/${rows.length} within 0.02, max |diff| ${a.maxDiff.toExponential(3)}; ` +
        `scorer load ${loadMs.toFixed(0)} ms; ${(rows.length / a.seconds).toFixed(0)} pairs/s cold, ` +
        `${(rows.length / warm.seconds).toFixed(0)} pairs/s warm`,
    );
    for (const w of a.worst) console.log(`  disagreement ${w.id} (${w.kind}): expected ${w.expected}, got ${w.got}`);
    expect(a.exact / rows.length).toBeGreaterThanOrEqual(0.99);
    expect(a.within002).toBe(rows.length);
  });

  it('reports agreement without Punkt parameters (informational)', async () => {
    const rows = loadRows();
    const scorer = await createMeteorScorer({ punktParameters: emptyPunktParameters() });
    const a = agreement(scorer, rows);
    console.log(
      `METEOR fixture (empty Punkt model): ${a.exact}/${rows.length} within 1e-6 (${((100 * a.exact) / rows.length).toFixed(2)}%), ` +
        `${a.within002}/${rows.length} within 0.02, max |diff| ${a.maxDiff.toExponential(3)}`,
    );
    expect(a.within002).toBeGreaterThan(0);
  });
});
