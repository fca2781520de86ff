/**
 * Plain-text tables of the benchmark report: one row per figure, with median, min and max.
 * @module
 */
import type { BenchStat } from './stats.js';

/** One printed row: a label and either a statistic or a single value. */
export interface Row {
  label: string;
  stat?: BenchStat;
  value?: number | string | null;
  unit?: string;
  digits?: number;
  note?: string;
}

function fmt(x: number, digits: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toFixed(digits);
}

/** Renders a titled section of rows as aligned text. */
export function renderSection(title: string, rows: readonly Row[]): string {
  const cells = rows.map((r) => {
    const d = r.digits ?? 2;
    const median = r.stat ? fmt(r.stat.median, d) : r.value === null || r.value === undefined ? '-' : typeof r.value === 'number' ? fmt(r.value, d) : r.value;
    const range = r.stat ? `${fmt(r.stat.min, d)} .. ${fmt(r.stat.max, d)}` : '';
    return [r.label, median, r.unit ?? '', range, r.note ?? ''];
  });
  const head = ['', 'median', 'unit', 'min .. max', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    [c[0]!.padEnd(widths[0]!), c[1]!.padStart(widths[1]!), c[2]!.padEnd(widths[2]!), c[3]!.padEnd(widths[3]!), c[4]!]
      .join('  ')
      .trimEnd();
  return [`== ${title}`, line(head), ...cells.map(line), ''].join('\n');
}
