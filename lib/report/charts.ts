/**
 * The report's charts as inline SVG strings (no script, no network): a metric against beta with
 * CI bands, the distribution of per-user differences from the control, and tokens per second.
 * @module
 */
import { METRIC_LABELS } from '../eval/table.js';
import type { SummaryMetric } from '../eval/summary.js';
import type { LoadedRun } from './load-run.js';
import { colour, esc, fmtSigned, formatTick, linearScale, px } from './svg.js';

/** One point of a metric-vs-beta series. */
export interface BetaPoint {
  beta: number;
  mean: number;
  low: number;
  high: number;
  /** The system the point comes from. */
  system: string;
}

/** A line of the metric-vs-beta chart. */
export interface BetaSeries {
  label: string;
  colour: string;
  points: BetaPoint[];
}

/**
 * The series of a run for one metric: `bias` (the baseline at beta 0, which is exactly what
 * beta 0 generates, then each personalized system) and, with RAG, `RAG + bias` (RAG at beta 0).
 */
export function betaSeries(run: LoadedRun, metric: SummaryMetric, prefix: string, firstColour: number): BetaSeries[] {
  const systems = run.metrics.systems;
  const point = (s: (typeof systems)[number], beta: number): BetaPoint => ({ beta, ...s.metrics[metric], system: s.label });
  const out: BetaSeries[] = [];
  const build = (label: string, zero: (typeof systems)[number] | undefined, kind: 'personalized' | 'rag+bias'): void => {
    const biased = systems.filter((s) => s.kind === kind);
    if (biased.length === 0) return;
    const points = biased.map((s) => point(s, s.beta!));
    if (zero && !points.some((p) => p.beta === 0)) points.push(point(zero, 0));
    points.sort((a, b) => a.beta - b.beta);
    out.push({ label: `${prefix}${label}`, colour: colour(firstColour + out.length), points });
  };
  build('bias', systems.find((s) => s.kind === 'baseline'), 'personalized');
  build('RAG + bias', systems.find((s) => s.kind === 'rag'), 'rag+bias');
  return out;
}

const W = 520;
const H = 340;
const M = { l: 60, r: 18, t: 20, b: 48 };

/** Width for row labels of about 7.2 px per character (12 px font), and the chart width that leaves 320 px to plot. */
function rowLayout(labels: string[]): { labelW: number; width: number } {
  const labelW = Math.round(Math.min(420, Math.max(120, Math.max(...labels.map((l) => [...l].length)) * 7.2 + 24)));
  return { labelW, width: Math.max(W, labelW + 320 + M.r) };
}

/** A legend laid out in rows above the plot; returns the SVG and the height it takes. */
function legend(items: { label: string; colour: string }[], x: number, y: number, width: number): { svg: string; height: number } {
  let cx = 0;
  let row = 0;
  const parts = items.map((it) => {
    const w = 30 + it.label.length * 6.6;
    if (cx > 0 && cx + w > width) {
      cx = 0;
      row++;
    }
    const g =
      `<g class="legend-item" transform="translate(${px(x + cx)},${y + row * 18})"><path d="M0 0H18" stroke="${it.colour}" stroke-width="3"/>` +
      `<text x="24" y="4">${esc(it.label)}</text></g>`;
    cx += w + 12;
    return g;
  });
  return { svg: parts.join(''), height: (row + 1) * 18 };
}

/**
 * A metric against beta: one line per series with its CI band (and CI whiskers at the points).
 *
 * @param series - the lines.
 * @param metric - the metric (for the axis title).
 * @param confidence - the CI level, e.g. 0.95.
 */
