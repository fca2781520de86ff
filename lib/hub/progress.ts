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

/** Starts a progress display; see {@link ProgressOptions}. */
export function createProgress(opts: ProgressOptions): Progress {
  const stream = opts.stream ?? process.stderr;
  const mode = opts.mode ?? 'auto';
  const resolved = mode === 'auto' ? (stream.isTTY ? 'bar' : 'lines') : mode;
  if (resolved === 'none') return NOOP;

  const start = opts.start ?? 0;
  const startedAt = Date.now();
  const fmt = (v: number): string => (opts.unit === 'bytes' ? formatBytes(v) : String(v));
  const speedOf = (v: number): string => {
    const secs = (Date.now() - startedAt) / 1000;
    const rate = secs > 0 ? (v - start) / secs : 0;
    return opts.unit === 'bytes' ? `${formatBytes(rate)}/s` : `${rate.toFixed(1)}/s`;
  };
  const etaOf = (v: number): string => {
    const secs = (Date.now() - startedAt) / 1000;
    const rate = secs > 0 ? (v - start) / secs : 0;
    return opts.total > 0 && rate > 0 ? formatDuration((opts.total - v) / rate) : '?';
  };

  let value = start;
  if (resolved === 'bar') {
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
      done: fmt(value),
      all: opts.total > 0 ? fmt(opts.total) : '?',
      speed: speedOf(value),
      etaText: etaOf(value),
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

  const step = opts.lineStepPercent ?? 10;
  let nextPct = opts.total > 0 ? (Math.floor(((start / opts.total) * 100) / step) + 1) * step : Infinity;
  let finished = false;
  const write = (line: string): void => {
    stream.write(`${line}\n`);
  };
  write(
    `${opts.label}: starting (${opts.total > 0 ? fmt(opts.total) : 'size unknown'}${start > 0 ? `, resuming at ${fmt(start)}` : ''})`,
  );
  const report = (): void => {
    if (opts.total <= 0) return;
    const pct = (value / opts.total) * 100;
    if (pct + 1e-9 < nextPct || pct >= 100) return;
    const shown = Math.floor(pct / step) * step;
    write(`${opts.label}: ${shown}% (${fmt(value)} / ${fmt(opts.total)}, ${speedOf(value)}, ETA ${etaOf(value)})`);
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
      const secs = (Date.now() - startedAt) / 1000;
      write(`${opts.label}: done (${fmt(value)} in ${formatDuration(secs)}, ${speedOf(value)})`);
    },
  };
}
