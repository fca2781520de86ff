// Loads the persona-gen native addon (ESM). Where it looks, in order:
//   1. $PERSONA_GEN_BINARY, a path to a .node file (for example a sanitizer build);
//   2. a local source build: build/Release, build/Debug;
//   3. prebuilds/<platform>-<arch>/avx2/persona-gen.napi.node when this x86-64 CPU has AVX2,
//      FMA, F16C and BMI2, as the CPU itself says through CPUID (prebuilds/.../probe/cpu.node,
//      a tiny baseline addon); PERSONA_GEN_CPU_VARIANT=baseline or avx2 overrides;
//   4. what node-gyp-build finds in prebuilds/<platform>-<arch>/ (the baseline binary).
// When nothing fits, the error lists every place that was tried and how to build.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The package root (the folder holding package.json). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let cached;

const tuple = `${process.platform}-${process.arch}`;
const avx2Prebuild = path.join(packageRoot, 'prebuilds', tuple, 'avx2', 'persona-gen.napi.node');
const cpuProbe = path.join(packageRoot, 'prebuilds', tuple, 'probe', 'cpu.node');

/** Whether this CPU can run the x86-64-v3 (AVX2) prebuilt binary (asked through CPUID). */
export function cpuHasAvx2() {
  const forced = process.env.PERSONA_GEN_CPU_VARIANT;
  if (forced === 'avx2') return true;
  if (forced === 'baseline') return false;
  if (process.arch !== 'x64' || !existsSync(cpuProbe)) return false;
  try {
    return require(cpuProbe).hasAvx2() === true;
  } catch {
    return false;
  }
}

/** The places the loader tries, in order, for this platform. */
export function candidatePaths() {
  const tried = [];
  if (process.env.PERSONA_GEN_BINARY) tried.push(path.resolve(process.env.PERSONA_GEN_BINARY));
  tried.push(path.join(packageRoot, 'build', 'Release', 'persona_gen.node'));
  tried.push(path.join(packageRoot, 'build', 'Debug', 'persona_gen.node'));
  if (process.arch === 'x64') tried.push(avx2Prebuild);
  tried.push(path.join(packageRoot, 'prebuilds', tuple, '*.node'));
  return tried;
}

/** Loads (once) and returns the native addon. */
export function loadNativeAddon() {
  if (cached) return cached;
  const envPath = process.env.PERSONA_GEN_BINARY;
  if (envPath) {
    const p = path.resolve(envPath);
    if (!existsSync(p)) {
      throw new Error(`PERSONA_GEN_BINARY points at ${p}, which does not exist`);
    }
    cached = require(p);
    return cached;
  }
  const local = [path.join(packageRoot, 'build', 'Release', 'persona_gen.node'), path.join(packageRoot, 'build', 'Debug', 'persona_gen.node')];
  const found = local.find((p) => existsSync(p));
  if (found) {
    cached = require(found);
    return cached;
  }
  if (existsSync(avx2Prebuild) && cpuHasAvx2()) {
    cached = require(avx2Prebuild);
    return cached;
  }
  try {
    cached = require('node-gyp-build')(packageRoot);
    return cached;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `persona-gen: no native binary fits this machine (${process.platform}-${process.arch}, node ${process.versions.node}).\n` +
        `Tried:\n${candidatePaths().map((p) => `  - ${p}`).join('\n')}\n` +
        `Build it from source with \`npm rebuild persona-gen\` (needs cmake and a C++17 compiler), ` +
        `or set PERSONA_GEN_BINARY to a built persona_gen.node.\nCause: ${reason}`,
    );
  }
}