export function metricVsBetaChart(series: BetaSeries[], metric: SummaryMetric, confidence: number): string {
  const all = series.flatMap((s) => s.points);
  if (all.length === 0) return '';
  const betas = all.map((p) => p.beta);
  const key = legend(series, M.l, 14, W - M.l - M.r);
  const top = M.t + key.height;
  const x = linearScale(Math.min(0, ...betas), Math.max(0, ...betas), [M.l + 14, W - M.r - 14], 6);
  const y = linearScale(Math.min(...all.map((p) => p.low)), Math.max(...all.map((p) => p.high)), [H - M.b, top], 5);
  const parts: string[] = [key.svg];
  for (const t of y.ticks) {
    parts.push(`<path class="grid" d="M${M.l} ${px(y(t))}H${W - M.r}"/>`);
    parts.push(`<text class="tick" x="${M.l - 6}" y="${px(y(t) + 4)}" text-anchor="end">${formatTick(t, y.ticks)}</text>`);
  }
  for (const t of x.ticks) {
    parts.push(`<path class="axis" d="M${px(x(t))} ${H - M.b}v5"/>`);
    parts.push(`<text class="tick" x="${px(x(t))}" y="${H - M.b + 18}" text-anchor="middle">${formatTick(t, x.ticks)}</text>`);
  }
  parts.push(`<path class="axis" d="M${M.l} ${top}V${H - M.b}H${W - M.r}"/>`);
  parts.push(`<text class="axis-title" x="${(M.l + W - M.r) / 2}" y="${H - 10}" text-anchor="middle">β (bias strength)</text>`);
  parts.push(
    `<text class="axis-title" transform="translate(16,${(top + H - M.b) / 2}) rotate(-90)" text-anchor="middle">${esc(METRIC_LABELS[metric])} (mean, ${Math.round(confidence * 100)}% CI)</text>`,
  );
  for (const s of series) {
    const pts = s.points;
    const upper = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(x(p.beta))} ${px(y(p.high))}`).join('');
    const lower = [...pts].reverse().map((p) => `L${px(x(p.beta))} ${px(y(p.low))}`).join('');
    if (pts.length > 1) parts.push(`<path class="band" d="${upper}${lower}Z" fill="${s.colour}" fill-opacity="0.16" stroke="none"/>`);
    parts.push(
      `<path class="line" d="${pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(x(p.beta))} ${px(y(p.mean))}`).join('')}" stroke="${s.colour}" fill="none" stroke-width="2"/>`,
    );
    for (const p of pts) {
      const cx = px(x(p.beta));
      parts.push(`<path class="whisker" d="M${cx} ${px(y(p.low))}V${px(y(p.high))}" stroke="${s.colour}" stroke-width="1.2"/>`);
      parts.push(
        `<circle class="point" cx="${cx}" cy="${px(y(p.mean))}" r="4" fill="${s.colour}"><title>${esc(s.label)} · ${esc(p.system)} · β=${p.beta}: ` +
          `${p.mean.toFixed(4)} [${p.low.toFixed(4)}, ${p.high.toFixed(4)}]</title></circle>`,
      );
    }
  }
  return `<svg class="chart-svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(METRIC_LABELS[metric])} against beta">${parts.join('')}</svg>`;
}

/** One row of the differences chart: a system against its control. */
export interface DifferenceRow {
  label: string;
  colour: string;
  /** Per-user differences (system − control). */
  values: { userId: string; diff: number }[];
  meanDiff: number;
  low: number;
  high: number;
  pValue: number;
}

/** The per-user differences of every compared system of a run (against its control) for a metric. */
export function differenceRows(run: LoadedRun, metric: SummaryMetric, prefix: string, firstColour: number): DifferenceRow[] {
  const byKey = new Map(run.predictions.map((p) => [`${p.system}\u0000${p.userId}`, p]));
  const labels = new Map(run.metrics.systems.map((s) => [s.id, s.label]));
  const rows: DifferenceRow[] = [];
  for (const s of run.metrics.systems) {
    const c = s.comparisons.find((x) => x.control);
    if (!c) continue;
    const values = run.config.users.flatMap((u) => {
      const a = byKey.get(`${s.id}\u0000${u}`);
      const b = byKey.get(`${c.against}\u0000${u}`);
      return a && b ? [{ userId: u, diff: a.metrics[metric] - b.metrics[metric] }] : [];
    });
    const d = c.metrics[metric];
    rows.push({
      label: `${prefix}${s.label} − ${labels.get(c.against) ?? c.against}`,
      colour: colour(firstColour + rows.length),
      values,
      meanDiff: d.meanDiff,
      low: d.low,
      high: d.high,
      pValue: d.pValue,
    });
  }
  return rows;
}

/**
 * Per-user differences from the control: one row per system, a dot per user, the mean with its
 * CI as a bar, and the zero line.
 */
export function differencesChart(rows: DifferenceRow[], metric: SummaryMetric): string {
  if (rows.length === 0) return '';
  const { labelW, width } = rowLayout(rows.map((r) => r.label));
  const rowH = 40;
  const h = M.t + rows.length * rowH + M.b;
  const extent = Math.max(1e-6, ...rows.flatMap((r) => [...r.values.map((v) => Math.abs(v.diff)), Math.abs(r.low), Math.abs(r.high)]));
  const x = linearScale(-extent, extent, [labelW, width - M.r], 6);
  const parts: string[] = [];
  for (const t of x.ticks) {
    parts.push(`<path class="grid" d="M${px(x(t))} ${M.t}V${h - M.b}"/>`);
    parts.push(`<text class="tick" x="${px(x(t))}" y="${h - M.b + 18}" text-anchor="middle">${formatTick(t, x.ticks)}</text>`);
  }
  parts.push(`<path class="zero" d="M${px(x(0))} ${M.t - 6}V${h - M.b}"/>`);
  parts.push(`<text class="axis-title" x="${(labelW + width - M.r) / 2}" y="${h - 10}" text-anchor="middle">Δ ${esc(METRIC_LABELS[metric])} per user (system − control)</text>`);
  rows.forEach((r, i) => {
    const cy = M.t + i * rowH + rowH / 2;
    parts.push(`<text class="row-label" x="${labelW - 10}" y="${px(cy + 4)}" text-anchor="end">${esc(r.label)}</text>`);
    parts.push(
      `<path class="ci" d="M${px(x(r.low))} ${px(cy)}H${px(x(r.high))}" stroke="${r.colour}" stroke-width="6" stroke-opacity="0.35" stroke-linecap="round"><title>${esc(r.label)}: mean ${fmtSigned(r.meanDiff)} [${fmtSigned(r.low)}, ${fmtSigned(r.high)}], p=${r.pValue.toFixed(3)}</title></path>`,
    );
    const mx = x(r.meanDiff);
    parts.push(`<path class="mean" d="M${px(mx)} ${px(cy - 7)}L${px(mx + 6)} ${px(cy)}L${px(mx)} ${px(cy + 7)}L${px(mx - 6)} ${px(cy)}Z" fill="${r.colour}"/>`);
    r.values.forEach((v, j) => {
      const jitter = ((j * 7) % 5) - 2;
      parts.push(
        `<circle class="user" cx="${px(x(v.diff))}" cy="${px(cy + 12 + jitter * 1.5)}" r="3" fill="${r.colour}" fill-opacity="0.7"><title>${esc(v.userId)}: ${fmtSigned(v.diff)}</title></circle>`,
      );
    });
  });
  return `<svg class="chart-svg" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}" role="img" aria-label="per-user differences in ${esc(METRIC_LABELS[metric])}">${parts.join('')}</svg>`;
}

