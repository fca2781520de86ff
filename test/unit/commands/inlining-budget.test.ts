// lowerInliningBudget really changes what V8's optimizing compiler inlines: a child Node process
// optimizes a function that calls a 221-bytecode function five times, with V8's inlining trace
// on, once as it is and once after lowerInliningBudget().
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/shared.js';

const built = path.join(repoRoot, 'dist', 'commands', 'inlining-budget.js');
if (!existsSync(built)) console.warn('[tests] dist/ is not built (npm run build:ts): the inlining-budget test is skipped');

/** Lines "Inlining <g> into <f>" that V8 traces while optimizing `f`, with or without the lower budget. */
function inlinedCalls(lower: boolean): number {
  const script = [
    "const { lowerInliningBudget, SHORT_COMMAND_INLINING_BUDGET } = await import('./dist/commands/inlining-budget.js');",
    lower ? 'lowerInliningBudget(); lowerInliningBudget();' : '',
    'function g(a) { let s = 0; for (let i = 0; i < a.length; i++) { s += a[i] * 3 + (a[i] >> 1) - (a[i] & 7) + Math.imul(a[i], 5) + (a[i] ^ 9) + Math.max(a[i], 2) + Math.min(a[i], 7) + (a[i] | 4); } return s + a.length * 2 + a[0] - a[1] + Math.abs(a[2]); }',
    'function f(a) { return g(a) + g(a) + g(a) + g(a) + g(a); }',
    'const arr = [1, 2, 3, 4, 5];',
    '%PrepareFunctionForOptimization(f); %PrepareFunctionForOptimization(g);',
    'f(arr); f(arr); %OptimizeFunctionOnNextCall(f); f(arr);',
    'console.log("budget", SHORT_COMMAND_INLINING_BUDGET);',
  ].join('\n');
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--trace-turbo-inlining', '--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain('budget 150');
  return r.stdout.split('\n').filter((line) => /^Inlining .*SharedFunctionInfo g>.* into .*SharedFunctionInfo f>/.test(line)).length;
}

describe.skipIf(!existsSync(built))('lowerInliningBudget', () => {
  it('stops TurboFan from inlining a 221-bytecode callee it inlines by default', () => {
    // V8's default budget (920) holds several copies of g (3 with Node 20's V8); 150 holds none.
    expect(inlinedCalls(false)).toBeGreaterThanOrEqual(3);
    expect(inlinedCalls(true)).toBe(0);
  });
});
