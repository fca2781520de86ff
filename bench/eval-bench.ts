/**
 * `eval` users per hour: the CLI's whole evaluation loop (user vectors, baseline plus every
 * beta per user, scoring, predictions appended and fsynced) on the same synthetic LongLaMP-2
 * data and the same model, run by today's serial runner (a `--baseline` checkout's CLI, or
 * this build with `--parallel 1`) and by this build's runner with `--parallel` (when its CLI
 * has the option), alternately, each in its own process.
 *
 * Users/hour counts the generation phase: from the CLI's `model:` line (printed once the
 * model is loaded and the space is open) to its last progress line, so that model loading,
 * which does not grow with the users, is left out; the whole process's wall time is reported
 * too. The predictions of the two runners are compared output by output.
 * @module
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../bindings/index.js';
import { runChild, type ChildOutput } from './child-run.js';
import { alternate, benchStat, pairedRatio, quietMachine, type BenchStat } from './stats.js';

/** Settings of {@link evalBench}. */
export interface EvalBenchOptions {
  model: string;
  modelLabel: string;
  users: number;
  /** The personalized systems' betas (the baseline system comes on top). */
  betas: readonly number[];
  maxTokens: number;
  threads: number;
  runs: number;
  /** Checkout whose CLI is today's serial runner, or null for this build with `--parallel 1`. */
  baselineRoot: string | null;
  /** `--parallel` of the new runner, or null for its default. */
  parallel: number | null;
  /**
   * Flash attention of the new runner (PERSONA_GEN_FLASH_ATTENTION), or null for the
   * environment's. The serial runner of a `--baseline` checkout from before the engine always had
   * llama.cpp's default, auto, which turns it on for the CPU; on the runner's own `--parallel 1`
   * both runners get the same setting.
   */
  flashAttention: boolean | null;
  timeoutMs: number;
  log: (line: string) => void;
}

/** One runner's figures. */
export interface EvalRunnerFigures {
  cli: string;
  args: string;
  usersPerHour: BenchStat;
  generationSec: BenchStat;
  processSec: BenchStat;
  /** `parallel` as the run's config.json records it (null where it has none). */
  configParallel: number | null;
}

/** The section's result. */
export type EvalBenchResult =
  | {
      skipped: false;
      model: string;
      users: number;
      systems: number;
      maxTokens: number;
      /** The new runner's flash attention; the baseline's is llama.cpp's auto (on for the CPU). */
      flashAttention: boolean;
      serial: EvalRunnerFigures;
      parallel: EvalRunnerFigures;
      /** new / serial users per hour, run by run. */
      speedup: BenchStat;
      /** Predictions with the same output text in both runners' last runs. */
      samePredictions: { equal: number; total: number };
    }
  | { skipped: true; reason: string };

const WORDS = 'river market harbour letters accounts taxes floods spring cathedral university traders grain salt wool news walls'.split(' ');

/** LongLaMP-2 rows (abstract generation) of `users` synthetic users with a few profile items each. */
export function syntheticLongLampRows(users: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let u = 0; u < users; u++) {
    const w = (k: number) => WORDS[(u * 3 + k) % WORDS.length]!;
    const profile = [0, 1, 2].map((i) => ({
      id: `u${u}-p${i}`,
      title: `On the ${w(i)} and the ${w(i + 5)}`,
      abstract: `We study the ${w(i)} of the old city and how the ${w(i + 2)} shaped the lives of its people, from the ${w(i + 4)} to the ${w(i + 6)}.`,
      year: 1990 + i,
    }));
    rows.push({
      name: `user-${u}`,
      input:
        `Generate an abstract for the title "A history of the ${w(0)} in the age of the ${w(1)}" using the following items: ` +
        `1. ${w(2)} 2. ${w(3)} 3. ${w(4)} 4. ${w(5)}. The abstract should describe the sources, the method and the findings ` +
        `about the ${w(6)}, the ${w(7)} and the people who lived by the ${w(8)}.`,
      output: `This paper studies the ${w(0)} and the ${w(1)} of the city. We read letters and accounts and find that the ${w(2)} mattered most.`,
      profile,
    });
  }
  return rows;
}

function lastLineAt(out: ChildOutput, test: (line: string) => boolean): number | null {
  for (let i = out.stderrLines.length - 1; i >= 0; i--) if (test(out.stderrLines[i]!.line)) return out.stderrLines[i]!.at;
  return null;
}

