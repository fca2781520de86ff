/**
 * Small helpers for hand-written inline SVG charts: escaping, linear scales with "nice" ticks,
 * number formatting and a colour palette (colour-blind safe, Okabe-Ito).
 * @module
 */

/** Escapes text for HTML and SVG content and attribute values. */
export function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Okabe-Ito colours, in the order series get them. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'] as const;

/** The colour of series `i`. */
export function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** A linear map from a data interval onto a pixel interval. */
export interface LinearScale {
  (value: number): number;
  domain: [number, number];
  ticks: number[];
}

/** About `count` round tick values covering [lo, hi] (1, 2, 5 x 10^k steps). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0];
  if (hi < lo) [lo, hi] = [hi, lo];
  if (hi === lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const start = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let v = start; v <= hi + step * 1e-9 + step; v += step) {
    ticks.push(Number(v.toPrecision(12)));
    if (v >= hi - step * 1e-9) break;
  }
  return ticks;
}

/**
 * A scale whose domain is widened to round ticks around [lo, hi].
 *
 * @param lo - smallest data value.
 * @param hi - largest data value.
 * @param range - pixel interval [start, end] (end may be smaller, for y axes).
 */
export function linearScale(lo: number, hi: number, range: [number, number], count = 5): LinearScale {
  const ticks = niceTicks(lo, hi, count);
  const d0 = Math.min(ticks[0]!, lo);
  const d1 = Math.max(ticks[ticks.length - 1]!, hi);
  const span = d1 - d0 || 1;
  const f = ((v: number) => range[0] + ((v - d0) / span) * (range[1] - range[0])) as LinearScale;
  f.domain = [d0, d1];
  f.ticks = ticks;
  return f;
}

/** Formats a tick: no more decimals than the step needs. */
export function formatTick(v: number, ticks: number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : Math.abs(v) || 1;
  const decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  const s = v.toFixed(decimals);
  return s === '-0' || /^-0\.0*$/.test(s) ? s.slice(1) : s;
}

/** A number with 4 decimals and a sign for differences. */
export function fmtSigned(x: number): string {
  return `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(4)}`;
}

/** A pixel coordinate with at most 2 decimals. */
export function px(v: number): string {
  return String(Math.round(v * 100) / 100);
}
