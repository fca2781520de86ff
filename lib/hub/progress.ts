/**
 * Progress reporting on stderr: a cli-progress bar (value, speed, ETA) when the stream is a TTY,
 * plain lines at every 10% otherwise (logs, CI), or nothing.
 */
import cliProgress from 'cli-progress';

/** `auto`: bar on a TTY, lines elsewhere. */
export type ProgressMode = 'auto' | 'bar' | 'lines' | 'none';

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Shown in front of the bar / at the start of each line, e.g. the file name. */
  label: string;
  /** Total amount (bytes or items); 0 or unknown prints no percentages. */
  total: number;
  /** How values are printed. */
  unit: 'bytes' | 'items';
  /** Value already done when starting (e.g. a resumed download). */
  start?: number;
  mode?: ProgressMode;
  /** Output stream; default `process.stderr`. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Percent step of plain lines; default 10. */
  lineStepPercent?: number;
}

/** A running progress display. */
export interface Progress {
  /** Sets the absolute value done. */
  update(value: number): void;
  /** Adds to the value done. */
  increment(delta: number): void;
  /** Ends the display (prints a final line in `lines` mode). */
  finish(): void;
}

/** Formats a byte count, e.g. `1.5 MB`. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** Formats seconds as `1h02m`, `3m05s` or `12s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

const NOOP: Progress = { update() {}, increment() {}, finish() {} };

/** How a display formats amounts, speed and time left, from the start value and time. */
interface ProgressFormat {
  fmt(v: number): string;
  speedOf(v: number): string;
  etaOf(v: number): string;
  startedAt: number;
}

function progressFormat(opts: ProgressOptions, start: number): ProgressFormat {
  const startedAt = Date.now();
  const fmt = (v: number): string => (opts.unit === 'bytes' ? formatBytes(v) : String(v));
  const rateOf = (v: number): number => {
    const secs = (Date.now() - startedAt) / 1000;
    return secs > 0 ? (v - start) / secs : 0;
  };
  return {
    fmt,
    startedAt,
    speedOf: (v) => (opts.unit === 'bytes' ? `${formatBytes(rateOf(v))}/s` : `${rateOf(v).toFixed(1)}/s`),
    etaOf: (v) => {
      const rate = rateOf(v);
      return opts.total > 0 && rate > 0 ? formatDuration((opts.total - v) / rate) : '?';
    },
  };
}

/** A cli-progress bar (a TTY). */
function barProgress(opts: ProgressOptions, stream: NonNullable<ProgressOptions['stream']>, start: number, f: ProgressFormat): Progress {
  let value = start;
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: `${opts.label} [{bar}] {percentage}% | {done}/{all} | {speed} | ETA {etaText}`,
      hideCursor: false,
      clearOnComplete: false,
      fps: 5,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const payload = (): Record<string, string> => ({
    done: f.fmt(value),
    all: opts.total > 0 ? f.fmt(opts.total) : '?',
    speed: f.speedOf(value),
    etaText: f.etaOf(value),
  });
  bar.start(Math.max(opts.total, 1), start, payload());
  let stopped = false;
  return {
    update(v) {
      value = v;
      bar.update(v, payload());
    },
    increment(d) {
      this.update(value + d);
    },
    finish() {
      if (stopped) return;
      stopped = true;
      bar.update(value, payload());
      bar.stop();
    },
  };
}

/** A line every `lineStepPercent` (logs, CI). */
function lineProgress(opts: ProgressOptions, stream: NonNullable<ProgressOptions['stream']>, start: number, f: ProgressFormat): Progress {
  let value = start;
  const step = opts.lineStepPercent ?? 10;
  let nextPct = opts.total > 0 ? (Math.floor(((start / opts.total) * 100) / step) + 1) * step : Infinity;
  let finished = false;
  const write = (line: string): void => {
    stream.write(`${line}\n`);
  };
  write(`${opts.label}: starting (${opts.total > 0 ? f.fmt(opts.total) : 'size unknown'}${start > 0 ? `, resuming at ${f.fmt(start)}` : ''})`);
  const report = (): void => {
    if (opts.total <= 0) return;
    const pct = (value / opts.total) * 100;
    if (pct + 1e-9 < nextPct || pct >= 100) return;
    const shown = Math.floor(pct / step) * step;
    write(`${opts.label}: ${shown}% (${f.fmt(value)} / ${f.fmt(opts.total)}, ${f.speedOf(value)}, ETA ${f.etaOf(value)})`);
    nextPct = shown + step;
  };
  return {
    update(v) {
      value = v;
      report();
    },
    increment(d) {
      this.update(value + d);
    },
    finish() {
      if (finished) return;
      finished = true;
      const secs = (Date.now() - f.startedAt) / 1000;
      write(`${opts.label}: done (${f.fmt(value)} in ${formatDuration(secs)}, ${f.speedOf(value)})`);
    },
  };
}

/** Starts a progress display; see {@link ProgressOptions}. */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const mode = opts.mode ?? 'auto';
  const resolved = mode === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : mode;
  if (resolved === 'none') return NOOP;
  const start = opts.start ?? 0;
  const f = progressFormat(opts, start);
  return resolved === 'bar' ? barProgress(opts, stream, start, f) : lineProgress(opts, stream, start, f);
}
