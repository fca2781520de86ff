// Loads the persona-gen native addon (ESM). Where it looks, in order:
//   1. $PERSONA_GEN_BINARY, a path to a .node file (for example a sanitizer build);
//   2. a local source build: build/Release, build/Debug;
//   3. on x86-64, the best prebuilt variant this CPU runs, as the CPU itself says through CPUID
//      (prebuilds/.../probe/cpu.node, a tiny baseline addon): prebuilds/<platform>-<arch>/avx512/
//      (AVX-512 F/CD/VL/DQ/BW + VNNI), then .../avx2/ (AVX2, FMA, F16C, BMI2);
//      PERSONA_GEN_CPU_VARIANT=baseline, avx2 or avx512 overrides the probe;
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
const variantPrebuild = (v) => path.join(packageRoot, 'prebuilds', tuple, v, 'persona-gen.napi.node');
const cpuProbe = path.join(packageRoot, 'prebuilds', tuple, 'probe', 'cpu.node');
const VARIANTS = ['baseline', 'avx2', 'avx512'];

/**
 * The best prebuilt CPU variant this machine runs: `avx512`, `avx2` or `baseline` (asked through
 * CPUID; `PERSONA_GEN_CPU_VARIANT` overrides, and an unknown value is an error).
 */
export function cpuVariant() {
  const forced = process.env.PERSONA_GEN_CPU_VARIANT;
  if (forced) {
    if (!VARIANTS.includes(forced)) {
      throw new Error(`PERSONA_GEN_CPU_VARIANT must be one of ${VARIANTS.join(', ')}, not "${forced}"`);
    }
    return forced;
  }
  if (process.arch !== 'x64' || !existsSync(cpuProbe)) return 'baseline';
  try {
    const probe = require(cpuProbe);
    if (typeof probe.hasAvx512 === 'function' && probe.hasAvx512() === true) return 'avx512';
    return probe.hasAvx2() === true ? 'avx2' : 'baseline';
  } catch {
    return 'baseline';
  }
}

/** Whether this CPU can run the x86-64-v3 (AVX2) prebuilt binary (asked through CPUID). */
export function cpuHasAvx2() {
  return cpuVariant() !== 'baseline';
}

/** The places the loader tries, in order, for this platform. */
export function candidatePaths() {
  const tried = [];
  if (process.env.PERSONA_GEN_BINARY) tried.push(path.resolve(process.env.PERSONA_GEN_BINARY));
  tried.push(path.join(packageRoot, 'build', 'Release', 'persona_gen.node'));
  tried.push(path.join(packageRoot, 'build', 'Debug', 'persona_gen.node'));
  if (process.arch === 'x64') tried.push(variantPrebuild('avx512'), variantPrebuild('avx2'));
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
  if (process.arch === 'x64') {
    const best = cpuVariant();
    // The best variant this CPU runs, else the next one down that is there.
    for (const v of best === 'avx512' ? ['avx512', 'avx2'] : best === 'avx2' ? ['avx2'] : []) {
      if (existsSync(variantPrebuild(v))) {
        cached = require(variantPrebuild(v));
        return cached;
      }
    }
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
