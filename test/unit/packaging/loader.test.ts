// The loader's and the source build's messages when something is missing.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/shared.js';

function nodeOnlyPath(): string {
  const bin = mkdtempSync(path.join(tmpdir(), 'persona-gen-bin-'));
  symlinkSync(process.execPath, path.join(bin, 'node'));
  return bin;
}

describe('native binary loader', () => {
  it('lists every path it tried when no binary fits', () => {
    const pkg = mkdtempSync(path.join(tmpdir(), 'persona-gen-pkg-'));
    cpSync(path.join(repoRoot, 'bindings'), path.join(pkg, 'bindings'), { recursive: true });
    symlinkSync(path.join(repoRoot, 'node_modules'), path.join(pkg, 'node_modules'));
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import('${path.join(pkg, 'bindings', 'index.js')}').then((m) => m.loadNativeAddon())`],
      { encoding: 'utf8', env: { ...process.env, PERSONA_GEN_BINARY: '' } },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('no native binary fits this machine');
    expect(r.stderr).toContain(path.join(pkg, 'build', 'Release', 'persona_gen.node'));
    expect(r.stderr).toContain(path.join(pkg, 'prebuilds', `${process.platform}-${process.arch}`));
    expect(r.stderr).toContain('npm rebuild persona-gen');
  });

  it('PERSONA_GEN_BINARY pointing nowhere is named in the error', () => {
    const r = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `import('${path.join(repoRoot, 'bindings', 'index.js')}').then((m) => m.loadNativeAddon())`],
      { encoding: 'utf8', env: { ...process.env, PERSONA_GEN_BINARY: '/nonexistent/persona_gen.node' } },
    );
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('PERSONA_GEN_BINARY points at /nonexistent/persona_gen.node, which does not exist');
  });
});

describe('source build', () => {
  it('stops with a message naming cmake when cmake is missing', () => {
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-native.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, PATH: nodeOnlyPath() },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('`cmake` (3.19 or newer) is not on the PATH');
    expect(r.stderr).toContain('apt-get install cmake');
  });

  const cmakePath = spawnSync('sh', ['-c', 'command -v cmake'], { encoding: 'utf8' }).stdout.trim();
  if (!cmakePath) console.warn('loader test: "stops with a message naming the compiler" skipped: cmake is not on the PATH');
  it.skipIf(!cmakePath)('stops with a message naming the compiler when there is none (needs cmake)', () => {
    const bin = nodeOnlyPath();
    const cmake = cmakePath;
    mkdirSync(bin, { recursive: true });
    symlinkSync(cmake, path.join(bin, 'cmake'));
    const r = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'build-native.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, PATH: bin, CXX: '' },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no C++ compiler (c++, g++ or clang++) is on the PATH');
  });
});
