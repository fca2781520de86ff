#!/usr/bin/env node
// `npm run prebuild`: builds the prebuilt binaries of this platform in prebuildify's layout,
// which node-gyp-build finds:
//   prebuilds/<platform>-<arch>/persona-gen.napi.node        llama.cpp for any CPU of the arch
//                                                             (x86-64: SSE4.2 baseline)
//   prebuilds/<platform>-<arch>/avx2/persona-gen.napi.node   x86-64 only: AVX2/FMA/F16C kernels,
//                                                             chosen by bindings/index.js at load
//                                                             time when the CPU has them
//   prebuilds/<platform>-<arch>/avx512/persona-gen.napi.node x86-64 only: AVX-512 (F/CD/VL/DQ/BW)
//                                                             + VNNI kernels, chosen the same way
//   prebuilds/<platform>-<arch>/probe/cpu.node               x86-64 only: the CPUID probe that
//                                                             makes that choice
// Neither uses -march=native; our own bias kernel picks its SIMD path at run time in both.
//
// On Linux x86-64 with MinGW-w64 installed (x86_64-w64-mingw32-g++-posix), it also cross-builds
// prebuilds/win32-x64/ (baseline, avx2 and the probe; no avx512 there, whose CPUs get avx2): the
// same layout, `build-native.mjs --target win32-x64`. Without the cross compiler it says so and
// skips them. PERSONA_GEN_PREBUILD_WIN32=0 skips them too.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const host = `${process.platform}-${process.arch}`;
const buildNative = path.join(root, 'scripts', 'build-native.mjs');

// Builds the CPU variants of one target (this machine's, or win32-x64 cross-built) into prebuilds/.
function prebuild(tuple, cpus) {
  const targetArgs = tuple === host ? [] : ['--target', tuple];
  for (const cpu of cpus) {
    const dest = path.join('prebuilds', tuple, ...(cpu === 'baseline' ? [] : [cpu]), 'persona-gen.napi.node');
    const buildDir = tuple === host ? `build-prebuild-${cpu}` : `build-prebuild-${tuple}-${cpu}`;
    process.stderr.write(`[prebuild] ${tuple} ${cpu} -> ${dest}\n`);
    const r = spawnSync(process.execPath, [buildNative, ...targetArgs], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, PERSONA_GEN_CPU: cpu, PERSONA_GEN_BUILD_DIR: buildDir },
    });
    if (r.status !== 0) process.exit(r.status ?? 1);
    mkdirSync(path.dirname(path.join(root, dest)), { recursive: true });
    copyFileSync(path.join(root, buildDir, 'Release', 'persona_gen.node'), path.join(root, dest));
    if (cpu === 'baseline' && tuple.endsWith('-x64')) {
      const probe = path.join('prebuilds', tuple, 'probe', 'cpu.node');
      mkdirSync(path.dirname(path.join(root, probe)), { recursive: true });
      copyFileSync(path.join(root, buildDir, 'Release', 'persona_gen_cpuprobe.node'), path.join(root, probe));
    }
  }
}

prebuild(host, process.arch === 'x64' ? ['baseline', 'avx2', 'avx512'] : ['baseline']);

if (host === 'linux-x64' && process.env.PERSONA_GEN_PREBUILD_WIN32 !== '0') {
  const check = spawnSync(process.execPath, [buildNative, '--target', 'win32-x64', '--check-tools'], { cwd: root, encoding: 'utf8' });
  if (check.status === 0) {
    prebuild('win32-x64', ['baseline', 'avx2']);
  } else {
    process.stderr.write(`[prebuild] win32-x64 skipped: ${check.stderr.trim().replace(/^persona-gen: /, '')}\n`);
  }
}
