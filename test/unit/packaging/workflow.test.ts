// The GitHub Actions workflow cannot run here: lint it against the workflow schema, and
// check that it covers every platform we claim.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { validateWorkflow } from '@action-validator/core';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/shared.js';

const dir = path.join(repoRoot, '.github', 'workflows');

describe('GitHub workflows', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));

  it('exist', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(`${file} passes the workflow schema`, () => {
      const state = validateWorkflow(readFileSync(path.join(dir, file), 'utf8'));
      expect(state.errors).toEqual([]);
    });
  }

  it('builds, tests and uploads prebuilds on linux-x64, linux-arm64, darwin-arm64 and win32-x64', () => {
    const wf = parse(readFileSync(path.join(dir, 'prebuild.yml'), 'utf8')) as {
      jobs: { build: { strategy: { matrix: { include: { name: string }[] } }; steps: { run?: string; uses?: string }[] } };
    };
    const names = wf.jobs.build.strategy.matrix.include.map((m) => m.name).sort();
    expect(names).toEqual(['darwin-arm64', 'linux-arm64', 'linux-x64', 'win32-x64']);
    const steps = wf.jobs.build.steps;
    expect(steps.some((s) => s.run === 'npm test')).toBe(true);
    expect(steps.some((s) => s.run === 'npm run prebuild')).toBe(true);
    expect(steps.some((s) => s.uses?.startsWith('actions/upload-artifact'))).toBe(true);
  });

  it('builds win32-x64 with MSVC (MinGW-w64 is exercised by .ci/run: cross build + Wine)', () => {
    const wf = parse(readFileSync(path.join(dir, 'prebuild.yml'), 'utf8')) as {
      jobs: { build: { strategy: { matrix: { include: { name: string; toolchain?: string }[] } }; steps: { if?: string; run?: string; uses?: string }[] } };
    };
    const win = wf.jobs.build.strategy.matrix.include.find((m) => m.name === 'win32-x64');
    expect(win?.toolchain).toBe('msvc');
    const msvcSteps = wf.jobs.build.steps.filter((s) => s.if === "matrix.toolchain == 'msvc'");
    expect(msvcSteps.some((s) => s.uses?.startsWith('ilammy/msvc-dev-cmd@'))).toBe(true);
    expect(msvcSteps.some((s) => s.run?.includes('cl|link') && s.run.includes('build/CMakeCache.txt'))).toBe(true);
  });
});