function outputsOf(dir: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of readFileSync(path.join(dir, 'predictions.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { userId: string; system: string; output: string };
    m.set(`${r.userId}\u0000${r.system}`, r.output);
  }
  return m;
}

/** Runs the section (see the module comment). */
export async function evalBench(o: EvalBenchOptions): Promise<EvalBenchResult> {
  const newCli = path.join(packageRoot, 'dist', 'cli.js');
  const oldCli = o.baselineRoot === null ? newCli : path.join(path.resolve(o.baselineRoot), 'dist', 'cli.js');
  if (!existsSync(oldCli)) return { skipped: true, reason: `${oldCli} is missing (build the --baseline checkout: npm ci there)` };
  const help = await runChild(process.execPath, [newCli, 'eval', '--help'], { timeoutMs: 60_000 });
  const hasParallel = help.stdout.includes('--parallel');
  if (!hasParallel && o.baselineRoot === null) return { skipped: true, reason: "this build's eval has no --parallel (the batch runner is not merged)" };

  const work = mkdtempSync(path.join(tmpdir(), 'pg-evalbench-'));
  try {
    const data = path.join(work, 'longlamp2.jsonl');
    writeFileSync(data, syntheticLongLampRows(o.users).map((r) => JSON.stringify(r)).join('\n') + '\n');
    const nltk = path.resolve(packageRoot, '..', 'shared', 'nltk_data');
    const common = [
      '--model', o.model, '--space', 'native', '--data', data, '--task', 'LongLaMP-2', '--num-users', String(o.users),
      '--betas', o.betas.join(','), '--max-tokens', String(o.maxTokens), '--threads', String(o.threads),
      '--context-size', '1024', '--chat', 'off', '--progress', 'lines', '--seed', '0',
      ...(existsSync(nltk) ? ['--nltk-data', nltk] : []),
    ];
    const flash = o.flashAttention ?? process.env.PERSONA_GEN_FLASH_ATTENTION === '1';
    const env = { ...process.env, HF_HUB_OFFLINE: '1', PERSONA_GEN_CACHE: path.join(work, 'cache'), PERSONA_GEN_FLASH_ATTENTION: flash ? '1' : '0' };
    const serialArgs = o.baselineRoot === null ? ['--parallel', '1'] : [];
    const newArgs = hasParallel && o.parallel !== null ? ['--parallel', String(o.parallel)] : [];
    const lastDir: Record<string, string> = {};
    let n = 0;
    const runner = (name: string, cli: string, extra: string[]) => ({
      name,
      run: async () => {
        const out = path.join(work, `${name}-${n++}`);
        const r = await runChild(process.execPath, [cli, 'eval', ...common, ...extra, '--out', out], { timeoutMs: o.timeoutMs, env });
        const start = lastLineAt(r, (l) => l.startsWith('model: '));
        const end = lastLineAt(r, (l) => /^\[\s*\d+\/\d+\]/.test(l));
        if (start === null || end === null) throw new Error(`eval (${cli}) printed no model line or progress line:\n${r.stderr.slice(-500)}`);
        if (lastDir[name]) rmSync(lastDir[name]!, { recursive: true, force: true });
        lastDir[name] = out;
        const generationSec = (end - start) / 1000;
        return { usersPerHour: (o.users * 3600) / generationSec, generationSec, processSec: r.wallMs / 1000 };
      },
    });
    const runs = await alternate(
      [runner('serial', oldCli, serialArgs), runner('parallel', newCli, newArgs)],
      o.runs,
      (name, round, f) =>
        o.log(`  eval ${name} round ${round + 1}: ${f.usersPerHour.toFixed(0)} users/hour (generation ${f.generationSec.toFixed(1)} s, process ${f.processSec.toFixed(1)} s)`),
      () => quietMachine(),
      false,
    );
    const configParallel = (dir: string | undefined): number | null => {
      if (!dir) return null;
      const c = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { options?: { parallel?: number }; parallel?: number };
      return c.options?.parallel ?? c.parallel ?? null;
    };
    const figures = (name: string, cli: string, extra: string[]): EvalRunnerFigures => ({
      cli,
      args: extra.join(' '),
      usersPerHour: benchStat(runs[name]!.usersPerHour!),
      generationSec: benchStat(runs[name]!.generationSec!),
      processSec: benchStat(runs[name]!.processSec!),
      configParallel: configParallel(lastDir[name]),
    });
    const a = outputsOf(lastDir.serial!);
    const b = outputsOf(lastDir.parallel!);
    let equal = 0;
    for (const [k, v] of a) if (b.get(k) === v) equal++;
    return {
      skipped: false,
      model: o.modelLabel,
      users: o.users,
      systems: o.betas.length + 1,
      maxTokens: o.maxTokens,
      flashAttention: flash,
      serial: figures('serial', oldCli, serialArgs),
      parallel: figures('parallel', newCli, newArgs),
      speedup: pairedRatio(runs.parallel!.usersPerHour!, runs.serial!.usersPerHour!),
      samePredictions: { equal, total: a.size },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
