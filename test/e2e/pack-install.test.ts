// The install path a user takes: `npm pack`, then `npm install ./persona-gen-*.tgz` in an
// empty folder with no compiler (and no cmake) on the PATH, which must use the prebuilt
// binary. Needs `npm run prebuild` first (CI runs it); skipped with a message otherwise.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot, storiesGreedyReference, storiesModel } from '../helpers/shared.js';

function copyCheck(files: string[]): void {
  if (process.arch === 'x64') expect(files).toContain(`prebuilds/${process.platform}-${process.arch}/probe/cpu.node`);
}

const prebuilt = path.join(repoRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'persona-gen.napi.node');
const hasPrebuild = existsSync(prebuilt);
if (!hasPrebuild) console.warn(`[tests] ${prebuilt} is absent (run \`npm run prebuild\`): the tarball install test is skipped`);

function which(cmd: string): string {
  return execFileSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).trim();
}

describe.skipIf(!hasPrebuild)('npm pack + install from the tarball', () => {
  it('ships no tests, models or llama.cpp source, and installs and runs with no compiler', { timeout: 600_000 }, () => {
    const work = mkdtempSync(path.join(tmpdir(), 'persona-gen-pack-'));
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, encoding: 'utf8' }),
    ) as { filename: string; files: { path: string }[] }[];
    const files = packed[0]!.files.map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/cli.js');
    expect(files).toContain(`prebuilds/${process.platform}-${process.arch}/persona-gen.napi.node`);
    if (process.arch === 'x64') {
      expect(files).toContain(`prebuilds/${process.platform}-${process.arch}/avx2/persona-gen.napi.node`);
      expect(files).toContain(`prebuilds/${process.platform}-${process.arch}/avx512/persona-gen.napi.node`);
    }
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('deps/') || f.endsWith('.gguf'))).toEqual([]);
    expect(files.filter((f) => /\.(c|cpp|h|cu|metal)$/.test(f) && !f.startsWith('native/'))).toEqual([]);

    // A PATH with node, npm and sh (npm runs scripts through sh) only: no cmake, no c++/g++/clang++.
    const bin = path.join(work, 'bin');
    execFileSync('mkdir', ['-p', bin]);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    symlinkSync(which('npm'), path.join(bin, 'npm'));
    symlinkSync(which('sh'), path.join(bin, 'sh'));
    copyCheck(files);
    const app = path.join(work, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    writeFileSync(path.join(app, '.npmrc'), 'onnxruntime-node-install=skip\n');
    const env = { ...process.env, PATH: bin, PERSONA_GEN_BINARY: '' };
    const tgz = path.join(work, packed[0]!.filename);
    const inst = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--foreground-scripts', tgz], {
      cwd: app,
      env,
      encoding: 'utf8',
    });
    expect(inst.status, inst.stderr).toBe(0);
    expect(inst.stderr + inst.stdout).not.toContain('compiling from source');
    expect(inst.stderr + inst.stdout).toContain('using the existing native binary');
    expect(readdirSync(path.join(app, 'node_modules', 'persona-gen'))).not.toContain('build');

    const help = spawnSync(path.join(app, 'node_modules', '.bin', 'persona-gen'), ['--help'], { env, encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: persona-gen');
    const doctor = spawnSync(path.join(app, 'node_modules', '.bin', 'persona-gen'), ['doctor', '--json'], { env, encoding: 'utf8' });
    expect(doctor.status, doctor.stderr).toBe(0);
    const report = JSON.parse(doctor.stdout) as { cpuTarget: string; llamaCpp: string };
    // The installed loader picks the best variant this CPU runs, as its own probe says.
    const loader = pathToFileURL(path.join(app, 'node_modules', 'persona-gen', 'bindings', 'index.js')).href;
    const variant = spawnSync(process.execPath, ['--input-type=module', '-e', `import(${JSON.stringify(loader)}).then((b) => console.log(b.cpuVariant()))`], {
      cwd: app,
      env,
      encoding: 'utf8',
    });
    expect(variant.status, variant.stderr).toBe(0);
    const best = variant.stdout.trim();
    expect(['baseline', 'avx2', 'avx512']).toContain(best);
    expect(report.cpuTarget).toBe(best);
    expect(report.llamaCpp).toContain('v0.4.0');
    if (best === 'avx512') {
      // A lower variant can be forced; an unknown one is named in the error.
      const forced = spawnSync(path.join(app, 'node_modules', '.bin', 'persona-gen'), ['doctor', '--json'], {
        env: { ...env, PERSONA_GEN_CPU_VARIANT: 'avx2' },
        encoding: 'utf8',
      });
      expect((JSON.parse(forced.stdout) as { cpuTarget: string }).cpuTarget).toBe('avx2');
    }
    const bad = spawnSync(path.join(app, 'node_modules', '.bin', 'persona-gen'), ['doctor', '--json'], {
      env: { ...env, PERSONA_GEN_CPU_VARIANT: 'avx9000' },
      encoding: 'utf8',
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('PERSONA_GEN_CPU_VARIANT must be one of baseline, avx2, avx512, not "avx9000"');

    // The prebuilt binaries on other CPUs, emulated by qemu: a pre-AVX x86-64 (Nehalem) gets the
    // baseline binary and runs it; an AVX2 CPU (Haswell) gets the AVX2 one. (qemu's TCG has no
    // AVX-512: the avx512 variant is checked above, on this CPU, when it has AVX-512.)
    const qemu = spawnSync('sh', ['-c', 'command -v qemu-x86_64'], { encoding: 'utf8' }).stdout.trim();
    if (process.arch !== 'x64' || !qemu) {
      if (process.env.CI) throw new Error('CI must install qemu-user for the portability check');
      console.warn('[tests] qemu-x86_64 is absent: the portability check under emulated CPUs is skipped');
      return;
    }
    const script = path.join(app, 'check.mjs');
    writeFileSync(
      script,
      `import { loadModel, systemInfo } from 'persona-gen';\n` +
        `const model = process.argv[2];\n` +
        `const out = { cpuTarget: systemInfo().cpuTarget, simd: systemInfo().simdPath };\n` +
        `if (model) { const m = await loadModel(model, { contextSize: 128, threads: 1 }); out.text = (await m.generate('Once upon a time', { maxTokens: 12 })).text; m.dispose(); }\n` +
        `console.log(JSON.stringify(out));\n`,
    );
    const model = storiesModel;
    const arg = existsSync(model) ? [model] : [];
    // Icelake-Server under TCG reports no AVX-512 (qemu strips it): the probe must then say avx2.
    for (const [cpu, target] of [['Nehalem', 'baseline'], ['Haswell', 'avx2'], ['Icelake-Server', 'avx2']] as const) {
      const r = spawnSync(qemu, ['-cpu', cpu, process.execPath, script, ...arg], { cwd: app, env, encoding: 'utf8', timeout: 300_000 });
      expect(r.status, `${cpu}: ${r.stderr}`).toBe(0);
      const got = JSON.parse(r.stdout.trim().split('\n').pop()!) as { cpuTarget: string; text?: string };
      expect(got.cpuTarget).toBe(target);
      if (arg.length) expect(got.text!.length > 20 && storiesGreedyReference.startsWith(got.text!)).toBe(true);
    }
  });
});
