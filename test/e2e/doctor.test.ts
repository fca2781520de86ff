// `persona-gen doctor` reports the build and the caches.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/shared.js';

describe('persona-gen doctor', () => {
  it('prints the llama.cpp release, CPU target, SIMD path, N-API version and the caches', () => {
    const home = mkdtempSync(path.join(tmpdir(), 'doctor-'));
    mkdirSync(path.join(home, 'pg', 'vocab'), { recursive: true });
    writeFileSync(path.join(home, 'pg', 'vocab', 'x.f16'), Buffer.alloc(1024));
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'dist', 'cli.js'), 'doctor', '--json'], {
      encoding: 'utf8',
      env: { ...process.env, PERSONA_GEN_CACHE: path.join(home, 'pg'), HF_HOME: path.join(home, 'hf') },
    });
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.llamaCpp).toMatch(/^v0\.4\.0 \(80fb11ac73e6\)$/);
    expect(['native', 'baseline', 'avx2', 'avx512']).toContain(report.cpuTarget);
    expect(['avx512', 'avx2', 'neon', 'scalar']).toContain(report.biasKernel);
    expect(report.napiVersion).toBe(8);
    expect(report.defaultThreads).toBeGreaterThan(0);
    expect(report.caches.vocab).toMatchObject({ exists: true, writable: true, entries: 1, bytes: 1024 });
    expect(report.caches.hub).toMatchObject({ path: path.join(home, 'hf', 'hub'), exists: false, writable: true });
  });
});
