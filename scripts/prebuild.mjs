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
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tuple = `${process.platform}-${process.arch}`;
const variants = [{ cpu: 'baseline', dest: path.join('prebuilds', tuple, 'persona-gen.napi.node') }];
if (process.arch === 'x64') {
  variants.push({ cpu: 'avx2', dest: path.join('prebuilds', tuple, 'avx2', 'persona-gen.napi.node') });
  variants.push({ cpu: 'avx512', dest: path.join('prebuilds', tuple, 'avx512', 'persona-gen.napi.node') });
}

for (const v of variants) {
  const buildDir = `build-prebuild-${v.cpu}`;
  process.stderr.write(`[prebuild] ${tuple} ${v.cpu} -> ${v.dest}\n`);
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-native.mjs')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PERSONA_GEN_CPU: v.cpu, PERSONA_GEN_BUILD_DIR: buildDir },
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
  mkdirSync(path.dirname(path.join(root, v.dest)), { recursive: true });
  copyFileSync(path.join(root, buildDir, 'Release', 'persona_gen.node'), path.join(root, v.dest));
  if (v.cpu === 'baseline' && process.arch === 'x64') {
    const probe = path.join('prebuilds', tuple, 'probe', 'cpu.node');
    mkdirSync(path.dirname(path.join(root, probe)), { recursive: true });
    copyFileSync(path.join(root, buildDir, 'Release', 'persona_gen_cpuprobe.node'), path.join(root, probe));
  }
}