/** One bar of the speed chart. */
export interface SpeedRow {
  label: string;
  /** Median over the system's generations of each generation's tokens/s. */
  tokensPerSecond: number;
  /** Each generation's tokens/s. */
  samples: number[];
  colour: string;
}

/** The speed rows of a run (one per system). */
export function speedRows(run: LoadedRun, prefix: string, firstColour: number): SpeedRow[] {
  return run.metrics.systems.map((s, i) => ({
    label: `${prefix}${s.label}`,
    tokensPerSecond: s.speed.medianTokensPerSecond,
    samples: run.predictions.filter((p) => p.system === s.id).map((p) => p.timing.tokensPerSecond),
    colour: colour(firstColour + i),
  }));
}

/** Generated tokens per second: a bar per system (the median generation), a dot per generation. */
export function speedChart(rows: SpeedRow[]): string {
  if (rows.length === 0) return '';
  const { labelW, width } = rowLayout(rows.map((r) => r.label));
  const rowH = 30;
  const h = M.t + rows.length * rowH + M.b;
  const x = linearScale(0, Math.max(1, ...rows.flatMap((r) => [r.tokensPerSecond, ...r.samples])), [labelW, width - M.r], 5);
  const parts: string[] = [];
  for (const t of x.ticks) {
    parts.push(`<path class="grid" d="M${px(x(t))} ${M.t}V${h - M.b}"/>`);
    parts.push(`<text class="tick" x="${px(x(t))}" y="${h - M.b + 18}" text-anchor="middle">${formatTick(t, x.ticks)}</text>`);
  }
  parts.push(`<text class="axis-title" x="${(labelW + width - M.r) / 2}" y="${h - 10}" text-anchor="middle">generated tokens per second</text>`);
  rows.forEach((r, i) => {
    const top = M.t + i * rowH + 6;
    const bh = rowH - 12;
    parts.push(`<text class="row-label" x="${labelW - 10}" y="${px(top + bh / 2 + 4)}" text-anchor="end">${esc(r.label)}</text>`);
    parts.push(
      `<path class="bar" d="M${labelW} ${px(top)}H${px(x(r.tokensPerSecond))}V${px(top + bh)}H${labelW}Z" fill="${r.colour}" fill-opacity="0.75"><title>${esc(r.label)}: median ${r.tokensPerSecond.toFixed(1)} tokens/s</title></path>`,
    );
    for (const s of r.samples) parts.push(`<circle class="sample" cx="${px(x(s))}" cy="${px(top + bh / 2)}" r="2.2" fill="#222" fill-opacity="0.55"/>`);
  });
  return `<svg class="chart-svg" viewBox="0 0 ${width} ${h}" width="${width}" height="${h}" role="img" aria-label="tokens per second">${parts.join('')}</svg>`;
}
