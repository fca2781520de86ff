/**
 * A run folder: `config.json`, `predictions.jsonl`, `metrics.json`, and while a process works in
 * it a `.lock` file holding its pid (a lock left by a killed process is taken over).
 * @module
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';

/** File names inside a run folder. */
export const RUN_FILES = {
  config: 'config.json',
  predictions: 'predictions.jsonl',
  metrics: 'metrics.json',
  lock: '.lock',
} as const;

/** Paths of a run folder's files. */
export interface RunPaths {
  dir: string;
  config: string;
  predictions: string;
  metrics: string;
  lock: string;
}

/** The paths of the files of run folder `dir`. */
export function runPaths(dir: string): RunPaths {
  const abs = path.resolve(dir);
  return {
    dir: abs,
    config: path.join(abs, RUN_FILES.config),
    predictions: path.join(abs, RUN_FILES.predictions),
    metrics: path.join(abs, RUN_FILES.metrics),
    lock: path.join(abs, RUN_FILES.lock),
  };
}

/** `YYYYMMDD-HHMMSS` in local time. */
export function timestampSlug(date: Date = new Date()): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/**
 * A new folder name `<root>/<timestamp>-<name>` that does not exist yet (`-2`, `-3`... appended
 * when runs start within the same second).
 */
export function newRunDir(root: string, name: string, date: Date = new Date()): string {
  const base = path.resolve(root, `${timestampSlug(date)}-${name.replace(/[^A-Za-z0-9._-]+/g, '_')}`);
  let dir = base;
  for (let i = 2; existsSync(dir); i++) dir = `${base}-${i}`;
  return dir;
}

/** The most recently created run folder under `root` that has a `config.json`, or undefined. */
export function latestRunDir(root: string): string | undefined {
  if (!existsSync(root)) return undefined;
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(root, e.name, RUN_FILES.config)))
    .map((e) => path.join(root, e.name));
  dirs.sort((a, b) => statSync(path.join(a, RUN_FILES.config)).mtimeMs - statSync(path.join(b, RUN_FILES.config)).mtimeMs || a.localeCompare(b));
  return dirs.at(-1) ? path.resolve(dirs.at(-1)!) : undefined;
}

/** Writes a file atomically (temporary file + rename) with a trailing newline. */
export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text.endsWith('\n') ? text : `${text}\n`);
  renameSync(tmp, file);
}

/** Writes JSON (2-space indent) atomically. */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, JSON.stringify(value, null, 2));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // kill(pid, 0) also succeeds on a process that was killed but not yet reaped (a zombie, e.g.
  // under a container init that does not reap): on Linux, ask /proc for its state.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
  } catch {
    // no /proc (not Linux) or the process just went away
  }
  return true;
}

/**
 * Takes the folder's lock for this process; a lock whose process is gone is taken over.
 *
 * @returns a function that releases it.
 * @throws Error when another live process holds it.
 */
export function lockRunDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const lock = runPaths(dir).lock;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          if (readFileSync(lock, 'utf8').trim() === String(process.pid)) unlinkSync(lock);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new Error(`${dir} is in use by another persona-gen process (pid ${pid}); wait for it or stop it first`);
      }
      unlinkSync(lock); // stale: its process was killed
    }
  }
  throw new Error(`could not lock ${dir}`);
}
