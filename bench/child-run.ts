/**
 * Runs a program to completion for a benchmark, collecting its output, with a time limit (a
 * benchmark on a shared machine must stay bounded), and optionally timestamps each line of
 * stderr as it arrives (for programs that report progress line by line).
 * @module
 */
import { spawn } from 'node:child_process';

/** What {@link runChild} returns. */
export interface ChildOutput {
  stdout: string;
  stderr: string;
  /** Wall-clock milliseconds from spawn to exit. */
  wallMs: number;
  /** Each complete stderr line with the `performance.now()` at which it arrived. */
  stderrLines: { at: number; line: string }[];
  /** `performance.now()` at spawn. */
  startedAt: number;
}

/** Options of {@link runChild}. */
export interface ChildOptions {
  /** Kill the program (SIGKILL) after this many ms and reject. */
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs `command args`; resolves when it exits 0, rejects naming the command and quoting the
 * end of its stderr otherwise (or when it outlives `timeoutMs`).
 */
export function runChild(command: string, args: readonly string[], o: ChildOptions): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    const startedAt = performance.now();
    const p = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env, cwd: o.cwd });
    let stdout = '';
    let stderr = '';
    let pending = '';
    const stderrLines: { at: number; line: string }[] = [];
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      const at = performance.now();
      const text = d.toString();
      stderr += text;
      pending += text;
      const parts = pending.split('\n');
      pending = parts.pop()!;
      for (const line of parts) stderrLines.push({ at, line });
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), o.timeoutMs);
    p.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`${command} could not start: ${err.message}`));
    });
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const wallMs = performance.now() - startedAt;
      if (code === 0) {
        resolve({ stdout, stderr, wallMs, stderrLines, startedAt });
        return;
      }
      const why = signal === 'SIGKILL' && wallMs >= o.timeoutMs ? `was killed after its ${o.timeoutMs} ms limit` : `exited with ${code ?? signal}`;
      reject(new Error(`${command} ${args.join(' ')} ${why}: ${stderr.trim().split('\n').slice(-5).join('\n')}`));
    });
  });
}
