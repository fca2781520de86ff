/**
 * Runs fuzz jobs in child processes: fuzz-child.ts is bundled once (test/helpers/child-bundle.ts:
 * the child loads the same addon as the tests, or `PERSONA_GEN_BINARY`), the jobs are split
 * over `parallel` children, and every job gets a time bound. A child that dies (signal, abort, non-zero exit) or stops reporting is charged to the
 * job it had started, and a new child continues with the next job, so one crash neither hides
 * the others nor loses attribution.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { bundleEntry } from '../helpers/child-bundle.js';
import type { FuzzJob, FuzzJobFile, FuzzJobResult } from './fuzz-child.js';
import { encodeJson } from './json-codec.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

/** How one job ended. */
export type FuzzOutcome =
  | { job: FuzzJob; status: 'ok' | 'error'; result: FuzzJobResult; ms: number }
  | { job: FuzzJob; status: 'crash'; signal: string | null; code: number | null; stderr: string; ms: number }
  | { job: FuzzJob; status: 'hang'; stderr: string; ms: number };

/** Options of {@link runFuzzJobs}. */
export interface FuzzRunOptions {
  /** Children at once (default 2). */
  parallel?: number;
  /** Time bound of one job (default 20 s). */
  perJobMs?: number;
  /** The real model, if present. */
  storiesPath: string | null;
  /** Extra environment of the children (e.g. PERSONA_GEN_BINARY, LD_PRELOAD). */
  env?: NodeJS.ProcessEnv;
  /** Node flags of the children. */
  nodeArgs?: string[];
}

/** Bundles fuzz-child.ts into a temporary .mjs (once per process). */
export function bundleChild(): Promise<string> {
  return bundleEntry(path.join(here, 'fuzz-child.ts'));
}

interface Lane {
  jobs: FuzzJob[];
  /** Index into the global result array of each lane job. */
  globalIndex: number[];
}

/** Runs jobs in children; returns one outcome per job, in order. */
export async function runFuzzJobs(jobs: FuzzJob[], opts: FuzzRunOptions): Promise<FuzzOutcome[]> {
  const child = await bundleChild();
  const parallel = Math.max(1, opts.parallel ?? 2);
  const perJobMs = opts.perJobMs ?? 20_000;
  const outcomes: (FuzzOutcome | undefined)[] = new Array(jobs.length);
  const lanes: Lane[] = Array.from({ length: parallel }, () => ({ jobs: [], globalIndex: [] }));
  jobs.forEach((j, i) => {
    const lane = lanes[i % parallel]!;
    lane.jobs.push(j);
    lane.globalIndex.push(i);
  });
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'persona-gen-fuzz-'));
  try {
    await Promise.all(
      lanes.map(async (lane, li) => {
        if (lane.jobs.length === 0) return;
        const workDir = path.join(scratch, `lane-${li}`);
        mkdirSync(workDir, { recursive: true });
        const jobFile = path.join(workDir, 'jobs.json');
        const content: FuzzJobFile = { jobs: lane.jobs, storiesPath: opts.storiesPath, workDir };
        writeFileSync(jobFile, encodeJson(content));
        let next = 0;
        let spawnsWithoutProgress = 0;
        while (next < lane.jobs.length) {
          const before = next;
          next = await runChild(child, jobFile, next, lane, outcomes, perJobMs, opts);
          spawnsWithoutProgress = next === before ? spawnsWithoutProgress + 1 : 0;
          if (spawnsWithoutProgress >= 2) throw new Error(`the fuzz child does not start (lane ${li}, job ${next})`);
        }
      }),
    );
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return outcomes.map((o, i) => {
    if (!o) throw new Error(`fuzz job ${i} got no outcome`);
    return o;
  });
}

/** Runs one child from `start`; returns the index to continue from. */
function runChild(
  child: string,
  jobFile: string,
  start: number,
  lane: Lane,
  outcomes: (FuzzOutcome | undefined)[],
  perJobMs: number,
  opts: FuzzRunOptions,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...(opts.nodeArgs ?? []), child, jobFile, String(start)], {
      cwd: repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let current = -1;
    let startedAt = Date.now();
    let next = start;
    let buf = '';
    let stderr = '';
    let hung = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        hung = true;
        proc.kill('SIGKILL');
      }, perJobMs);
    };
    arm(); // also bounds the child's start
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('S ')) {
          current = Number(line.slice(2));
          startedAt = Date.now();
          stderr = '';
          arm();
        } else if (line.startsWith('R ')) {
          const sp = line.indexOf(' ', 2);
          const i = Number(line.slice(2, sp));
          const result = JSON.parse(line.slice(sp + 1)) as FuzzJobResult;
          outcomes[lane.globalIndex[i]!] = { job: lane.jobs[i]!, status: result.outcome, result, ms: Date.now() - startedAt };
          current = -1;
          next = i + 1;
        }
      }
    });
    proc.on('error', reject);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      if (current >= 0) {
        const g = lane.globalIndex[current]!;
        const ms = Date.now() - startedAt;
        outcomes[g] = hung
          ? { job: lane.jobs[current]!, status: 'hang', stderr, ms }
          : { job: lane.jobs[current]!, status: 'crash', signal, code, stderr, ms };
        resolve(current + 1);
        return;
      }
      if (next < lane.jobs.length && code !== 0) {
        // Died between jobs (e.g. at exit): charge the next job so the run goes on.
        outcomes[lane.globalIndex[next]!] = { job: lane.jobs[next]!, status: 'crash', signal, code, stderr, ms: 0 };
        resolve(next + 1);
        return;
      }
      resolve(next);
    });
  });
}

/** A one-line description of an outcome that is not ok/error. */
export function describeOutcome(o: FuzzOutcome): string {
  const id = (o.job.case as { id: string }).id;
  if (o.status === 'crash') return `CRASH ${id}: signal ${o.signal ?? '-'}, exit ${o.code ?? '-'}; stderr: ${o.stderr.trim().split('\n').slice(-6).join(' | ')}`;
  if (o.status === 'hang') return `HANG ${id} (> bound, ${o.ms} ms); stderr: ${o.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  return `${o.status} ${id}`;
}
