// Loads the persona-gen native addon (ESM). Where it looks, in order:
//   1. $PERSONA_GEN_BINARY, a path to a .node file (for example a sanitizer build);
//   2. what node-gyp-build finds: build/Release, build/Debug, then prebuilds/<platform>-<arch>/.
// When nothing fits, the error lists every place that was tried and how to build.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The package root (the folder holding package.json). */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let cached;

/** The places the loader tries, in order, for this platform. */
export function candidatePaths() {
  const tried = [];
  if (process.env.PERSONA_GEN_BINARY) tried.push(path.resolve(process.env.PERSONA_GEN_BINARY));
  tried.push(path.join(packageRoot, 'build', 'Release', 'persona_gen.node'));
  tried.push(path.join(packageRoot, 'build', 'Debug', 'persona_gen.node'));
  tried.push(path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, 'persona-gen.node'));
  tried.push(path.join(packageRoot, 'prebuilds', `${process.platform}-${process.arch}`, '*.napi.node'));
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
