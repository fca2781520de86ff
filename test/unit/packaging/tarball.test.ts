// What `npm pack` puts in the tarball: the product only. No bench, test or tool code (no
// dist/bench, test/, native/dev/, bindings/dev.*, maintainer scripts), every relative import of a
// shipped module resolves inside the tarball, and the product addon exports only what the
// library uses (test hooks and bench tools are in the development addon).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { candidatePaths, loadNativeAddon } from '../../../bindings/index.js';
import { repoRoot } from '../../helpers/shared.js';

const hasDist = existsSync(path.join(repoRoot, 'dist', 'index.js'));
if (!hasDist) console.warn('[tests] dist/ is not built (npm run build:ts): the tarball listing test is skipped');

/** The paths `npm pack` would put in the tarball (no scripts run, nothing written). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return (JSON.parse(out) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path).sort();
}

/** Relative module specifiers of an ES module's static and dynamic imports. */
function relativeImports(source: string): string[] {
  return [...source.matchAll(/(?:from\s*|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]!);
}

describe.skipIf(!hasDist)('npm pack', () => {
  const files = hasDist ? packedFiles() : [];

  it('ships the library, its loader, its native sources and the install scripts', () => {
    for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'bindings/index.js', 'bindings/index.d.ts',
      'native/addon.cpp', 'native/AddonExports.cpp', 'native/probe/CpuProbe.cpp', 'CMakeLists.txt', 'cmake/llama-common.cmake', 'binding.gyp',
      'scripts/install.mjs', 'scripts/build-native.mjs', 'scripts/fetch-llama.mjs', 'scripts/llama-source.json', 'package.json']) {
      expect(files, f).toContain(f);
    }
  });

  it('ships no bench, test or tool code', () => {
    const dev = files.filter((f) =>
      /^(test|tests|bench|fixtures|experiments|native\/dev|dist\/bench|deps|build[^/]*)\//.test(f) ||
      /^bindings\/dev\./.test(f) ||
      /^scripts\/(test-|prebuild|bench)/.test(f) ||
      /\.(test|spec)\.[cm]?[jt]s$/.test(f) ||
      /\.(gguf|py|tgz)$/.test(f),
    );
    expect(dev).toEqual([]);
  });

  it('every relative import of a shipped module resolves inside the tarball', () => {
    const shipped = new Set(files);
    const missing: string[] = [];
    for (const f of files.filter((p) => /\.(m?js)$/.test(p))) {
      for (const spec of relativeImports(readFileSync(path.join(repoRoot, f), 'utf8'))) {
        const target = path.posix.normalize(path.posix.join(path.posix.dirname(f), spec));
        if (!shipped.has(target)) missing.push(`${f} -> ${spec}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

const productBuilt = !process.env.PERSONA_GEN_BINARY && existsSync(candidatePaths()[0]!);
describe.skipIf(!productBuilt)('the product addon', () => {
  it('exports only what the library uses', () => {
    expect(Object.keys(loadNativeAddon()).sort()).toEqual(['AddonModel', 'AddonVocabMatrix', 'systemInfo']);
  });
});
