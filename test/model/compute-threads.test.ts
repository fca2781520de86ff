/**
 * native/ComputeThreads.cpp when no thread can be started: two models' loops that overlap need a
 * second compute thread; where the system refuses it (std::system_error), the second loop must
 * wait its turn on the kept thread instead of failing its request and leaving its engine
 * believing a loop runs. Root is exempt from RLIMIT_NPROC, so the models run in a child process
 * that drops to user `nobody` (setpriv) and, once both models are warm, holds itself (prlimit) to
 * the threads it has: a worker thread it then asks for must fail (the limit bites), and both
 * overlapping generations must still give what they gave one after the other. Linux, as root.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

import { hasStoriesModel, repoRoot, storiesModel } from '../helpers/shared.js';

const has = (tool: string) => {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};
const usable = process.platform === 'linux' && process.getuid?.() === 0 && has('setpriv') && has('prlimit');

const CHILD = `
import { readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
const { loadModel } = await import(process.argv[2]);
const file = process.argv[3];
const a = await loadModel(file, { contextSize: 256, threads: 1, parallel: 1 });
const b = await loadModel(file, { contextSize: 256, threads: 1, parallel: 1 });
const ra = await a.generate('Once upon a time', { maxTokens: 40 });
const rb = await b.generate('The little dog', { maxTokens: 40 });
// Held to the threads it has: every task of user nobody counts against the limit, and the
// child is all of them (lowering one's own limit needs no privilege).
const threads = readdirSync('/proc/self/task').length;
execFileSync('prlimit', ['--pid=' + process.pid, '--nproc=' + threads + ':' + threads]);
const refused = await new Promise((resolve) => {
  try {
    const w = new Worker('setTimeout(() => {}, 10)', { eval: true });
    w.once('error', () => resolve(true));
    w.once('online', () => resolve(false));
  } catch (err) {
    resolve(err.code === 'ERR_WORKER_INIT_FAILED');
  }
});
const [xa, xb] = await Promise.all([a.generate('Once upon a time', { maxTokens: 40 }), b.generate('The little dog', { maxTokens: 40 })]);
process.stdout.write(JSON.stringify({ threads, refused, same: xa.text === ra.text && xb.text === rb.text, lengths: [xa.text.length, xb.text.length] }) + '\\n');
a.dispose();
b.dispose();
process.exit(0);
`;

describe.skipIf(!hasStoriesModel || !usable)('ComputeThreads without a thread to be had', () => {
  it('a second model\'s overlapping loop waits its turn on the kept thread, and both generations come out as they do one after the other', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'compute-threads-'));
    chmodSync(dir, 0o755);
    const script = path.join(dir, 'child.mjs');
    writeFileSync(script, CHILD, { mode: 0o644 });
    const child = spawn('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, script, path.join(repoRoot, 'dist', 'index.js'), storiesModel], {
      stdio: ['ignore', 'pipe', 'pipe'],
      cwd: dir,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    try {
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      if (code !== 0) throw new Error(`the child exited with ${code}: ${stderr.slice(-2000)}`);
      const result = JSON.parse(stdout) as { threads: number; refused: boolean; same: boolean; lengths: number[] };
      console.log(`[compute-threads] child held to its ${result.threads} threads; a new worker thread refused: ${result.refused}`);
      expect(result.refused).toBe(true);
      expect(result.same).toBe(true);
      expect(result.lengths.every((n) => n > 40)).toBe(true);
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
