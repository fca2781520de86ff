/**
 * The terminal tables of a run: each system's means with 95% CIs and speed, then each
 * personalized / RAG system's paired difference from its control with CI and p-value.
 * @module
 */
import type { EvalSummary, SummaryMetric, SystemSummary } from './summary.js';

/** The metrics the tables show (the LongLaMP papers' three). */
export const TABLE_METRICS: readonly SummaryMetric[] = ['rouge1', 'rougeL', 'meteor'];

/** Display names of the metrics. */
export const METRIC_LABELS: Readonly<Record<SummaryMetric, string>> = {
  rouge1: 'ROUGE-1',
  rouge2: 'ROUGE-2',
  rougeL: 'ROUGE-L',
  rougeLsum: 'ROUGE-Lsum',
  meteor: 'METEOR',
};

/** Lays out rows of cells as aligned columns (first column left-aligned, the others right-aligned). */
export function alignColumns(rows: string[][], gap = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows.map((row) =>
    row
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - [...c].length);
        return i === 0 ? c + pad : pad + c;
      })
      .join(gap)
      .trimEnd(),
  );
}

const f4 = (x: number): string => x.toFixed(4);
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;

/** Formats a p-value with three significant decimals (`<0.001` below). */
export function formatP(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

function speedCell(s: SystemSummary): string {
  const v = s.speed.medianTokensPerSecond;
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

/**
 * Formats the summary as text tables.
 *
 * @param summary - the run's summary.
 * @param title - a first line (task, config, model) or undefined.
 */
export function formatSummaryTables(summary: EvalSummary, title?: string): string {
  const pct = Math.round(summary.statistics.confidence * 100);
  const out: string[] = [];
  if (title) out.push(title, '');
  const head = ['system', 'n', ...TABLE_METRICS.map((m) => `${METRIC_LABELS[m]} [${pct}% CI]`), 'tok/s (median)'];
  const rows = summary.systems.map((s) => [
    s.label,
    String(s.n),
    ...TABLE_METRICS.map((m) => `${f4(s.metrics[m].mean)} [${f4(s.metrics[m].low)}, ${f4(s.metrics[m].high)}]`),
    speedCell(s),
  ]);
  out.push(...alignColumns([head, ...rows]));

  const compared = summary.systems.filter((s) => s.comparisons.length > 0);
  if (compared.length > 0) {
    out.push('');
    const dhead = ['difference from control (paired)', ...TABLE_METRICS.map((m) => `Δ${METRIC_LABELS[m]} [${pct}% CI] p`), 'W/T/L ROUGE-L'];
    const drows: string[][] = [];
    for (const s of compared) {
      for (const c of s.comparisons.filter((x) => x.control)) {
        const against = summary.systems.find((x) => x.id === c.against)?.label ?? c.against;
        const l = c.metrics.rougeL;
        drows.push([
          `${s.label} − ${against}`,
          ...TABLE_METRICS.map((m) => {
            const d = c.metrics[m];
            return `${signed(d.meanDiff)} [${signed(d.low)}, ${signed(d.high)}] p=${formatP(d.pValue)}`;
          }),
          `${l.wins}/${l.ties}/${l.losses}`,
        ]);
      }
    }
    out.push(...alignColumns([dhead, ...drows]));
  }
  const empty = summary.systems.reduce((a, s) => a + s.emptyOutputs, 0);
  const truncated = summary.systems.reduce((a, s) => a + s.truncatedPrompts, 0);
  out.push('');
  out.push(
    `CIs: ${summary.statistics.ci}. p: ${summary.statistics.pValue}. ` +
      `ROUGE: F-measure, no stemming; METEOR: NLTK (alpha 0.9, beta 3, gamma 0.5). ` +
      `Empty outputs (scored 0, kept): ${empty}. Truncated prompts: ${truncated}.` +
      (summary.systems.some((s) => s.kind === 'rag+bias') ? ' metrics.json also compares RAG + bias with the baseline.' : ''),
  );
  if (summary.users <= 12 && compared.length > 0) {
    const minP = Math.min(1, 2 / 2 ** summary.users);
    out.push(
      `Note: with ${summary.users} users no p-value can fall below ${formatP(minP)} (2/2^${summary.users}), and bootstrap CIs ` +
        'of so few users are too narrow; use more users (--num-users) before reading anything into these numbers.',
    );
  }
  return `${out.join('\n')}\n`;
}
